import { createHash } from 'node:crypto';
import type { Transformation } from '../types.js';
export const md5: Transformation = { name: 'md5', fn: (s) => createHash('md5').update(s, 'latin1').digest().toString('latin1') };
