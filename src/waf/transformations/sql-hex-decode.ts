import type { Transformation } from '../types.js';
import { hexVal } from './util.js';
/** 0xHHHH... SQL hex literals become their bytes. */
export const sqlHexDecode: Transformation = {
  name: 'sqlHexDecode',
  fn(s) {
    let out = '';
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && hexVal(s.charCodeAt(i + 2)) >= 0 && hexVal(s.charCodeAt(i + 3)) >= 0) {
        let j = i + 2;
        while (j + 1 < s.length && hexVal(s.charCodeAt(j)) >= 0 && hexVal(s.charCodeAt(j + 1)) >= 0) {
          out += String.fromCharCode((hexVal(s.charCodeAt(j)) << 4) | hexVal(s.charCodeAt(j + 1)));
          j += 2;
        }
        i = j - 1;
        continue;
      }
      out += s[i];
    }
    return out;
  },
};
