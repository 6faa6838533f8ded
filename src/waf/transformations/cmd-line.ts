import type { Transformation } from '../types.js';
import { isSpace } from './util.js';
import { lowercase } from './lowercase.js';

/**
 * Windows/Unix command-line evasion: drop \ " ' ^, drop spaces before / and (, turn , and ; into
 * spaces, squeeze whitespace runs to one space, lowercase.
 */
/** Nothing to drop, squeeze or lowercase: the common case, answered without building a string. */
function needsWork(s: string): boolean {
  let prevSpace = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 || c === 34 || c === 39 || c === 94 || c === 44 || c === 59 || (c >= 65 && c <= 90) || (c >= 9 && c <= 13)) return true;
    if (c === 32) {
      if (prevSpace) return true;
      const n = s.charCodeAt(i + 1);
      if (n === 47 || n === 40 || i === 0 || i === s.length - 1) return true;
      prevSpace = true;
    } else {
      prevSpace = false;
    }
  }
  return false;
}

export const cmdLine: Transformation = {
  name: 'cmdLine',
  fn(s) {
    if (!needsWork(s)) return s;
    // the runs of kept bytes are copied whole (a string built a byte at a time is a chain of
    // thousands of cons strings: slow, and most of this transformation's allocation), then
    // lowercased once; the spaces put in are not letters
    const parts: string[] = [];
    let space = false;
    let from = -1;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const dropped = c === 92 || c === 34 || c === 39 || c === 94;
      const sep = !dropped && (c === 44 || c === 59 || isSpace(c));
      if (dropped || sep) {
        if (from >= 0) { parts.push(s.slice(from, i)); from = -1; }
        if (sep) space = true;
        continue;
      }
      if (space) {
        if (c !== 47 && c !== 40) parts.push(' ');
        space = false;
      }
      if (from < 0) from = i;
    }
    if (from >= 0) parts.push(s.slice(from));
    if (space) parts.push(' ');
    return lowercase.fn(parts.join(''));
  },
};
