import type { Transformation } from '../types.js';
import { normalizePathString } from './normalize-path.js';
export const normalizePathWin: Transformation = {
  name: 'normalizePathWin',
  fn: (s) => normalizePathString(s.indexOf('\\') < 0 ? s : s.split('\\').join('/')),
};
