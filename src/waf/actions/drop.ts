import type { ActionDef } from './types.js';
export const drop: ActionDef = { name: 'drop', kind: 'disruptive', apply(rule) { rule.disruptive = 'drop'; } };
