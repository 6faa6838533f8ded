import type { Transformation } from '../types.js';
import { isSpaceOrNbsp } from './util.js';
export const removeWhitespace: Transformation = {
  name: 'removeWhitespace',
  fn(s) {
    // Copies the runs between whitespace (values are mostly words with single spaces)
    let out = '';
    let from = 0;
    for (let i = 0; i < s.length; i++) {
      if (!isSpaceOrNbsp(s.charCodeAt(i))) continue;
      if (i > from) out += s.slice(from, i);
      from = i + 1;
    }
    return from === 0 ? s : out + s.slice(from);
  },
  // no whitespace but exactly count - 1 newlines, so each is a separator: no value holds any
  unchangedOn(joined, count) {
    let nl = 0;
    for (let i = 0; i < joined.length; i++) {
      const c = joined.charCodeAt(i);
      if (c === 10) {
        if (++nl >= count) return false;
      } else if (isSpaceOrNbsp(c)) {
        return false;
      }
    }
    return nl === count - 1;
  },
};
