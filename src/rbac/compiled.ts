import { UserInputError } from '../errors.js';
import { GlobUnsupported } from './glob-match.js';
import { isMatchFunction, MatcherCache, PatternError } from './key-match.js';
import { conjuncts, UnsupportedMatcher, type Expr, type Operand } from './matcher.js';
import type { RoleGraph } from './roles.js';
import type { PolicyRule, PolicySource } from './source.js';
import type { Decision, EffectKind, Evaluator, Explanation } from './evaluator.js';

type Req = readonly string[];
type Pred = (r: Req) => boolean;
/** A compiled condition: a constant when it does not depend on the request. */
type C = boolean | Pred;

const NONE = Number.MAX_SAFE_INTEGER;

interface Env {
  roles: ReadonlyMap<string, RoleGraph>;
  matchers: MatcherCache;
}

function operandConst(o: Operand, pv: readonly string[]): string | undefined {
  if (o.k === 'lit') return o.v;
  if (o.k === 'p') return pv[o.i];
  return undefined;
}

function compileExpr(e: Expr, pv: readonly string[], env: Env): C {
  switch (e.k) {
    case 'and': {
      const a = compileExpr(e.a, pv, env);
      if (a === false) return false;
      const b = compileExpr(e.b, pv, env);
      if (a === true) return b;
      if (b === false) return false;
      if (b === true) return a;
      return (r) => a(r) && b(r);
    }
    case 'or': {
      const a = compileExpr(e.a, pv, env);
      if (a === true) return true;
      const b = compileExpr(e.b, pv, env);
      if (a === false) return b;
      if (b === true) return true;
      if (b === false) return a;
      return (r) => a(r) || b(r);
    }
    case 'not': {
      const a = compileExpr(e.a, pv, env);
      if (typeof a === 'boolean') return !a;
      return (r) => !a(r);
    }
    case 'eq': {
      const ca = operandConst(e.a, pv);
      const cb = operandConst(e.b, pv);
      const neg = e.neg;
      if (ca !== undefined && cb !== undefined) return (ca === cb) !== neg;
      if (ca !== undefined || cb !== undefined) {
        const v = (ca ?? cb)!;
        const i = ca === undefined ? (e.a as { i: number }).i : (e.b as { i: number }).i;
        return neg ? (r) => r[i] !== v : (r) => r[i] === v;
      }
      const i = (e.a as { i: number }).i;
      const j = (e.b as { i: number }).i;
      return neg ? (r) => r[i] !== r[j] : (r) => r[i] === r[j];
    }
    case 'call': {
      const [x, y] = e.args as [Operand, Operand];
      const cx = operandConst(x, pv);
      const cy = operandConst(y, pv);
      const graph = env.roles.get(e.fn);
      if (graph) {
        if (cx !== undefined && cy !== undefined) return graph.has(cx, cy);
        if (cy !== undefined) {
          const i = (x as { i: number }).i;
          return (r) => graph.has(r[i]!, cy);
        }
        const j = (y as { i: number }).i;
        if (cx !== undefined) return (r) => graph.has(cx, r[j]!);
        const i = (x as { i: number }).i;
        return (r) => graph.has(r[i]!, r[j]!);
      }
      if (!isMatchFunction(e.fn)) throw new UnsupportedMatcher(`function ${e.fn}()`);
      if (cy === undefined) throw new UnsupportedMatcher(`${e.fn}() with a pattern taken from the request`);
      const m = env.matchers.get(e.fn, cy);
      if (cx !== undefined) return m(cx);
      const i = (x as { i: number }).i;
      return (r) => m(r[i]!);
    }
  }
}

/** Compiles for one rule; a bad pattern is the user's error at that rule's line. */
function compileAt(e: Expr, rule: PolicyRule, env: Env): C {
  try {
    return compileExpr(e, rule.values, env);
  } catch (err) {
    if (err instanceof PatternError) throw new UserInputError({ file: rule.file, line: rule.line }, err.message);
    // A glob outside the subset we reproduce: the whole model goes to casbin's enforcer.
    if (err instanceof GlobUnsupported) throw new UnsupportedMatcher(`${err.message} (${rule.origin})`);
    throw err;
  }
}

function toPred(c: C): Pred {
  if (c === true) return () => true;
  if (c === false) return () => false;
  return c;
}

/** A top-level conjunct answered by an index lookup instead of per-rule evaluation. */
type IndexKey =
  | { kind: 'role'; graph: RoleGraph; ri: number; pj: number }
  | { kind: 'eq'; ri: number; pj: number }
  | { kind: 'set'; ris: number[]; lits: string[]; pj: number }
  /** A prefilter only (its conjunct stays in the residual): the first path segment, when the pattern fixes it. */
  | { kind: 'seg'; fn: string; ri: number; pj: number };

/** Rules whose pattern does not fix the first path segment are filed under this key, visited by every request. */
const ANY_SEG = '\u0000*';

function firstSegment(s: string): string {
  if (s.charCodeAt(0) !== 47) return ANY_SEG;
  const e = s.indexOf('/', 1);
  return e < 0 ? s.slice(1) : s.slice(1, e);
}

function isPlainSegChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95 || c === 126;
}

/**
 * The first segment every path matching `pattern` must have, or ANY_SEG. Read from the pattern's
 * own text: a literal run of plain characters (no `.`, `:`, `{`, `*` or regex syntax) right after
 * the leading `/`, ended by `/` (or by the end of the pattern, which anchors it).
 */
function patternFirstSegment(fn: string, pattern: string): string {
  if (fn === 'eq') return firstSegment(pattern);
  if (pattern.charCodeAt(0) !== 47) return ANY_SEG;
  let i = 1;
  while (i < pattern.length && isPlainSegChar(pattern.charCodeAt(i))) i++;
  if (i === 1) return ANY_SEG;
  if (i === pattern.length) return fn === 'keyMatch' ? ANY_SEG : pattern.slice(1, i);
  return pattern.charCodeAt(i) === 47 ? pattern.slice(1, i) : ANY_SEG;
}

const ANY_ONLY: readonly string[] = [ANY_SEG];
const SEG_FUNCTIONS = new Set(['keyMatch', 'keyMatch2', 'keyMatch3', 'keyMatch4']);

function asSet(e: Expr): { ris: number[]; lits: string[]; pj: number } | null {
  const parts: Expr[] = [];
  const flat = (x: Expr): void => {
    if (x.k === 'or') {
      flat(x.a);
      flat(x.b);
    } else parts.push(x);
  };
  flat(e);
  let pj = -1;
  const ris: number[] = [];
  const lits: string[] = [];
  for (const p of parts) {
    if (p.k !== 'eq' || p.neg) return null;
    const [pside, other] = p.a.k === 'p' ? [p.a, p.b] : p.b.k === 'p' ? [p.b, p.a] : [null, null];
    if (!pside || !other || other.k === 'p') return null;
    if (pj >= 0 && pside.i !== pj) return null;
    pj = pside.i;
    if (other.k === 'r') ris.push(other.i);
    else lits.push(other.v);
  }
  return pj >= 0 ? { ris, lits, pj } : null;
}

function indexKeyOf(e: Expr, roles: ReadonlyMap<string, RoleGraph>): IndexKey | null {
  if (e.k === 'call') {
    const graph = roles.get(e.fn);
    const [x, y] = e.args as [Operand, Operand];
    if (graph && x.k === 'r' && y.k === 'p') return { kind: 'role', graph, ri: x.i, pj: y.i };
    return null;
  }
  if (e.k === 'eq' && !e.neg) {
    if (e.a.k === 'r' && e.b.k === 'p') return { kind: 'eq', ri: e.a.i, pj: e.b.i };
    if (e.a.k === 'p' && e.b.k === 'r') return { kind: 'eq', ri: e.b.i, pj: e.a.i };
    return null;
  }
  if (e.k === 'or') {
    const s = asSet(e);
    return s ? { kind: 'set', ...s } : null;
  }
  return null;
}

function ruleKey(k: IndexKey, rule: PolicyRule): string {
  const v = rule.values[k.pj]!;
  return k.kind === 'seg' ? patternFirstSegment(k.fn, v) : v;
}

function requestKeys(k: IndexKey, r: Req): readonly string[] {
  switch (k.kind) {
    case 'seg': {
      const seg = firstSegment(r[k.ri]!);
      return seg === ANY_SEG ? ANY_ONLY : [seg, ANY_SEG];
    }
    case 'role':
      return k.graph.rolesOf(r[k.ri]!);
    case 'eq':
      return [r[k.ri]!];
    case 'set': {
      if (k.ris.length === 1) {
        const v = r[k.ris[0]!]!;
        return k.lits.includes(v) ? k.lits : [v, ...k.lits];
      }
      const out = k.lits.slice();
      for (const i of k.ris) if (!out.includes(r[i]!)) out.push(r[i]!);
      return out;
    }
  }
}

type Index = Map<string, Index | number[]>;

const MAX_VIEWS = 4096;

/** A copy of `into` with `from` added: lists are concatenated (a rule is filed under one role only). */
function mergeIndex(into: Index, from: Index): Index {
  for (const [key, sub] of from) {
    const have = into.get(key);
    if (have === undefined) into.set(key, Array.isArray(sub) ? sub.slice() : mergeIndex(new Map(), sub));
    else if (Array.isArray(have)) into.set(key, have.concat(sub as number[]));
    else mergeIndex(have, sub as Index);
  }
  return into;
}

/**
 * The hot-path evaluator: rules are bucketed by up to two indexed conjuncts (typically the role
 * closure of `g(r.sub, p.sub)` and the method), so a request evaluates only the few rules filed
 * under its subject's roles and its method, with every path pattern compiled once.
 */
export class CompiledEvaluator implements Evaluator {
  readonly kind = 'compiled' as const;
  readonly version: string;
  private readonly rules: readonly PolicyRule[];
  private readonly residual: Pred[] = [];
  private readonly isDeny: boolean[] = [];
  private readonly keys: IndexKey[];
  private readonly index: Index = new Map();
  /** casbin evaluates the matcher once, with empty policy fields, when there is no rule or it reads none. */
  private readonly constant: Pred | null;
  private fullPreds: Pred[] | null = null;
  /**
   * Per caller: the union of the sub-indexes of every role it holds, built on its first request.
   * The policy of a snapshot never changes, so a view never goes stale; the map is bounded.
   */
  private readonly views = new Map<string, Index | number[]>();

  constructor(
    readonly source: PolicySource,
    private readonly expr: Expr,
    matcherText: string,
    private readonly effect: EffectKind,
    private readonly env: Env,
  ) {
    this.version = source.version;
    this.rules = source.rules.get('p') ?? [];
    const ptokens = source.ptokens.get('p') ?? [];
    const eftAt = ptokens.indexOf('eft');
    if (this.rules.length === 0 || !matcherText.includes('p_')) {
      this.constant = toPred(compileExpr(expr, ptokens.map(() => ''), env));
      this.keys = [];
      return;
    }
    this.constant = null;
    const all = conjuncts(expr);
    const chosen: { key: IndexKey; at: number }[] = [];
    all.forEach((c, at) => {
      const k = indexKeyOf(c, env.roles);
      if (k && k.kind === 'role' && chosen.length < 2) chosen.push({ key: k, at });
    });
    all.forEach((c, at) => {
      const k = indexKeyOf(c, env.roles);
      if (k && k.kind !== 'role' && chosen.length < 2) chosen.push({ key: k, at });
    });
    const rest = all.filter((_, at) => !chosen.some((c) => c.at === at));
    // The path's first segment narrows the candidates further (the path conjunct itself stays in `rest`).
    for (const c of all) {
      if (c.k === 'call' && SEG_FUNCTIONS.has(c.fn) && c.args[0]!.k === 'r' && c.args[1]!.k === 'p') {
        chosen.push({ key: { kind: 'seg', fn: c.fn, ri: c.args[0]!.i, pj: c.args[1]!.i }, at: -1 });
        break;
      }
    }
    this.keys = chosen.map((c) => c.key);
    for (const rule of this.rules) {
      let c: C = true;
      for (const e of rest) {
        const ce = compileAt(e, rule, env);
        if (ce === false) {
          c = false;
          break;
        }
        if (ce === true) continue;
        const prev: C = c;
        c = prev === true ? ce : (r: Req) => (prev as Pred)(r) && ce(r);
      }
      this.residual.push(toPred(c));
      this.isDeny.push(eftAt >= 0 && rule.values[eftAt] === 'deny');
      this.file(rule);
    }
  }

  private file(rule: PolicyRule): void {
    if (this.keys.length === 0) {
      let list = this.index.get('') as number[] | undefined;
      if (!list) this.index.set('', (list = []));
      list.push(rule.index);
      return;
    }
    let node: Index = this.index;
    for (let l = 0; l < this.keys.length; l++) {
      const v = ruleKey(this.keys[l]!, rule);
      const last = l === this.keys.length - 1;
      let next = node.get(v);
      if (!next) node.set(v, (next = last ? [] : new Map()));
      if (last) (next as number[]).push(rule.index);
      else node = next as Index;
    }
  }

  decide(r: Req): Decision {
    if (this.constant) return this.constantDecision(r);
    const best = { allow: NONE, deny: NONE };
    if (this.keys.length === 0) this.scan(this.index.get('') as number[], r, best);
    else if (this.keys[0]!.kind === 'role') this.visit(this.viewFor(r[this.keys[0]!.ri]!), 0, r, best);
    else this.walk(this.index, 0, r, best);
    return this.conclude(best.allow, best.deny);
  }

  private viewFor(sub: string): Index | number[] | undefined {
    const known = this.views.get(sub);
    if (known !== undefined) return known;
    const k = this.keys[0] as Extract<IndexKey, { kind: 'role' }>;
    const leaf = this.keys.length === 1;
    let view: Index | number[] = leaf ? [] : new Map();
    for (const role of k.graph.rolesOf(sub)) {
      const part = this.index.get(role);
      if (part === undefined) continue;
      view = leaf ? (view as number[]).concat(part as number[]) : mergeIndex(view as Index, part as Index);
    }
    if (this.views.size >= MAX_VIEWS) this.views.clear();
    this.views.set(sub, view);
    return view;
  }

  private walk(node: Index, level: number, r: Req, best: { allow: number; deny: number }): void {
    const k = this.keys[level]!;
    // The two commonest kinds look up without building a key list.
    if (k.kind === 'eq') {
      this.visit(node.get(r[k.ri]!), level, r, best);
      return;
    }
    if (k.kind === 'seg') {
      const seg = firstSegment(r[k.ri]!);
      if (seg !== ANY_SEG) this.visit(node.get(seg), level, r, best);
      this.visit(node.get(ANY_SEG), level, r, best);
      return;
    }
    const ks = requestKeys(k, r);
    for (let i = 0; i < ks.length; i++) this.visit(node.get(ks[i]!), level, r, best);
  }

  private visit(next: Index | number[] | undefined, level: number, r: Req, best: { allow: number; deny: number }): void {
    if (next === undefined) return;
    if (level === this.keys.length - 1) this.scan(next as number[], r, best);
    else this.walk(next as Index, level + 1, r, best);
  }

  private scan(list: number[], r: Req, best: { allow: number; deny: number }): void {
    const effect = this.effect;
    for (let n = 0; n < list.length; n++) {
      const idx = list[n]!;
      if (this.isDeny[idx]) {
        if (effect === 'allowOverride' || idx >= best.deny) continue;
        if (this.residual[idx]!(r)) best.deny = idx;
      } else {
        if (effect === 'denyUnlessDeny' || idx >= best.allow) continue;
        if (this.residual[idx]!(r)) best.allow = idx;
      }
    }
  }

  private conclude(allowAt: number, denyAt: number): Decision {
    switch (this.effect) {
      case 'allowOverride':
        return allowAt < NONE ? { allow: true, rule: this.rules[allowAt]! } : { allow: false, rule: null };
      case 'denyUnlessDeny':
        return denyAt < NONE ? { allow: false, rule: this.rules[denyAt]! } : { allow: true, rule: null };
      case 'denyOverride':
        if (denyAt < NONE) return { allow: false, rule: this.rules[denyAt]! };
        return allowAt < NONE ? { allow: true, rule: this.rules[allowAt]! } : { allow: false, rule: null };
    }
  }

  private constantDecision(r: Req): Decision {
    const held = this.constant!(r);
    // casbin pushes Allow (held) or Indeterminate once; `!some(deny)` is then true either way.
    if (this.effect === 'denyUnlessDeny') return { allow: true, rule: null };
    return { allow: held, rule: null };
  }

  /** Every matching rule and the role chain, by a full scan (not the hot path). */
  explain(r: Req): Explanation {
    if (this.constant) return { ...this.constantDecision(r), matched: [], chain: [] };
    if (!this.fullPreds) this.fullPreds = this.rules.map((rule) => toPred(compileAt(this.expr, rule, this.env)));
    const matched: PolicyRule[] = [];
    let allowAt = NONE;
    let denyAt = NONE;
    for (const rule of this.rules) {
      if (!this.fullPreds[rule.index]!(r)) continue;
      matched.push(rule);
      if (this.isDeny[rule.index]) denyAt = Math.min(denyAt, rule.index);
      else allowAt = Math.min(allowAt, rule.index);
    }
    const d = this.conclude(allowAt, denyAt);
    const roleKey = this.keys.find((k) => k.kind === 'role') as Extract<IndexKey, { kind: 'role' }> | undefined;
    const chain = d.rule && roleKey ? (roleKey.graph.chain(r[roleKey.ri]!, d.rule.values[roleKey.pj]!) ?? []) : [];
    return { ...d, matched, chain };
  }
}
