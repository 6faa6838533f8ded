import type { ActionDef } from './types.js';
export const ver: ActionDef = { name: 'ver', kind: 'metadata', apply(rule, value) { rule.ver = value; } };
