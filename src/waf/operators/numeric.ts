import type { OperatorFn } from '../types.js';
import { withMacros } from './with-macros.js';

/** C atoi(): optional spaces and sign, then leading digits; anything else is 0. */
export function atoi(s: string): number {
  let i = 0;
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  let sign = 1;
  if (s[i] === '-' || s[i] === '+') { if (s[i] === '-') sign = -1; i++; }
  let v = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    i++;
  }
  return sign * v;
}

export function numericOperator(param: string, cmp: (a: number, b: number) => boolean): OperatorFn {
  return withMacros(param, (p) => {
    const b = atoi(p);
    return (_tx, v) => cmp(atoi(v), b);
  });
}
