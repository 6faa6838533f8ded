import type { OperatorDef } from './types.js';
import { numericOperator } from './numeric.js';
export const gt: OperatorDef = { name: 'gt', compile: (param) => numericOperator(param, (a, b) => a > b) };
