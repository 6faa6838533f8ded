import type { OperatorDef } from './types.js';
import { withMacros } from './with-macros.js';
export const streq: OperatorDef = {
  name: 'streq',
  compile: (param) => withMacros(param, (p) => (_tx, v) => v === p),
};
