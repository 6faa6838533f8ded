import type { OperatorDef } from './types.js';
import { numericOperator } from './numeric.js';
export const ne: OperatorDef = { name: 'ne', compile: (param) => numericOperator(param, (a, b) => a !== b) };
