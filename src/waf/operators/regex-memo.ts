import type { Transaction } from '../transaction.js';
import { Doorkeeper } from '../doorkeeper.js';

/**
 * What a regex operator answered for a short value: no match, a match, or a match with the captures
 * it set (TX:0..). A constant regex is a pure function of the value, and short values repeat across
 * requests (methods, protocols, header names, `Accept: *\/*`): a remembered answer is a map lookup
 * instead of an encode and a native call. Shared by every regex operator, keyed by value and then by
 * the operator, and bounded in entries: dropped whole when full, which costs only recomputation.
 */
export type RegexOutcome = boolean | readonly string[];

/** Longest value remembered. */
export const REMEMBER_MAX_INPUT = 256;
const MAX_INPUT = REMEMBER_MAX_INPUT;
const MAX_ENTRIES = 32768;

// a value meets one or a few regexes: a short list per value
interface Entry {
  readonly op: object;
  outcome: RegexOutcome;
  readonly next: Entry | undefined;
}

const byValue = new Map<string, Entry>();
let entries = 0;
// a value is remembered the second time any regex operator meets it (see Doorkeeper)
const door = new Doorkeeper(16384);

export function recall(op: object, value: string): RegexOutcome | undefined {
  if (value.length > MAX_INPUT) return undefined;
  for (let e = byValue.get(value); e; e = e.next) if (e.op === op) return e.outcome;
  return undefined;
}

export function remember(op: object, value: string, outcome: RegexOutcome): void {
  if (value.length > MAX_INPUT) return;
  if (entries >= MAX_ENTRIES) {
    byValue.clear();
    entries = 0;
  }
  const first = byValue.get(value);
  if (first === undefined && !door.admit(value)) return;
  for (let e = first; e; e = e.next) {
    if (e.op === op) {
      e.outcome = outcome;
      return;
    }
  }
  entries++;
  byValue.set(value, { op, outcome, next: first });
}

/** Sets TX:0.. as the regex did for this match. */
export function applyCaptures(tx: Transaction, caps: readonly string[]): void {
  for (let i = 0; i < caps.length; i++) tx.setCapture(i, caps[i]!);
}
