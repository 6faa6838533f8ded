import type { PolicyRule, PolicySource, GroupingRule } from './source.js';

/** What one policy decides for one request. */
export interface Decision {
  allow: boolean;
  /** The deciding rule; null when none matched (default deny, or allow by `!some(deny)`). */
  rule: PolicyRule | null;
}

export interface Explanation extends Decision {
  /** Every rule whose matcher held, in file order. */
  matched: PolicyRule[];
  /** The grants from the subject to the deciding rule's subject (empty when direct or none). */
  chain: GroupingRule[];
}

/** A policy ready to answer requests. `r` is the request in the model's request order (sub, obj, act). */
export interface Evaluator {
  readonly kind: 'compiled' | 'casbin';
  readonly version: string;
  readonly source: PolicySource;
  decide(r: readonly string[]): Decision;
  explain(r: readonly string[]): Explanation;
}

/** The policy effects we reproduce (casbin's names, after its `p.` -> `p_` rewrite). */
export const EFFECTS = {
  allowOverride: 'some(where (p_eft == allow))',
  denyUnlessDeny: '!some(where (p_eft == deny))',
  denyOverride: 'some(where (p_eft == allow)) && !some(where (p_eft == deny))',
} as const;
export type EffectKind = keyof typeof EFFECTS;

export function effectKind(expr: string): EffectKind | undefined {
  for (const k of Object.keys(EFFECTS) as EffectKind[]) if (EFFECTS[k] === expr) return k;
  return undefined;
}
