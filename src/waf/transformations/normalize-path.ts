import type { Transformation } from '../types.js';

/** Collapses `//`, removes `./` segments and resolves `../` against the previous segment. */
export function normalizePathString(s: string): string {
  // Only empty, `.` and `..` segments change a path: none of those, nothing to do
  if (s === '' || (s.indexOf('//') < 0 && s.indexOf('/.') < 0 && s.indexOf('./') < 0 && s !== '.' && s !== '..')) return s;
  const absolute = s.startsWith('/');
  const trailing = s.endsWith('/') || s.endsWith('/.') || s.endsWith('/..') || s === '.' || s === '..';
  const segs = s.split('/');
  const out: string[] = [];
  for (const seg of segs) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
      continue;
    }
    out.push(seg);
  }
  let res = (absolute ? '/' : '') + out.join('/');
  if (trailing && out.length > 0) res += '/';
  return res;
}

export const normalizePath: Transformation = { name: 'normalizePath', fn: normalizePathString };
