import { flat } from './flat.js';
import { UserInputError } from '../../errors.js';

/** One directive as written: its name, its arguments (quotes removed), and where it starts. */
export interface RawDirective {
  name: string;
  args: string[];
  file: string;
  line: number;
}

/**
 * Splits a SecLang file into directives. A line ending in `\` continues on the next line (Apache
 * config rules); `#` starts a comment line. Arguments are split on whitespace; a double- or
 * single-quoted argument keeps its spaces and only `\` before the same quote is an escape — every
 * other backslash belongs to the regex or value and is kept.
 */
export function lexSecLang(text: string, file: string): RawDirective[] {
  const lines = text.split('\n');
  const out: RawDirective[] = [];
  for (let i = 0; i < lines.length; i++) {
    const startLine = i + 1;
    let logical = stripCr(lines[i]!);
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      i++;
      logical = logical.slice(0, -1) + stripCr(lines[i]!);
    }
    const trimmed = logical.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const tokens = tokenize(trimmed, file, startLine);
    out.push({ name: tokens[0]!, args: tokens.slice(1), file, line: startLine });
  }
  return out;
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

function tokenize(s: string, file: string, line: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') { i++; continue; }
    if (c === '"' || c === '\'') {
      let val = '';
      let j = i + 1;
      let closed = false;
      while (j < s.length) {
        const d = s[j]!;
        if (d === '\\' && s[j + 1] === c) { val += c; j += 2; continue; }
        if (d === c) { closed = true; j++; break; }
        val += d;
        j++;
      }
      if (!closed) throw new UserInputError({ file, line }, `unterminated ${c} quote in directive`);
      out.push(flat(val));
      i = j;
      continue;
    }
    let j = i;
    while (j < s.length && s[j] !== ' ' && s[j] !== '\t') j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}
