import type { OperatorDef } from './types.js';
import { isHex } from '../transformations/util.js';

/** Matches a `%` not followed by two hex digits. */
export const validateUrlEncoding: OperatorDef = {
  name: 'validateUrlEncoding',
  compile: () => (_tx, v) => {
    let i = v.indexOf('%');
    while (i >= 0) {
      if (i + 2 >= v.length || !isHex(v.charCodeAt(i + 1)) || !isHex(v.charCodeAt(i + 2))) return true;
      i = v.indexOf('%', i + 3);
    }
    return false;
  },
};
