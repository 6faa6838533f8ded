import type { Transformation } from '../types.js';
export const replaceNulls: Transformation = {
  name: 'replaceNulls',
  length: 'nonGrowing',
  joinSafe: true,
  fn: (s) => (s.indexOf('\0') < 0 ? s : s.split('\0').join(' ')),
};
