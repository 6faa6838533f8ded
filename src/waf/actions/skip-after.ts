import type { ActionDef } from './types.js';
import { need } from './need.js';
export const skipAfter: ActionDef = { name: 'skipAfter', kind: 'flow', apply(rule, value, ctx) { rule.skipAfter = need('skipAfter', value, ctx); } };
