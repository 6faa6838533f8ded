import type { ActionDef } from './types.js';
import { UserInputError } from '../../errors.js';
export const status: ActionDef = {
  name: 'status',
  kind: 'data',
  apply(rule, value, ctx) {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 100 || n > 599) throw new UserInputError(ctx.where, `bad status "${value}"`);
    rule.status = n;
  },
};
