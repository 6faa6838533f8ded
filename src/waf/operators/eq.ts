import type { OperatorDef } from './types.js';
import { numericOperator } from './numeric.js';
export const eq: OperatorDef = { name: 'eq', compile: (param) => numericOperator(param, (a, b) => a === b) };
