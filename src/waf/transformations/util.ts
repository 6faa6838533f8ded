/** Byte-level helpers shared by the transformations (binary strings: one char per byte). */

export function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export function isHex(c: number): boolean {
  return hexVal(c) >= 0;
}

/** C isspace() plus NBSP (0xa0), as ModSecurity's whitespace transformations use. */
export function isSpaceOrNbsp(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0;
}

export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * A %uHHHH / \uHHHH code point reduced to one byte the ModSecurity way: the low byte, and
 * full-width ASCII (U+FF01..U+FF5E) folded to its ASCII form.
 */
export function unicodeToByte(code: number): number {
  const lo = code & 0xff;
  if ((code & 0xff00) === 0xff00 && lo > 0 && lo < 0x5f) return lo + 0x20;
  return lo;
}

/** Appends chars through an array of codes: far cheaper than string += in tight loops. */
export function fromCodes(codes: number[]): string {
  let out = '';
  const CHUNK = 8192;
  for (let i = 0; i < codes.length; i += CHUNK) out += String.fromCharCode.apply(null, codes.slice(i, i + CHUNK));
  return out;
}
