import { fold } from './sqli-fold.js';
import { isAttackReading } from './sqli-fingerprints.js';
import { BoundedMemo, MEMO_MAX_INPUT } from './memo.js';

// @detectSQLi: the input is read three ways — as SQL on its own, and as the rest of a SQL string
// literal opened by ' or by " (the query the value lands in supplied the opening quote). If any
// reading folds to a known attack shape, it is an injection. The quoted readings only run when the
// input contains that quote: without one, a value cannot leave the string.

export interface SqliResult {
  match: boolean;
  /** Fingerprint of the matching reading, or of the plain reading when none matched. */
  fingerprint: string;
}

const memo = new BoundedMemo<SqliResult>(8192);

export function detectSQLi(input: string): SqliResult {
  if (input.length > MEMO_MAX_INPUT) return detectSQLiUncached(input);
  const known = memo.get(input);
  if (known !== undefined) return { match: known.match, fingerprint: known.fingerprint };
  const r = detectSQLiUncached(input);
  memo.set(input, r);
  return { match: r.match, fingerprint: r.fingerprint };
}

/** The detector without the memo (for measurement and tests). */
export function detectSQLiUncached(input: string): SqliResult {
  const plain = fold(input, '');
  if (isAttackReading(plain.fingerprint, plain.tokens)) return { match: true, fingerprint: plain.fingerprint };
  for (const quote of ["'", '"'] as const) {
    if (!input.includes(quote)) continue;
    const f = fold(input, quote);
    if (isAttackReading(f.fingerprint, f.tokens, true)) return { match: true, fingerprint: f.fingerprint };
  }
  return { match: false, fingerprint: plain.fingerprint };
}
