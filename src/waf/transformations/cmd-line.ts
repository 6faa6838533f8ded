import type { Transformation } from '../types.js';
import { isSpace } from './util.js';

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
    let out = '';
    let space = false;
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c === 92 || c === 34 || c === 39 || c === 94) continue;
      if (c === 44 || c === 59 || isSpace(c)) { space = true; continue; }
      if (space) {
        if (c !== 47 && c !== 40) out += ' ';
        space = false;
      }
      if (c >= 65 && c <= 90) c += 32;
      out += String.fromCharCode(c);
    }
    if (space) out += ' ';
    return out;
  },
};
