import type { Transformation } from '../types.js';
import { hexVal } from './util.js';

const NAMED: Record<string, number> = { quot: 34, amp: 38, lt: 60, gt: 62, nbsp: 160 };

/** &#DDD; &#xHH; (low byte; `;` optional) and the five entities ModSecurity knows. */
export const htmlEntityDecode: Transformation = {
  name: 'htmlEntityDecode',
  length: 'nonGrowing',
  joinSafe: true,
  fn(s) {
    if (s.indexOf('&') < 0) return s;
    // Copies the runs between entities: it also runs on whole joined target lists, where a bare
    // `&` (a query string) is common and an entity rare
    let out = '';
    let from = 0;
    const n = s.length;
    for (let i = s.indexOf('&'); i >= 0 && i + 1 < n; i = s.indexOf('&', i + 1)) {
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
          out += s.slice(from, i) + String.fromCharCode(v & 0xff);
          i = s[j] === ';' ? j : j - 1;
          from = i + 1;
        }
        continue;
      }
      let j = i + 1;
      while (j < n && j - i <= 5 && ((s.charCodeAt(j) | 32) >= 97 && (s.charCodeAt(j) | 32) <= 122)) j++;
      const v = NAMED[s.slice(i + 1, j).toLowerCase()];
      if (v !== undefined) {
        out += s.slice(from, i) + String.fromCharCode(v);
        i = s[j] === ';' ? j : j - 1;
        from = i + 1;
      }
    }
    return from === 0 ? s : out + s.slice(from);
  },
};
