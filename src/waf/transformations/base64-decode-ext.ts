import type { Transformation } from '../types.js';
/** Like base64Decode but skips characters outside the alphabet instead of stopping. */
export const base64DecodeExt: Transformation = {
  name: 'base64DecodeExt',
  fn(s) {
    let clean = '';
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47) clean += s[i];
    }
    return Buffer.from(clean, 'base64').toString('latin1');
  },
};
