import type { Transaction } from './transaction.js';

/**
 * A string with `%{VAR}` / `%{COLLECTION.key}` references, split once at load time so expanding it
 * per request is a concatenation.
 */
export interface Macro {
  readonly text: string;
  /** Literal strings at even indexes, variable references (`[name, key]`) at odd ones. */
  readonly parts: readonly (string | readonly [string, string | undefined])[];
  readonly constant: boolean;
}

export function compileMacro(text: string): Macro {
  const parts: (string | readonly [string, string | undefined])[] = [];
  let i = 0;
  let lit = '';
  while (i < text.length) {
    const start = text.indexOf('%{', i);
    if (start < 0) break;
    const end = text.indexOf('}', start + 2);
    if (end < 0) break;
    lit += text.slice(i, start);
    parts.push(lit);
    lit = '';
    const ref = text.slice(start + 2, end);
    const dot = ref.search(/[.:]/);
    parts.push(dot < 0 ? [ref.toUpperCase(), undefined] : [ref.slice(0, dot).toUpperCase(), ref.slice(dot + 1).toLowerCase()]);
    i = end + 1;
  }
  lit += text.slice(i);
  parts.push(lit);
  return { text, parts, constant: parts.length === 1 };
}

export function expandMacro(m: Macro, tx: Transaction): string {
  if (m.constant) return m.text;
  let out = '';
  for (let i = 0; i < m.parts.length; i++) {
    const p = m.parts[i]!;
    if (typeof p === 'string') out += p;
    else out += tx.macroValue(p[0], p[1]);
  }
  return out;
}
