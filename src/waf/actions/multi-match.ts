import type { ActionDef } from './types.js';
export const multiMatch: ActionDef = { name: 'multiMatch', kind: 'nondisruptive', apply(rule) { rule.multiMatch = true; } };
