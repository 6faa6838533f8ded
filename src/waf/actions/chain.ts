import type { ActionDef } from './types.js';
/** The next SecRule becomes part of this rule; all links must match (see the compiler). */
export const chain: ActionDef = { name: 'chain', kind: 'flow', apply(rule) { rule.chained = true; } };
