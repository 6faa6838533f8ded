/**
 * casbin's `globMatch` (minimatch with default options, after casbin turns a leading `*` + `/` into
 * `/`), reproduced without building a RegExp, for the glob subset people write in path policies:
 * literal characters, `*` and `?` inside segments. Globstars (`**`), classes (`[...]`), braces,
 * extglobs, negation, escapes and `..` segments are left to casbin's enforcer (the model falls back).
 *
 * minimatch's rules, as they apply to that subset (checked against casbin by the tests):
 *   - the path and the pattern are split on runs of `/`;
 *   - a segment without `*`/`?` matches by equality;
 *   - a wildcard segment never matches an empty segment, `.` or `..`, nor a segment starting with `.`
 *     unless the pattern segment itself starts with a literal `.`;
 *   - when the pattern runs out, a path with exactly one segment left that is empty (a trailing `/`)
 *     still matches.
 */
export class GlobUnsupported extends Error {}

type Seg = string | { parts: string[] };

const PLAIN = /^[A-Za-z0-9._~%:=,;-]$/;

function compileSegment(seg: string, pattern: string): Seg {
  if (seg === '**') throw new GlobUnsupported(`globMatch pattern "${pattern}" uses ** (globstar)`);
  if (seg === '..') throw new GlobUnsupported(`globMatch pattern "${pattern}" has a .. segment`);
  let magic = false;
  for (const ch of seg) {
    if (ch === '*' || ch === '?') magic = true;
    else if (!PLAIN.test(ch)) throw new GlobUnsupported(`globMatch pattern "${pattern}" uses "${ch}"`);
  }
  if (!magic) return seg;
  // Split into literal runs and single wildcard tokens; `**` inside a segment acts as `*`.
  const parts: string[] = [];
  let lit = '';
  for (const ch of seg) {
    if (ch === '*' || ch === '?') {
      if (lit) parts.push(lit);
      lit = '';
      if (!(ch === '*' && parts[parts.length - 1] === '*')) parts.push(ch);
    } else lit += ch;
  }
  if (lit) parts.push(lit);
  return { parts };
}

/** Wildcard match of one segment (no `/` inside): `*` = any run, `?` = one character. */
function wildMatch(parts: string[], s: string): boolean {
  const n = parts.length;
  // Iterative matcher with a single backtrack point per `*` (linear enough for path segments).
  let pi = 0;
  let si = 0;
  let starPi = -1;
  let starSi = 0;
  while (si <= s.length) {
    if (pi < n) {
      const p = parts[pi]!;
      if (p === '*') {
        starPi = pi++;
        starSi = si;
        continue;
      }
      if (p === '?') {
        if (si < s.length) {
          pi++;
          si++;
          continue;
        }
      } else if (s.startsWith(p, si)) {
        pi++;
        si += p.length;
        continue;
      }
    } else if (si === s.length) return true;
    if (starPi < 0 || starSi >= s.length) return false;
    pi = starPi + 1;
    si = ++starSi;
  }
  return false;
}

function splitSlashes(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 47) {
      if (!inSlash) out.push(cur);
      cur = '';
      inSlash = true;
    } else {
      cur += s[i];
      inSlash = false;
    }
  }
  out.push(cur);
  return out;
}

export function compileGlob(rawPattern: string): (path: string) => boolean {
  const pattern = rawPattern[0] === '*' && rawPattern[1] === '/' ? rawPattern.slice(1) : rawPattern;
  if (pattern === '') return (s) => s === '';
  if (pattern[0] === '#' || pattern[0] === '!') throw new GlobUnsupported(`globMatch pattern "${rawPattern}" starts with ${pattern[0]}`);
  const segs = splitSlashes(pattern).map((s) => compileSegment(s, rawPattern));
  return (path: string): boolean => {
    const file = splitSlashes(path);
    const fl = file.length;
    const pl = segs.length;
    let i = 0;
    for (; i < fl && i < pl; i++) {
      const p = segs[i]!;
      const f = file[i]!;
      if (typeof p === 'string') {
        if (f !== p) return false;
        continue;
      }
      if (f === '' || f === '.' || f === '..') return false;
      if (f.charCodeAt(0) === 46 && !(p.parts[0]!.charCodeAt(0) === 46)) return false;
      if (!wildMatch(p.parts, f)) return false;
    }
    if (i === fl && i === pl) return true;
    if (i === fl) return false;
    return i === fl - 1 && file[i] === '';
  };
}
