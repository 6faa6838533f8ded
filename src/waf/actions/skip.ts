import type { ActionDef } from './types.js';
import { UserInputError } from '../../errors.js';
export const skip: ActionDef = {
  name: 'skip',
  kind: 'flow',
  apply(rule, value, ctx) {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UserInputError(ctx.where, `bad skip "${value}"`);
    rule.skip = n;
  },
};
