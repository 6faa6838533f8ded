import type { OperatorDef } from './types.js';
import { withMacros } from './with-macros.js';
export const endsWith: OperatorDef = {
  name: 'endsWith',
  compile: (param) => withMacros(param, (p) => (_tx, v) => v.endsWith(p)),
};
