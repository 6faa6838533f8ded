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
};
