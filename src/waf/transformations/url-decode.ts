import type { Transformation } from '../types.js';
import { urlDecode as decode } from './url-decode-uni.js';
export const urlDecode: Transformation = { name: 'urlDecode',
  joinSafe: true, length: 'nonGrowing', fn: (s) => decode(s, false) };
