import type { Transformation } from '../types.js';
/** Removes the comment markers themselves: `/*`, `*\/`, `--`, `#`. */
export const removeCommentsChar: Transformation = {
  name: 'removeCommentsChar',
  joinSafe: true,
  fn(s) {
    if (s.indexOf('/') < 0 && s.indexOf('*') < 0 && s.indexOf('-') < 0 && s.indexOf('#') < 0) return s;
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const c = s[i]!, d = s[i + 1];
      if ((c === '/' && d === '*') || (c === '*' && d === '/') || (c === '-' && d === '-')) { i++; continue; }
      if (c === '#') continue;
      out += c;
    }
    return out;
  },
};
