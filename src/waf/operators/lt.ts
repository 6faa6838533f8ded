import type { OperatorDef } from './types.js';
import { numericOperator } from './numeric.js';
export const lt: OperatorDef = { name: 'lt', compile: (param) => numericOperator(param, (a, b) => a < b) };
