import type { Transformation } from '../types.js';
import { isSpace } from './util.js';
function trimWith(s: string, left: boolean, right: boolean): string {
  let a = 0, b = s.length;
  if (left) while (a < b && isSpace(s.charCodeAt(a))) a++;
  if (right) while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}
export const trim: Transformation = { name: 'trim', fn: (s) => trimWith(s, true, true) };
export const trimLeft: Transformation = { name: 'trimLeft', fn: (s) => trimWith(s, true, false) };
export const trimRight: Transformation = { name: 'trimRight', fn: (s) => trimWith(s, false, true) };
