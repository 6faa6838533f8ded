import type { OperatorDef } from './types.js';

const strict = new TextDecoder('utf-8', { fatal: true });

/** Matches bytes that are not valid UTF-8 (bad sequences, overlong forms, surrogates). */
export const validateUtf8Encoding: OperatorDef = {
  name: 'validateUtf8Encoding',
  compile: () => (_tx, v) => {
    let ascii = true;
    for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) >= 0x80) { ascii = false; break; }
    if (ascii) return false;
    try {
      strict.decode(Buffer.from(v, 'latin1'));
      return false;
    } catch {
      return true;
    }
  },
};
