import type { OperatorDef } from './types.js';
import { numericOperator } from './numeric.js';
export const le: OperatorDef = { name: 'le', compile: (param) => numericOperator(param, (a, b) => a <= b) };
