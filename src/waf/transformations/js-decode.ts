import type { Transformation } from '../types.js';
import { hexVal, unicodeToByte, fromCodes } from './util.js';

const SIMPLE: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };

/** JavaScript escapes: \xHH, \uHHHH (to one byte), octal \OOO, \n and friends, `\c` as `c`. */
export const jsDecode: Transformation = {
  name: 'jsDecode',
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
      if ((d === 'u' || d === 'U') && i + 5 < n) {
        const a = hexVal(s.charCodeAt(i + 2)), b = hexVal(s.charCodeAt(i + 3));
        const e = hexVal(s.charCodeAt(i + 4)), f = hexVal(s.charCodeAt(i + 5));
        if (a >= 0 && b >= 0 && e >= 0 && f >= 0) {
          out.push(unicodeToByte((a << 12) | (b << 8) | (e << 4) | f));
          i += 5;
          continue;
        }
      }
      if ((d === 'x' || d === 'X') && i + 3 < n) {
        const h = hexVal(s.charCodeAt(i + 2)), l = hexVal(s.charCodeAt(i + 3));
        if (h >= 0 && l >= 0) { out.push((h << 4) | l); i += 3; continue; }
      }
      if (d >= '0' && d <= '7') {
        let j = i + 1;
        let v = 0;
        while (j < n && j < i + 4 && s[j]! >= '0' && s[j]! <= '7') {
          const nv = v * 8 + (s.charCodeAt(j) - 48);
          if (nv > 255) break;
          v = nv;
          j++;
        }
        out.push(v);
        i = j - 1;
        continue;
      }
      const simple = SIMPLE[d];
      out.push(simple ?? s.charCodeAt(i + 1));
      i++;
    }
    return fromCodes(out);
  },
};
