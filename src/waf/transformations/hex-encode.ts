import type { Transformation } from '../types.js';
export const hexEncode: Transformation = { name: 'hexEncode', fn: (s) => Buffer.from(s, 'latin1').toString('hex') };
