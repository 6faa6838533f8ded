import type { OperatorDef } from './types.js';
import type { OperatorFn } from '../types.js';

const strict = new TextDecoder('utf-8', { fatal: true });

/** Matches bytes that are not valid UTF-8 (bad sequences, overlong forms, surrogates). */
function invalid(v: string): boolean {
  let ascii = true;
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) >= 0x80) { ascii = false; break; }
  if (ascii) return false;
  try {
    strict.decode(Buffer.from(v, 'latin1'));
    return false;
  } catch {
    return true;
  }
}

export const validateUtf8Encoding: OperatorDef = {
  name: 'validateUtf8Encoding',
  compile: () => {
    const fn: OperatorFn = (_tx, v) => invalid(v);
    // `\n` is ASCII, so it never falls inside a multi-byte sequence: cutting valid UTF-8 at it
    // leaves valid pieces. Joined values that decode mean every value decodes.
    fn.noneCanMatch = (joined) => !invalid(joined);
    return fn;
  },
};
