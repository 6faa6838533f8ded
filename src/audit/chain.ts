import * as crypto from 'node:crypto';
import type { AuditRecord } from './record.js';
import { recordJsonOpen } from './record-json.js';

/** prevHash of the first record of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * A record's hash is SHA-256 over its JSON text exactly as written, from the opening brace up to
 * (not including) the `,"hash":"…"` member, with the closing brace: the bytes are the proof, so no
 * canonical form is needed and any tool can check a line. `seq` and `prevHash` are the last members
 * before `hash`, so each hash covers the record before it.
 */
// crypto.hash (one shot, Node ≥ 20.12) skips the Hash object: a third less CPU per record.
const oneShot = (crypto as unknown as { hash?: (alg: string, data: string | Uint8Array, enc: 'hex') => string }).hash;

export function sha256hex(data: string | Uint8Array): string {
  return oneShot ? oneShot('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');
}

/** One sink's position in its chain. */
export interface ChainState {
  seq: number;
  hash: string;
}

export interface ChainedLine {
  /** The JSON line (no newline) as it is written or published. */
  line: string;
  seq: number;
  hash: string;
}

/** The line of `rec` placed after `state`. `rec` must not carry chain members yet. */
export function chainLine(rec: AuditRecord, state: ChainState): ChainedLine {
  const seq = state.seq + 1;
  const pre = `${recordJsonOpen(rec)},"seq":${seq},"prevHash":"${state.hash}"}`;
  const hash = sha256hex(pre);
  return { line: `${pre.slice(0, -1)},"hash":"${hash}"}`, seq, hash };
}

/** Bytes a batch buffer keeps for the next batch; a larger one (big captured bodies) is let go after its batch. */
const KEEP_BYTES = 256 * 1024;

/**
 * The lines of one batch, chained and written straight into one buffer: each record's text is
 * encoded once, and its hash is taken over those bytes (no second encoding for the hash, no joined
 * string, no copy into a buffer for the write). The bytes and hashes are exactly chainLine's.
 * Reused batch after batch: `bytes()` is valid until the next `reset()`.
 */
export class ChainedBatch {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private len = 0;

  reset(): void {
    if (this.buf.length > KEEP_BYTES) this.buf = Buffer.allocUnsafe(64 * 1024);
    this.len = 0;
  }

  private room(bytes: number): void {
    if (this.len + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + bytes));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Appends `rec` placed after `state`, and a newline; returns the new chain position. `rec` must not carry chain members. */
  record(rec: AuditRecord, state: ChainState): ChainState {
    const seq = state.seq + 1;
    const open = recordJsonOpen(rec);
    const tail = `,"seq":${seq},"prevHash":"${state.hash}"}`;
    // UTF-8 takes at most 3 bytes per UTF-16 code unit; then the hash member and the newline.
    this.room(open.length * 3 + tail.length + 76);
    const start = this.len;
    let at = start + this.buf.write(open, start, 'utf8');
    at += this.buf.write(tail, at, 'latin1');
    const hash = sha256hex(this.buf.subarray(start, at));
    // The closing brace the hash covered gives way to the hash member.
    this.len = at - 1 + this.buf.write(`,"hash":"${hash}"}\n`, at - 1, 'latin1');
    return { seq, hash };
  }

  /** Appends a line (a checkpoint) and a newline. */
  line(text: string): void {
    this.room(text.length * 3 + 1);
    this.len += this.buf.write(`${text}\n`, this.len, 'utf8');
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

/** `rec` with its chain members, as an object whose JSON text is exactly chainLine's line. */
export function chainRecord(rec: AuditRecord, state: ChainState): AuditRecord {
  const c = chainLine(rec, state);
  return { ...rec, seq: c.seq, prevHash: state.hash, hash: c.hash };
}

/** The hash a parsed record should carry (its members in written order, `hash` last or absent). */
export function recordHash(rec: AuditRecord | Record<string, unknown>): string {
  const { hash: _omit, ...rest } = rec as Record<string, unknown>;
  return sha256hex(JSON.stringify(rest));
}

const HASH_KEY = ',"hash":"';

/** For a written line: the hash its bytes give, and the hash it claims; null when it has no hash member last. */
export function lineHashes(line: string): { computed: string; claimed: string } | null {
  const i = line.lastIndexOf(HASH_KEY);
  if (i < 0 || line.length !== i + HASH_KEY.length + 64 + 2 || !line.endsWith('"}')) return null;
  return { computed: sha256hex(`${line.slice(0, i)}}`), claimed: line.slice(i + HASH_KEY.length, i + HASH_KEY.length + 64) };
}

/**
 * JSON with object keys sorted at every level, so equal settings compare equal however they were
 * written (used to tell whether a sink's config changed, not for hashing records).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}
