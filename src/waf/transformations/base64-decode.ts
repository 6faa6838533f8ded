import type { Transformation } from '../types.js';
import { fromCodes } from './util.js';

const SEXTET = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) SEXTET['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/** Above this length Buffer's native decoder wins; below, its per-call cost dominates. */
const NATIVE_FROM = 512;

/**
 * Decodes s[0, end), all of it in the base64 alphabet, as Buffer does: whole quads give three
 * bytes, a trailing pair one, a trailing triple two, a lone trailing char nothing.
 */
function decodeAlphabet(s: string, end: number): string {
  if (end >= NATIVE_FROM) return Buffer.from(s.slice(0, end), 'base64').toString('latin1');
  const out: number[] = [];
  let i = 0;
  for (; i + 4 <= end; i += 4) {
    const n = (SEXTET[s.charCodeAt(i)]! << 18) | (SEXTET[s.charCodeAt(i + 1)]! << 12) | (SEXTET[s.charCodeAt(i + 2)]! << 6) | SEXTET[s.charCodeAt(i + 3)]!;
    out.push((n >> 16) & 255, (n >> 8) & 255, n & 255);
  }
  const rest = end - i;
  if (rest >= 2) {
    const a = SEXTET[s.charCodeAt(i)]!, b = SEXTET[s.charCodeAt(i + 1)]!;
    out.push(((a << 2) | (b >> 4)) & 255);
    if (rest === 3) out.push(((b << 4) | (SEXTET[s.charCodeAt(i + 2)]! >> 2)) & 255);
  }
  return fromCodes(out);
}

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
    return decodeAlphabet(s, end);
  },
};
