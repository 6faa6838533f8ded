import type { Transformation } from '../types.js';
import { isSpaceOrNbsp } from './util.js';
export const compressWhitespace: Transformation = {
  name: 'compressWhitespace',
  fn(s) {
    // already compressed: only single plain spaces
    let clean = true;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 32 ? s.charCodeAt(i + 1) === 32 || s.charCodeAt(i + 1) === 0xa0 || (s.charCodeAt(i + 1) >= 9 && s.charCodeAt(i + 1) <= 13) : isSpaceOrNbsp(c)) { clean = false; break; }
    }
    if (clean) return s;
    let out = '';
    let inSpace = false;
    for (let i = 0; i < s.length; i++) {
      if (isSpaceOrNbsp(s.charCodeAt(i))) {
        if (!inSpace) out += ' ';
        inSpace = true;
      } else {
        out += s[i];
        inSpace = false;
      }
    }
    return out;
  },
};
