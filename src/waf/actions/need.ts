import { UserInputError } from '../../errors.js';
import type { ActionContext } from './types.js';

export function need(name: string, value: string | undefined, ctx: ActionContext): string {
  if (value === undefined || value === '') throw new UserInputError(ctx.where, `action ${name} needs a value`);
  return value;
}
