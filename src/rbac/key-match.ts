import RE2 from 're2';
import { compileGlob } from './glob-match.js';

/**
 * casbin's path-matching functions, with casbin's exact answers, compiled once per pattern.
 *
 * casbin turns keyMatch2/3/4/5 patterns into a JavaScript RegExp on every call. We apply the very
 * same textual rewrite (written here as plain string code), then run the result either as a small
 * deterministic matcher (the common shapes: literals, `:id`/`{id}` segments, a trailing `/*`) or on
 * RE2. Two casbin traps are refused at load instead of reproduced: a pattern whose rewrite never
 * terminates (e.g. `/a/:` loops forever in casbin) and a keyMatch4 pattern whose groups do not line
 * up with its `{tokens}` (casbin throws on every request).
 */
export type PathMatcher = (subject: string) => boolean;

export class PatternError extends Error {}

export const MATCH_FUNCTIONS = ['keyMatch', 'keyMatch2', 'keyMatch3', 'keyMatch4', 'keyMatch5', 'regexMatch', 'globMatch'] as const;
export type MatchFunction = (typeof MATCH_FUNCTIONS)[number];

const SEG = '[^/]+';

function replaceSlashStar(k: string): string {
  return k.split('/*').join('/.*');
}

/** One step of casbin's `key2.replace(/(.*):[^/]+(.*)/g, '$1[^/]+$2')`. */
function replaceLastColonParam(k: string): string {
  for (let i = k.length - 2; i >= 0; i--) {
    if (k.charCodeAt(i) !== 58 || k.charCodeAt(i + 1) === 47) continue;
    let j = i + 1;
    while (j < k.length && k.charCodeAt(j) !== 47) j++;
    return k.slice(0, i) + SEG + k.slice(j);
  }
  return k;
}

/** One step of casbin's `key2.replace(/(.*){[^/]+}(.*)/g, '$1' + repl + '$2')`. */
function replaceLastBraceParam(k: string, repl: string): string {
  for (let i = k.length - 1; i >= 0; i--) {
    if (k.charCodeAt(i) !== 123) continue;
    let e = i + 1;
    while (e < k.length && k.charCodeAt(e) !== 47) e++;
    for (let m = e - 1; m >= i + 2; m--) {
      if (k.charCodeAt(m) === 125) return k.slice(0, i) + repl + k.slice(m + 1);
    }
  }
  return k;
}

export function keyMatch2Source(pattern: string): string {
  let k = replaceSlashStar(pattern);
  while (k.includes('/:')) {
    const next = replaceLastColonParam(k);
    if (next === k) throw new PatternError(`keyMatch2 pattern "${pattern}" has a "/:" with no parameter name (casbin loops forever on it)`);
    k = next;
  }
  if (k === '*') k = '(.*)';
  return '^' + k + '$';
}

export function keyMatch3Source(pattern: string, repl = SEG, fn = 'keyMatch3'): { source: string; replaced: number } {
  let k = replaceSlashStar(pattern);
  let replaced = 0;
  while (k.includes('/{')) {
    const next = replaceLastBraceParam(k, repl);
    if (next === k) throw new PatternError(`${fn} pattern "${pattern}" has a "/{" with no closing "}" in its segment (casbin loops forever on it)`);
    k = next;
    replaced++;
  }
  return { source: '^' + k + '$', replaced };
}

type Part = { k: 'lit'; v: string } | { k: 'seg' } | { k: 'any' };
const META = '\\^$.|?*+()[]{}';

/**
 * Splits an anchored source into literal runs, `[^/]+` and a final `.*` when that is all it holds and
 * every `[^/]+` ends at a `/` or at the end (so each one takes exactly one segment: no backtracking).
 */
function plainParts(source: string): Part[] | null {
  let body = source.slice(1, -1);
  const parts: Part[] = [];
  let lit = '';
  while (body.length > 0) {
    if (body.startsWith(SEG)) {
      if (lit) parts.push({ k: 'lit', v: lit });
      lit = '';
      parts.push({ k: 'seg' });
      body = body.slice(SEG.length);
      if (body.length > 0 && body[0] !== '/') return null;
      continue;
    }
    if (body === '.*' || body === '(.*)') {
      if (lit) parts.push({ k: 'lit', v: lit });
      lit = '';
      parts.push({ k: 'any' });
      body = '';
      continue;
    }
    if (META.includes(body[0]!)) return null;
    lit += body[0];
    body = body.slice(1);
  }
  if (lit) parts.push({ k: 'lit', v: lit });
  return parts;
}

function isLineTerminator(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

function plainMatcher(parts: Part[]): PathMatcher {
  const n = parts.length;
  return (s: string): boolean => {
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const p = parts[i]!;
      if (p.k === 'lit') {
        if (!s.startsWith(p.v, pos)) return false;
        pos += p.v.length;
      } else if (p.k === 'seg') {
        let e = pos;
        while (e < s.length && s.charCodeAt(e) !== 47) e++;
        if (e === pos) return false;
        pos = e;
      } else {
        // JS `.` stops at line terminators; a normalized path has none, but stay exact.
        for (let j = pos; j < s.length; j++) if (isLineTerminator(s.charCodeAt(j))) return false;
        return true;
      }
    }
    return pos === s.length;
  };
}

function re2(source: string, fn: string, pattern: string): RE2 {
  try {
    return new RE2(source);
  } catch (err) {
    throw new PatternError(`${fn} pattern "${pattern}" is not a valid RE2 expression: ${(err as Error).message}`);
  }
}

function anchoredMatcher(source: string, fn: string, pattern: string): PathMatcher {
  const parts = plainParts(source);
  if (parts) return plainMatcher(parts);
  const re = re2(source, fn, pattern);
  return (s) => re.test(s);
}

function keyMatch4(pattern: string): PathMatcher {
  const k = replaceSlashStar(pattern);
  const tokens: string[] = [];
  let j = -1;
  for (let i = 0; i < k.length; i++) {
    const c = k[i];
    if (c === '{') j = i;
    else if (c === '}') tokens.push(k.substring(j, i + 1));
  }
  if (pattern.includes('(')) throw new PatternError(`keyMatch4 pattern "${pattern}" has a group "(": casbin fails on every request when groups and {tokens} do not line up`);
  const { source, replaced } = keyMatch3Source(pattern, '([^/]+)', 'keyMatch4');
  if (replaced !== tokens.length) throw new PatternError(`keyMatch4 pattern "${pattern}": every {token} must follow a "/" (casbin fails on every request otherwise)`);
  const re = re2(source, 'keyMatch4', pattern);
  const repeated = new Set(tokens).size !== tokens.length;
  if (!repeated) return (s) => re.test(s);
  // casbin: when any token repeats, every captured value must equal the first.
  return (s) => {
    const m = re.exec(s);
    if (!m) return false;
    for (let i = 2; i < m.length; i++) if (m[i] !== m[1]) return false;
    return true;
  };
}

function compile(fn: MatchFunction, pattern: string): PathMatcher {
  for (let i = 0; i < pattern.length; i++) {
    if (isLineTerminator(pattern.charCodeAt(i))) throw new PatternError(`${fn} pattern has a line terminator`);
  }
  switch (fn) {
    case 'keyMatch': {
      const star = pattern.indexOf('*');
      if (star < 0) return (s) => s === pattern;
      const prefix = pattern.slice(0, star);
      return (s) => s.startsWith(prefix);
    }
    case 'keyMatch2':
      return anchoredMatcher(keyMatch2Source(pattern), fn, pattern);
    case 'keyMatch3':
      return anchoredMatcher(keyMatch3Source(pattern).source, fn, pattern);
    case 'keyMatch5': {
      const inner = anchoredMatcher(keyMatch3Source(pattern, SEG, 'keyMatch5').source, fn, pattern);
      return (s) => {
        const q = s.indexOf('?');
        return inner(q < 0 ? s : s.slice(0, q));
      };
    }
    case 'keyMatch4':
      return keyMatch4(pattern);
    case 'regexMatch': {
      const re = re2(pattern, fn, pattern);
      return (s) => re.test(s);
    }
    case 'globMatch':
      return compileGlob(pattern);
  }
}

/** Compiles patterns once; policies that repeat a pattern share its matcher. */
export class MatcherCache {
  private readonly cache = new Map<string, PathMatcher>();
  get(fn: MatchFunction, pattern: string): PathMatcher {
    const key = fn + '\u0000' + pattern;
    let m = this.cache.get(key);
    if (!m) {
      m = compile(fn, pattern);
      this.cache.set(key, m);
    }
    return m;
  }
}

export function isMatchFunction(fn: string): fn is MatchFunction {
  return (MATCH_FUNCTIONS as readonly string[]).includes(fn);
}
