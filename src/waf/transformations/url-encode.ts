import type { Transformation } from '../types.js';
export const urlEncode: Transformation = {
  name: 'urlEncode',
  fn(s) {
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 32) out += '+';
      else if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 42 || c === 45 || c === 46 || c === 95) out += s[i];
      else out += '%' + c.toString(16).padStart(2, '0');
    }
    return out;
  },
};
