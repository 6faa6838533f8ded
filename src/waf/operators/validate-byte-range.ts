import type { OperatorDef } from './types.js';
import { UserInputError } from '../../errors.js';
import type { OperatorFn } from '../types.js';

/** Matches when any byte falls outside the listed values/ranges (`1-255`, `9,10,13,32-126`). */
export const validateByteRange: OperatorDef = {
  name: 'validateByteRange',
  compile(param, ctx) {
    const allowed = new Uint8Array(256);
    for (const part of param.split(',')) {
      const p = part.trim();
      if (p === '') continue;
      const [a, b] = p.split('-').map((x) => Number(x.trim()));
      const lo = a!, hi = b === undefined ? a! : b;
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi > 255 || lo > hi) {
        throw new UserInputError(ctx.where, `@validateByteRange: bad range "${p}"`);
      }
      for (let i = lo; i <= hi; i++) allowed[i] = 1;
    }
    const fn: OperatorFn = (_tx, v) => {
      for (let i = 0; i < v.length; i++) if (!allowed[v.charCodeAt(i) & 0xff]) return true;
      return false;
    };
    // Every byte of the joined values allowed, the separator included: no value has one outside
    if (allowed[10]) fn.noneCanMatch = (joined) => !fn(undefined as never, joined, false);
    return fn;
  },
};
