import type { Transformation } from '../types.js';
import { hexVal, fromCodes } from './util.js';

const SIMPLE: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '?': 63, '\'': 39, '"': 34 };

/** ANSI C escapes: \n-style, \xHH, \OOO (1-3 octal digits); unknown escapes stay as written. */
export const escapeSeqDecode: Transformation = {
  name: 'escapeSeqDecode',
  // an escape can swallow the joining \n (`\\` then newline): only strings without `\\` are join-safe
  length: 'nonGrowing',
  joinSafeFor: (s: string) => s.indexOf('\\') < 0,
  fn(s) {
    if (s.indexOf('\\') < 0) return s;
    const out: number[] = [];
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c !== 92 || i + 1 >= n) { out.push(c); continue; }
      const d = s[i + 1]!;
      const simple = SIMPLE[d];
      if (simple !== undefined) { out.push(simple); i++; continue; }
      if ((d === 'x' || d === 'X') && i + 3 < n) {
        const h = hexVal(s.charCodeAt(i + 2)), l = hexVal(s.charCodeAt(i + 3));
        if (h >= 0 && l >= 0) { out.push((h << 4) | l); i += 3; continue; }
      }
      if (d >= '0' && d <= '7') {
        let j = i + 1;
        let v = 0;
        while (j < n && j < i + 4 && s[j]! >= '0' && s[j]! <= '7') { v = v * 8 + (s.charCodeAt(j) - 48); j++; }
        out.push(v & 0xff);
        i = j - 1;
        continue;
      }
      out.push(c);
    }
    return fromCodes(out);
  },
};
