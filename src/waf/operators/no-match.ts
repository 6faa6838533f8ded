import type { OperatorDef } from './types.js';
export const noMatch: OperatorDef = { name: 'noMatch', compile: () => () => false };
