import type { Transformation } from '../types.js';
export const length: Transformation = { name: 'length', fn: (s) => String(s.length) };
