import type { OperatorDef } from './types.js';
import { phraseMatcher } from './phrases.js';
import { withMacros } from './with-macros.js';

export const pm: OperatorDef = {
  name: 'pm',
  compile: (param) => withMacros(param, (p) => phraseMatcher(p.split(/\s+/))),
};
