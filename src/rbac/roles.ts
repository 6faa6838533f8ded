import { UserInputError } from '../errors.js';
import type { GroupingRule } from './source.js';

/**
 * casbin's default role manager follows at most 10 links and never reports a cycle. We check at load
 * instead: a cycle or a chain longer than this is refused, so every answer is the full transitive
 * closure and equals casbin's.
 */
export const MAX_ROLE_DEPTH = 10;

/** The role graph of one `g` definition: who inherits whom, and the closure of every name. */
export class RoleGraph {
  /** child -> direct parents, each with the line that granted it (first grant wins). */
  readonly parents = new Map<string, Map<string, GroupingRule>>();
  /** name -> every name it holds (itself first, then its roles). Only names in the graph. */
  private readonly closure = new Map<string, readonly string[]>();
  private readonly closureSets = new Map<string, ReadonlySet<string>>();

  constructor(readonly gtype: string, rules: readonly GroupingRule[]) {
    for (const r of rules) {
      if (r.gtype !== gtype) continue;
      let p = this.parents.get(r.child);
      if (!p) this.parents.set(r.child, (p = new Map()));
      if (!p.has(r.parent)) p.set(r.parent, r);
      if (!this.parents.has(r.parent)) this.parents.set(r.parent, new Map());
    }
    this.checkCyclesAndDepth();
    for (const name of this.parents.keys()) this.closureOf(name);
  }

  private checkCyclesAndDepth(): void {
    // Longest chain (in links) starting at each name, by DFS with an on-stack mark for cycles.
    const height = new Map<string, number>();
    const onStack = new Set<string>();
    const stack: string[] = [];
    const visit = (name: string, via: GroupingRule | undefined): number => {
      const known = height.get(name);
      if (known !== undefined) return known;
      if (onStack.has(name)) {
        const from = stack.indexOf(name);
        const cycle = [...stack.slice(from), name].join(' -> ');
        throw new UserInputError({ file: via!.file, line: via!.line }, `role cycle: ${cycle}`);
      }
      onStack.add(name);
      stack.push(name);
      let h = 0;
      for (const [parent, rule] of this.parents.get(name) ?? []) {
        const ph = visit(parent, rule) + 1;
        if (ph > MAX_ROLE_DEPTH) {
          throw new UserInputError({ file: rule.file, line: rule.line }, `role hierarchy deeper than ${MAX_ROLE_DEPTH} links from "${name}" (casbin silently stops at ${MAX_ROLE_DEPTH}; flatten the hierarchy)`);
        }
        if (ph > h) h = ph;
      }
      stack.pop();
      onStack.delete(name);
      height.set(name, h);
      return h;
    };
    for (const name of this.parents.keys()) visit(name, undefined);
  }

  private closureOf(name: string): readonly string[] {
    const known = this.closure.get(name);
    if (known) return known;
    const seen = new Set<string>([name]);
    const out: string[] = [name];
    for (const parent of this.parents.get(name)?.keys() ?? []) {
      for (const r of this.closureOf(parent)) {
        if (!seen.has(r)) {
          seen.add(r);
          out.push(r);
        }
      }
    }
    this.closure.set(name, out);
    this.closureSets.set(name, seen);
    return out;
  }

  /** Every name `name` holds, itself included (casbin: `g(name, x)` is true exactly for these). */
  rolesOf(name: string): readonly string[] {
    return this.closure.get(name) ?? [name];
  }

  /** casbin's `g(a, b)`. */
  has(a: string, b: string): boolean {
    if (a === b) return true;
    const s = this.closureSets.get(a);
    return s !== undefined && s.has(b);
  }

  /** The shortest chain of grants from `from` to `to` (empty when equal, null when none). */
  chain(from: string, to: string): GroupingRule[] | null {
    if (from === to) return [];
    const prev = new Map<string, GroupingRule>();
    const queue = [from];
    const seen = new Set([from]);
    while (queue.length > 0) {
      const cur = queue.shift()!;
      for (const [parent, rule] of this.parents.get(cur) ?? []) {
        if (seen.has(parent)) continue;
        seen.add(parent);
        prev.set(parent, rule);
        if (parent === to) {
          const out: GroupingRule[] = [];
          let at = to;
          while (at !== from) {
            const r = prev.get(at)!;
            out.unshift(r);
            at = r.child;
          }
          return out;
        }
        queue.push(parent);
      }
    }
    return null;
  }

  /** All names in the graph. */
  names(): IterableIterator<string> {
    return this.parents.keys();
  }
}
