/**
 * The WAF's one string model. ModSecurity inspects bytes, so every value the engine sees is a
 * "binary string": one JS char per byte (latin1). Rule files are read the same way, so patterns
 * written as UTF-8 bytes (`\xc2\xa0`) or as literal UTF-8 text match the same bytes in the input.
 * Convert at the edges only, with these helpers.
 */
export type Bin = string;

export function binFromBuffer(buf: Buffer | Uint8Array): Bin {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1');
}

/** A JS (UTF-16) string as the bytes of its UTF-8 encoding. */
export function binFromUtf8(s: string): Bin {
  // Pure ASCII needs no re-encoding: the common case for headers and URIs.
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'utf8').toString('latin1');
  }
  return s;
}

export function bufferFromBin(s: Bin): Buffer {
  return Buffer.from(s, 'latin1');
}

/** Best-effort readable text for logs (invalid UTF-8 becomes U+FFFD). */
export function utf8FromBin(s: Bin): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'latin1').toString('utf8');
  }
  return s;
}
