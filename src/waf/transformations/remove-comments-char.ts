import type { Transformation } from '../types.js';
/** Removes the comment markers themselves: `/*`, `*\/`, `--`, `#`. */
export const removeCommentsChar: Transformation = {
  name: 'removeCommentsChar',
  length: 'nonGrowing',
  joinSafe: true,
  fn(s) {
    // Copies the runs between markers: it runs on whole joined target lists, where a `-` is common
    // and a marker rare, so most calls return s itself
    let out = '';
    let from = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 35) {
        out += s.slice(from, i);
        from = i + 1;
        continue;
      }
      if (c !== 47 && c !== 42 && c !== 45) continue;
      const d = s.charCodeAt(i + 1);
      if ((c === 47 && d === 42) || (c === 42 && d === 47) || (c === 45 && d === 45)) {
        out += s.slice(from, i);
        i++;
        from = i + 1;
      }
    }
    return from === 0 ? s : out + s.slice(from);
  },
};
