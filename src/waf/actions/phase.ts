import type { ActionDef } from './types.js';
import type { Phase } from '../types.js';
import { UserInputError } from '../../errors.js';
import { need } from './need.js';
const NAMED: Record<string, Phase> = { request: 2, response: 4, logging: 5 };
export const phase: ActionDef = {
  name: 'phase',
  kind: 'metadata',
  apply(rule, value, ctx) {
    const v = need('phase', value, ctx);
    const p = NAMED[v.toLowerCase()] ?? Number(v);
    if (![1, 2, 3, 4, 5].includes(p)) throw new UserInputError(ctx.where, `bad phase "${v}"`);
    rule.phase = p as Phase;
  },
};
