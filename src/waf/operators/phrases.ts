import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { OperatorFn } from '../types.js';
import { UserInputError } from '../../errors.js';
import type { OperatorCompileContext } from './types.js';
import { lazyRegex, re2Subject } from '../regex.js';
import { recall, remember, applyCaptures } from './regex-memo.js';

function escapeLiteral(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 0x80;
    out += alnum ? s[i] : c < 0x20 || c === 0x7f ? '\\x' + c.toString(16).padStart(2, '0') : '\\' + s[i];
  }
  return out;
}

/**
 * Case-insensitive "does any phrase occur" (the @pm family) as one RE2 alternation: linear in the
 * input whatever the number of phrases, and it gives the matched phrase for `capture`.
 */
export function phraseMatcher(phrases: string[]): OperatorFn {
  const uniq = [...new Set(phrases.filter((p) => p !== ''))];
  if (uniq.length === 0) return () => false;
  uniq.sort((a, b) => b.length - a.length);
  const source = '(?i)(?:' + uniq.map(escapeLiteral).join('|') + ')';
  const get = lazyRegex(source);
  const fn: OperatorFn = (tx, value, capture) => {
    const known = recall(fn, value);
    if (known !== undefined && (!capture || known !== true)) {
      if (typeof known === 'boolean') return known;
      if (capture) applyCaptures(tx, known);
      return true;
    }
    const re = get();
    if (!capture) {
      const r = re.test(re2Subject(value));
      remember(fn, value, r);
      return r;
    }
    const m = re.exec(value);
    if (!m) {
      remember(fn, value, false);
      return false;
    }
    const caps = [m[0]];
    remember(fn, value, caps);
    applyCaptures(tx, caps);
    return true;
  };
  fn.pattern = source;
  return fn;
}

/** Reads a phrase file: one phrase a line, `#` comments, blank lines ignored (read as bytes). */
export function readPhraseFile(file: string, ctx: OperatorCompileContext): string[] {
  const full = path.isAbsolute(file) ? file : path.resolve(ctx.dir, file);
  let text: string;
  try {
    text = readFileSync(full, 'latin1');
  } catch (err) {
    throw new UserInputError(ctx.where, `cannot read phrase file ${full}: ${(err as Error).message}`);
  }
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    out.push(line);
  }
  return out;
}
