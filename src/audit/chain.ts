import { createHash } from 'node:crypto';
import type { AuditRecord } from './record.js';

/** prevHash of the first record of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted at every level, so a record hashes the same however it was built or
 * parsed back. Arrays keep their order; `undefined` members are left out as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** The hash of a record: SHA-256 over its canonical JSON without the `hash` member (seq and prevHash included). */
export function recordHash(rec: AuditRecord | Record<string, unknown>): string {
  const { hash: _omit, ...rest } = rec as Record<string, unknown>;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** One sink's position in its chain. */
export interface ChainState {
  seq: number;
  hash: string;
}

/** A copy of `rec` placed after `state` in the chain; `state` is not changed (callers commit on success). */
export function chainRecord(rec: AuditRecord, state: ChainState): AuditRecord {
  const out: AuditRecord = { ...rec, seq: state.seq + 1, prevHash: state.hash };
  delete out.hash;
  out.hash = recordHash(out);
  return out;
}
