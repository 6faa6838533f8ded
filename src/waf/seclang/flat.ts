/**
 * A flat copy of a string the parsers built a character at a time. V8 keeps the result of repeated
 * `s += c` as a tree of cons strings; kept in a loaded rule set, CRS's tokens were about 270,000 such
 * pieces (8 MB of live heap, which V8 multiplies into old-generation headroom under load).
 */
export function flat(s: string): string {
  // Strings this short are copied flat by V8 on every append already.
  if (s.length < 13) return s;
  return Buffer.from(s, 'utf8').toString('utf8');
}
