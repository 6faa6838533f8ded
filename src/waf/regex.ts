import RE2 from 're2';

/**
 * The only place WAF patterns become regexes. RE2 only (linear time). ModSecurity compiles with
 * PCRE_DOTALL | PCRE_DOLLAR_ENDONLY: `.` matches newlines and `$` only the end, which is RE2's `s`
 * flag without `m`. PCRE's `\s` also matches \x0b (vertical tab) and RE2's does not, so `\s`/`\S`
 * are rewritten to include it.
 */
export function compileRegex(pattern: string): RE2 {
  return new RE2(pcreSpaceToRe2(pattern), 's');
}

export function pcreSpaceToRe2(src: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\' && i + 1 < src.length) {
      const n = src[i + 1]!;
      i++;
      if (n === 's') out += inClass ? '\\s\\x0b' : '[\\s\\x0b]';
      else if (n === 'S' && !inClass) out += '[^\\s\\x0b]';
      else out += c + n;
      continue;
    }
    if (!inClass && c === '[') {
      inClass = true;
      out += c;
      // A leading `^` and a leading `]` are part of the class syntax, not its end.
      if (src[i + 1] === '^') { out += '^'; i++; }
      if (src[i + 1] === ']') { out += ']'; i++; }
      continue;
    }
    if (inClass && c === '[' && src[i + 1] === ':') {
      const end = src.indexOf(':]', i + 2);
      if (end > 0) { out += src.slice(i, end + 2); i = end + 1; continue; }
    }
    if (inClass && c === ']') inClass = false;
    out += c;
  }
  return out;
}

export type { RE2 };
