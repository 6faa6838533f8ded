import type { Transformation } from '../types.js';
/** Each C comment (an unterminated one runs to the end) becomes one space. */
export const replaceComments: Transformation = {
  name: 'replaceComments',
  // a comment may span the joining \n: only strings without `/*` are join-safe
  length: 'nonGrowing',
  joinSafeFor: (s: string) => s.indexOf('/*') < 0,
  fn(s) {
    if (s.indexOf('/*') < 0) return s;
    let out = '';
    let i = 0;
    while (i < s.length) {
      const start = s.indexOf('/*', i);
      if (start < 0) { out += s.slice(i); break; }
      out += s.slice(i, start) + ' ';
      const end = s.indexOf('*/', start + 2);
      if (end < 0) break;
      i = end + 2;
    }
    return out;
  },
};
