import type { ActionDef } from './types.js';
export const redirect: ActionDef = { name: 'redirect', kind: 'disruptive', apply(rule) { rule.disruptive = 'redirect'; } };
