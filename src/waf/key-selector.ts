import { compileRegex, re2Subject } from './regex.js';

/** A `/regex/` collection key selector (`TX:/^header_name_/`, `!ARGS:/^json\./`). */
export interface KeyMatcher {
  readonly source: string;
  test(key: string): boolean;
  /** For a literal selector: the lower-case text a lower-cased key starts with (anchored) or contains. */
  readonly literal?: { readonly text: string; readonly anchored: boolean };
}

const LITERAL = /^[A-Za-z0-9_-]+$/;

/**
 * Key selectors ignore case, like key lookups. Most are a literal prefix or substring (CRS's
 * `TX:/^header_name_920450_/`), tested with plain string code; the rest run on RE2 with a small
 * per-selector memo, since the same keys come back on every request.
 */
export function compileKeySelector(pattern: string): KeyMatcher {
  let p = pattern;
  const anchored = p.startsWith('^');
  if (anchored) p = p.slice(1);
  // a trailing `.*` or `X*` (zero or more of one literal char) adds nothing to a substring test
  if (p.endsWith('.*')) p = p.slice(0, -2);
  else if (p.length >= 2 && p.endsWith('*') && LITERAL.test(p[p.length - 2]!)) p = p.slice(0, -2);
  if (p !== '' && LITERAL.test(p)) {
    const lit = p.toLowerCase();
    const literal = { text: lit, anchored };
    return anchored
      ? { source: pattern, literal, test: (k) => k.toLowerCase().startsWith(lit) }
      : { source: pattern, literal, test: (k) => k.toLowerCase().includes(lit) };
  }
  const re = compileRegex('(?i)' + pattern);
  const memo = new Map<string, boolean>();
  return {
    source: pattern,
    test(k) {
      let r = memo.get(k);
      if (r === undefined) {
        r = re.test(re2Subject(k));
        if (memo.size > 4096) memo.clear();
        memo.set(k, r);
      }
      return r;
    },
  };
}
