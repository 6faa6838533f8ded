import type { Transformation } from '../types.js';
import { isSpaceOrNbsp } from './util.js';
export const compressWhitespace: Transformation = {
  name: 'compressWhitespace',
  fn(s) {
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
