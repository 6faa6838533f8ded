import type { OperatorDef } from './types.js';
import { withMacros } from './with-macros.js';

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export const containsWord: OperatorDef = {
  name: 'containsWord',
  compile: (param) => withMacros(param, (p) => (_tx, v) => {
    if (p === '') return true;
    let i = v.indexOf(p);
    while (i >= 0) {
      const before = i === 0 || !isWordChar(v.charCodeAt(i - 1));
      const end = i + p.length;
      const after = end >= v.length || !isWordChar(v.charCodeAt(end));
      if (before && after) return true;
      i = v.indexOf(p, i + 1);
    }
    return false;
  }),
};
