import { createHash } from 'node:crypto';
import type { Transformation } from '../types.js';
export const sha1: Transformation = { name: 'sha1', fn: (s) => createHash('sha1').update(s, 'latin1').digest().toString('latin1') };
