import type { Transformation } from '../types.js';
import { hexVal, unicodeToByte } from './util.js';

/**
 * %XX, %uHHHH (low byte, full-width ASCII folded) and `+` to space; invalid escapes stay as written.
 * Copies the runs between escapes: it also runs on whole joined target lists, where an escape or a
 * `+` is rare next to the bytes around it.
 */
export function urlDecode(s: string, uni: boolean): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  const n = s.length;
  let out = '';
  let from = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 43) {
      out += s.slice(from, i) + ' ';
      from = i + 1;
      continue;
    }
    if (c !== 37) continue;
    if (uni && i + 5 < n && (s.charCodeAt(i + 1) | 32) === 117) {
      const a = hexVal(s.charCodeAt(i + 2)), b = hexVal(s.charCodeAt(i + 3));
      const d = hexVal(s.charCodeAt(i + 4)), e = hexVal(s.charCodeAt(i + 5));
      if (a >= 0 && b >= 0 && d >= 0 && e >= 0) {
        out += s.slice(from, i) + String.fromCharCode(unicodeToByte((a << 12) | (b << 8) | (d << 4) | e));
        i += 5;
        from = i + 1;
        continue;
      }
    }
    if (i + 2 < n) {
      const h = hexVal(s.charCodeAt(i + 1)), l = hexVal(s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        out += s.slice(from, i) + String.fromCharCode((h << 4) | l);
        i += 2;
        from = i + 1;
      }
    }
  }
  return out + s.slice(from);
}

export const urlDecodeUni: Transformation = { name: 'urlDecodeUni',
  joinSafe: true, length: 'nonGrowing', fn: (s) => urlDecode(s, true) };
