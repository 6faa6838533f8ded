import type { ActionDef } from './types.js';
export const block: ActionDef = { name: 'block', kind: 'disruptive', apply(rule) { rule.disruptive = 'block'; } };
