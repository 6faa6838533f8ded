import type { ActionDef } from './types.js';
export const pass: ActionDef = { name: 'pass', kind: 'disruptive', apply(rule) { rule.disruptive = 'pass'; } };
