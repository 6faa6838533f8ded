import type { OperatorDef } from './types.js';
import { withMacros } from './with-macros.js';
export const beginsWith: OperatorDef = {
  name: 'beginsWith',
  compile: (param) => withMacros(param, (p) => (_tx, v) => v.startsWith(p)),
};
