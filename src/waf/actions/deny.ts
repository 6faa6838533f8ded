import type { ActionDef } from './types.js';
export const deny: ActionDef = { name: 'deny', kind: 'disruptive', apply(rule) { rule.disruptive = 'deny'; } };
