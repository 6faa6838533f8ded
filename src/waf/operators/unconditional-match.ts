import type { OperatorDef } from './types.js';
export const unconditionalMatch: OperatorDef = { name: 'unconditionalMatch', compile: () => () => true };
