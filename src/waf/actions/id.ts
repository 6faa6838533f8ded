import type { ActionDef } from './types.js';
import { UserInputError } from '../../errors.js';
import { need } from './need.js';
export const id: ActionDef = {
  name: 'id',
  kind: 'metadata',
  apply(rule, value, ctx) {
    const v = need('id', value, ctx);
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new UserInputError(ctx.where, `bad rule id "${v}"`);
    rule.id = n;
  },
};
