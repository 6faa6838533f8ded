import type { Transformation } from '../types.js';
export const uppercase: Transformation = {
  name: 'uppercase',
  length: 'nonGrowing',
  joinSafe: true,
  fn(s) {
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      out += c >= 97 && c <= 122 ? String.fromCharCode(c - 32) : s[i];
    }
    return out;
  },
};
