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
  // fn's "already compressed" test per value, with exactly count - 1 newlines: all separators
  unchangedOn(joined, count) {
    let nl = 0;
    for (let i = 0; i < joined.length; i++) {
      const c = joined.charCodeAt(i);
      if (c === 10) {
        if (++nl >= count) return false;
        continue;
      }
      if (c === 32) {
        const n = joined.charCodeAt(i + 1);
        // a space before a separator ends its value: fine; before any other whitespace: a run
        if (n === 32 || n === 0xa0 || (n >= 9 && n <= 13 && n !== 10)) return false;
      } else if (isSpaceOrNbsp(c)) {
        return false;
      }
    }
    return nl === count - 1;
  },
};
