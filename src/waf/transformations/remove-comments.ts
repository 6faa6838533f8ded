import type { Transformation } from '../types.js';
/** Drops C comments and everything after `--` or `#` (SQL/shell line comments). */
export const removeComments: Transformation = {
  name: 'removeComments',
  fn(s) {
    let out = '';
    let i = 0;
    while (i < s.length) {
      if (s[i] === '/' && s[i + 1] === '*') {
        const end = s.indexOf('*/', i + 2);
        if (end < 0) break;
        i = end + 2;
        continue;
      }
      if ((s[i] === '-' && s[i + 1] === '-') || s[i] === '#') break;
      out += s[i++];
    }
    return out;
  },
};
