import type { ActionDef } from './types.js';
export const tag: ActionDef = { name: 'tag', kind: 'metadata', apply(rule, value) { if (value) rule.tags.push(value); } };
