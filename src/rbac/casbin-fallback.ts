import { newEnforcer, type Enforcer } from 'casbin';
import { MatcherCache, type MatchFunction } from './key-match.js';
import type { PolicyRule, PolicySource } from './source.js';
import type { Decision, Evaluator, Explanation } from './evaluator.js';

/**
 * casbin's own enforcer, for models outside the compiled family. It scans every rule per request, so
 * it is slow on large policies, but its answers are casbin's by definition. Its regex-based matching
 * functions are replaced by our RE2 versions (casbin builds a JS RegExp from each pattern on every call).
 * casbin is built fresh per snapshot and never reloaded in place (`loadPolicy()` empties a live enforcer).
 */
export class CasbinEvaluator implements Evaluator {
  readonly kind = 'casbin' as const;
  readonly version: string;
  private readonly byValues = new Map<string, PolicyRule>();

  private constructor(readonly source: PolicySource, private readonly enforcer: Enforcer) {
    this.version = source.version;
    for (const rule of source.rules.get('p') ?? []) {
      const key = rule.values.join('\u0000');
      if (!this.byValues.has(key)) this.byValues.set(key, rule);
    }
  }

  static async create(source: PolicySource): Promise<CasbinEvaluator> {
    const e = await newEnforcer(source.model);
    const cache = new MatcherCache();
    for (const fn of ['keyMatch2', 'keyMatch3', 'keyMatch4', 'keyMatch5', 'regexMatch'] as MatchFunction[]) {
      await e.addFunction(fn, (...args: unknown[]) => cache.get(fn, String(args[1] ?? ''))(String(args[0] ?? '')));
    }
    await e.buildRoleLinks();
    return new CasbinEvaluator(source, e);
  }

  decide(r: readonly string[]): Decision {
    const [allow, values] = this.enforcer.enforceExSync(...r);
    const rule = values.length > 0 ? (this.byValues.get(values.join('\u0000')) ?? null) : null;
    return { allow, rule };
  }

  explain(r: readonly string[]): Explanation {
    const d = this.decide(r);
    return { ...d, matched: d.rule ? [d.rule] : [], chain: [] };
  }
}
