import type { OperatorDef } from './types.js';
import { withMacros } from './with-macros.js';
/** The input occurs somewhere in the parameter (a substring test, as ModSecurity does it). */
export const within: OperatorDef = {
  name: 'within',
  compile: (param) => withMacros(param, (p) => (tx, v, capture) => {
    if (!p.includes(v)) return false;
    if (capture) tx.setCapture(0, v);
    return true;
  }),
};
