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

/**
 * No value of the joined ones is changed by normalizePathString: none holds `//`, `/.` or `./`
 * (a value's substrings are the joined string's), and none is `.` or `..` (such a value is a whole
 * line of the joined string). Any number of values.
 */
export function pathsUnchanged(joined: string): boolean {
  if (joined.indexOf('//') >= 0 || joined.indexOf('/.') >= 0 || joined.indexOf('./') >= 0) return false;
  for (let i = joined.indexOf('.'); i >= 0; i = joined.indexOf('.', i + 1)) {
    if (i > 0 && joined.charCodeAt(i - 1) !== 10) continue;
    const end = joined.charCodeAt(i + 1) === 46 ? i + 2 : i + 1;
    if (end === joined.length || joined.charCodeAt(end) === 10) return false;
  }
  return true;
}

export const normalizePath: Transformation = { name: 'normalizePath', fn: normalizePathString, unchangedOn: pathsUnchanged };
