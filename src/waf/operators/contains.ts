import type { OperatorDef } from './types.js';
import { withMacros } from './with-macros.js';
export const contains: OperatorDef = {
  name: 'contains',
  compile: (param) => withMacros(param, (p) => (tx, v, capture) => {
    if (!v.includes(p)) return false;
    if (capture) tx.setCapture(0, p);
    return true;
  }),
};
