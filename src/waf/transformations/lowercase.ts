import type { Transformation } from '../types.js';
/** ASCII-only, like C tolower() in the "C" locale: bytes >= 0x80 are left alone. */
export const lowercase: Transformation = {
  name: 'lowercase',
  length: 'nonGrowing',
  joinSafe: true,
  fn(s) {
    let i = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 65 && c <= 90) break;
    }
    if (i === s.length) return s;
    // Pure ASCII: the engine's lowercasing is exactly ASCII lowercasing
    let ascii = true;
    for (let j = 0; j < s.length; j++) if (s.charCodeAt(j) > 0x7f) { ascii = false; break; }
    if (ascii) return s.toLowerCase();
    let out = s.slice(0, i);
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : s[i];
    }
    return out;
  },
};
