import type { Transformation } from '../types.js';
/** `t:none` clears the transformations inherited so far; as a function it is the identity. */
export const none: Transformation = { name: 'none',
  joinSafe: true, length: 'nonGrowing', fn: (s) => s };
