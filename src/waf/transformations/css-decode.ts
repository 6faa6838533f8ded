import type { Transformation } from '../types.js';
import { hexVal, isSpace, fromCodes } from './util.js';

/**
 * CSS escapes: `\` + 1..6 hex digits (one optional following whitespace eaten) becomes one byte
 * (full-width ASCII folded); `\` + newline disappears; `\` + any other char is that char.
 */
export const cssDecode: Transformation = {
  name: 'cssDecode',
  // an escape can swallow the joining \n (`\\` then newline): only strings without `\\` are join-safe
  length: 'nonGrowing',
  joinSafeFor: (s: string) => s.indexOf('\\') < 0,
  fn(s) {
    if (s.indexOf('\\') < 0) return s;
    const out: number[] = [];
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c !== 92) { out.push(c); continue; }
      if (i + 1 >= n) break; // a trailing backslash is dropped
      let j = i + 1;
      let v = 0;
      while (j < n && j < i + 7 && hexVal(s.charCodeAt(j)) >= 0) { v = v * 16 + hexVal(s.charCodeAt(j)); j++; }
      const digits = j - i - 1;
      if (digits > 0) {
        let b = v & 0xff;
        if (digits >= 4 && ((v >> 8) & 0xff) === 0xff && b > 0 && b < 0x5f) b += 0x20;
        out.push(b);
        if (j < n && isSpace(s.charCodeAt(j))) j++;
        i = j - 1;
        continue;
      }
      const d = s.charCodeAt(i + 1);
      if (d === 10) { i++; continue; }
      out.push(d);
      i++;
    }
    return fromCodes(out);
  },
};
