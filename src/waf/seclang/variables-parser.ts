import { flat } from './flat.js';

/** One item of a rule's target list, e.g. `!REQUEST_HEADERS:Referer`, `&ARGS`, `ARGS:/^id_/`. */
export interface RawTarget {
  name: string;
  /** Key after `:`; undefined for the whole collection. */
  key: string | undefined;
  /** The key was written `/regex/`. */
  keyIsRegex: boolean;
  exclude: boolean;
  count: boolean;
}

/**
 * Splits a target list on `|`, except inside a `/regex/` key (which may hold `|`). XML keys are
 * XPath expressions, not regexes, even when they start with `/`.
 */
export function parseTargets(s: string): RawTarget[] {
  const out: RawTarget[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    let exclude = false;
    let count = false;
    while (s[i] === '!' || s[i] === '&') {
      if (s[i] === '!') exclude = true; else count = true;
      i++;
    }
    let name = '';
    while (i < n && s[i] !== ':' && s[i] !== '|' && s[i] !== '.') name += s[i++];
    let key: string | undefined;
    let keyIsRegex = false;
    if (s[i] === ':' || s[i] === '.') {
      i++;
      let quoted = false;
      if (s[i] === '\'') { quoted = true; i++; }
      if (s[i] === '/' && name.toUpperCase() !== 'XML') {
        keyIsRegex = true;
        i++;
        let k = '';
        while (i < n && s[i] !== '/') {
          if (s[i] === '\\' && i + 1 < n) { k += s[i]! + s[i + 1]!; i += 2; continue; }
          k += s[i++];
        }
        i++;
        key = k;
        if (quoted && s[i] === '\'') i++;
      } else {
        let k = '';
        while (i < n && s[i] !== '|' && !(quoted && s[i] === '\'')) k += s[i++];
        if (quoted && s[i] === '\'') i++;
        key = k;
      }
    }
    out.push({ name: flat(name.trim()), key: key === undefined ? undefined : flat(key), keyIsRegex, exclude, count });
    while (i < n && s[i] !== '|') i++;
    i++;
  }
  return out;
}
