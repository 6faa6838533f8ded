import { randomBytes } from 'node:crypto';

/** Node's (OpenSSL's) ticket key block: name, HMAC secret, AES key. */
export const TICKET_KEYS_BYTES = 48;
/** New keys this often: a stolen key decrypts at most this long a window of resumed sessions. */
export const TICKET_KEY_LIFETIME_MS = 60 * 60_000;

/**
 * The TLS session-ticket keys of a sidecar's inbound listener. Without them each TLS context makes its
 * own random keys, so every certificate rotation (minutes, with short-lived SVIDs) made every ticket
 * issued before it useless, and with `workers: N` a ticket resumed only on the worker that issued it.
 * One owner generates and rotates them (the sidecar, or the primary of `workers: N`); workers follow
 * what the primary sends.
 */
export class TicketKeys {
  private keys: Buffer;
  private readonly listeners = new Set<(keys: Buffer) => void>();
  private timer: NodeJS.Timeout | null = null;

  /** `rotateMs`: generate and rotate (the owner); 0: keys only ever come through `set` (a worker). */
  constructor(rotateMs: number = TICKET_KEY_LIFETIME_MS, initial?: Buffer) {
    this.keys = initial ?? randomBytes(TICKET_KEYS_BYTES);
    if (rotateMs > 0) {
      this.timer = setInterval(() => this.set(randomBytes(TICKET_KEYS_BYTES)), rotateMs);
      this.timer.unref();
    }
  }

  current(): Buffer {
    return this.keys;
  }

  set(keys: Buffer): void {
    if (keys.length !== TICKET_KEYS_BYTES) throw new Error(`ticket keys must be ${TICKET_KEYS_BYTES} bytes, got ${keys.length}`);
    if (keys.equals(this.keys)) return;
    this.keys = keys;
    for (const l of this.listeners) l(keys);
  }

  onChange(fn: (keys: Buffer) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
  }
}
