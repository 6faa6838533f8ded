import { randomFillSync } from 'node:crypto';

/**
 * Keeps a caller's request id when it is a plain token (so one id follows a call across both
 * sidecars), otherwise makes a new one: an id ends up in logs and audit records, so it must not
 * carry anything that could forge a log line.
 */
export function requestIdFrom(value: string | string[] | undefined): string {
  if (typeof value === 'string' && value.length > 0 && value.length <= 64) {
    let ok = true;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95 || c === 46)) {
        ok = false;
        break;
      }
    }
    if (ok) return value;
  }
  return newRequestId();
}

/** Random bytes drawn from the CSPRNG a batch at a time: one system call per 256 ids. */
const pool = Buffer.alloc(16 * 256);
let poolOffset = pool.length;
/** The id's characters are written here and read out as one string. */
const text = Buffer.alloc(36);
/** Node's own latin1 reader on Buffer (what `toString('latin1')` ends in), untyped in @types/node. */
const textSlice = text as unknown as { latin1Slice(start: number, end: number): string };
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * A random (version 4) UUID. `crypto.randomUUID()` builds its string from 20 concatenations; this
 * writes the 36 characters into a buffer and makes one string of them, which is most of the garbage
 * an outbound request without an id used to leave.
 */
export function newRequestId(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const o = poolOffset;
  poolOffset += 16;
  let j = 0;
  for (let i = 0; i < 16; i++) {
    let b = pool[o + i]!;
    // RFC 9562 §5.4: version 4 in the high nibble of byte 6, variant 10 in the top bits of byte 8.
    if (i === 6) b = (b & 0x0f) | 0x40;
    else if (i === 8) b = (b & 0x3f) | 0x80;
    if (i === 4 || i === 6 || i === 8 || i === 10) text[j++] = 45;
    text[j++] = HEX[b >> 4]!;
    text[j++] = HEX[b & 15]!;
  }
  return textSlice.latin1Slice(0, 36);
}
