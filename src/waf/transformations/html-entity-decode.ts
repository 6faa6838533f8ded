import type { Transformation } from '../types.js';
import { hexVal, fromCodes } from './util.js';

const NAMED: Record<string, number> = { quot: 34, amp: 38, lt: 60, gt: 62, nbsp: 160 };

/** &#DDD; &#xHH; (low byte; `;` optional) and the five entities ModSecurity knows. */
export const htmlEntityDecode: Transformation = {
  name: 'htmlEntityDecode',
  joinSafe: true,
  fn(s) {
    if (s.indexOf('&') < 0) return s;
    const out: number[] = [];
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c !== 38 || i + 1 >= n) { out.push(c); continue; }
      if (s[i + 1] === '#') {
        let j = i + 2;
        let v = 0;
        let digits = 0;
        if (s[j] === 'x' || s[j] === 'X') {
          j++;
          while (j < n && hexVal(s.charCodeAt(j)) >= 0) { v = (v * 16 + hexVal(s.charCodeAt(j))) & 0xffffff; j++; digits++; }
        } else {
          while (j < n && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) { v = (v * 10 + s.charCodeAt(j) - 48) % 0x1000000; j++; digits++; }
        }
        if (digits > 0) {
          out.push(v & 0xff);
          i = s[j] === ';' ? j : j - 1;
          continue;
        }
        out.push(c);
        continue;
      }
      let j = i + 1;
      while (j < n && j - i <= 5 && ((s.charCodeAt(j) | 32) >= 97 && (s.charCodeAt(j) | 32) <= 122)) j++;
      const name = s.slice(i + 1, j).toLowerCase();
      const v = NAMED[name];
      if (v !== undefined) {
        out.push(v);
        i = s[j] === ';' ? j : j - 1;
        continue;
      }
      out.push(c);
    }
    return fromCodes(out);
  },
};
