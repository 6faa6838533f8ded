import type { Transformation } from '../types.js';
import { isSpaceOrNbsp } from './util.js';
export const removeWhitespace: Transformation = {
  name: 'removeWhitespace',
  fn(s) {
    let out = '';
    for (let i = 0; i < s.length; i++) if (!isSpaceOrNbsp(s.charCodeAt(i))) out += s[i];
    return out;
  },
};
