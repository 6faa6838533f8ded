import type { Transformation } from '../types.js';
import { normalizePathString, pathsUnchanged } from './normalize-path.js';
export const normalizePathWin: Transformation = {
  name: 'normalizePathWin',
  fn: (s) => normalizePathString(s.indexOf('\\') < 0 ? s : s.split('\\').join('/')),
  unchangedOn: (joined) => joined.indexOf('\\') < 0 && pathsUnchanged(joined),
};
