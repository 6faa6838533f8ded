import type { Collection } from '../collection.js';
import { urlDecode } from '../transformations/url-decode-uni.js';

/**
 * `a=1&b=2` into a collection: split on `&`, then the first `=`; names and values URL-decoded
 * (`+` is a space, invalid escapes kept). A piece without `=` is a name with an empty value.
 * Returns false when the argument limit cut the list.
 */
export function parseQueryInto(s: string, into: Collection, limit: number): boolean {
  if (s === '') return true;
  let count = into.size;
  let start = 0;
  while (start <= s.length) {
    let end = s.indexOf('&', start);
    if (end < 0) end = s.length;
    if (end > start) {
      if (count >= limit) return false;
      const piece = s.slice(start, end);
      const eq = piece.indexOf('=');
      const name = eq < 0 ? piece : piece.slice(0, eq);
      const value = eq < 0 ? '' : piece.slice(eq + 1);
      into.add(urlDecode(name, false), urlDecode(value, false));
      count++;
    }
    start = end + 1;
  }
  return true;
}

/** Cookie header (version 0): `a=1; b=2`, names trimmed, values as sent. */
export function parseCookiesInto(header: string, into: Collection): void {
  for (const part of header.split(';')) {
    const p = part.replace(/^[ \t]+/, '');
    if (p === '') continue;
    const eq = p.indexOf('=');
    if (eq < 0) into.add(p.trimEnd(), '');
    else into.add(p.slice(0, eq).trimEnd(), p.slice(eq + 1));
  }
}
