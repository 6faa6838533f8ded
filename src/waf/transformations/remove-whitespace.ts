import type { Transformation } from '../types.js';
import { isSpaceOrNbsp } from './util.js';
export const removeWhitespace: Transformation = {
  name: 'removeWhitespace',
  fn(s) {
    let i = 0;
    while (i < s.length && !isSpaceOrNbsp(s.charCodeAt(i))) i++;
    if (i === s.length) return s;
    let out = s.slice(0, i);
    for (; i < s.length; i++) if (!isSpaceOrNbsp(s.charCodeAt(i))) out += s[i];
    return out;
  },
};
