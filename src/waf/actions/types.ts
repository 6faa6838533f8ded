import type { Rule, Where } from '../types.js';

export interface ActionContext {
  where: Where;
}

/** One SecLang action: applied to the rule at load time (metadata, flow) or adding a run-time effect. */
export interface ActionDef {
  name: string;
  kind: 'metadata' | 'disruptive' | 'flow' | 'nondisruptive' | 'data';
  apply(rule: Rule, value: string | undefined, ctx: ActionContext): void;
}
