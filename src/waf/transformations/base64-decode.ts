import type { Transformation } from '../types.js';

/** Decodes up to the first byte outside the base64 alphabet (lenient, like apr_base64_decode). */
export const base64Decode: Transformation = {
  name: 'base64Decode',
  fn(s) {
    let end = 0;
    while (end < s.length) {
      const c = s.charCodeAt(end);
      const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
      if (!ok) break;
      end++;
    }
    return Buffer.from(s.slice(0, end), 'base64').toString('latin1');
  },
};
