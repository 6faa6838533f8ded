import type { Transformation } from '../types.js';
export const hexDecode: Transformation = { name: 'hexDecode', fn: (s) => Buffer.from(s, 'hex').toString('latin1') };
