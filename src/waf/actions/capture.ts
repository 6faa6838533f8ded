import type { ActionDef } from './types.js';
export const capture: ActionDef = { name: 'capture', kind: 'nondisruptive', apply(rule) { rule.capture = true; } };
