import type { Transformation } from '../types.js';
export const removeNulls: Transformation = {
  name: 'removeNulls',
  length: 'nonGrowing',
  joinSafe: true,
  fn: (s) => (s.indexOf('\0') < 0 ? s : s.split('\0').join('')),
};
