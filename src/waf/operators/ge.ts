import type { OperatorDef } from './types.js';
import { numericOperator } from './numeric.js';
export const ge: OperatorDef = { name: 'ge', compile: (param) => numericOperator(param, (a, b) => a >= b) };
