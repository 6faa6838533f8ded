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

/**
 * A rule's regex, built on first use. The pattern is compiled once at load, so RE2's refusal still
 * fails the load, and that program is dropped: most CRS rules never run their own regex on benign
 * traffic (the RE2.Set prefilter rules them out), and a CRS program takes ~100 KB. Under traffic
 * that reaches a rule, its program is built once and kept.
 */
export function lazyRegex(source: string, flags = 's'): () => RE2 {
  new RE2(source, flags);
  let re: RE2 | undefined;
  return () => (re ??= new RE2(source, flags));
}

export function pcreSpaceToRe2(src: string): string {
  // Pieces joined once at the end: `out += c` per character made a tree of thousands of cons
  // strings per CRS pattern, and the prefilter keeps its patterns for compiling on first scan
  // (8 MB of heap for CRS PL1, which also let V8 grow the old generation further between GCs)
  const out: string[] = [];
  let from = 0;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\' && i + 1 < src.length) {
      const n = src[i + 1]!;
      if (n === 's' || (n === 'S' && !inClass)) {
        out.push(src.slice(from, i), n === 's' ? (inClass ? '\\s\\x0b' : '[\\s\\x0b]') : '[^\\s\\x0b]');
        from = i + 2;
      }
      i++;
      continue;
    }
    if (!inClass && c === '[') {
      inClass = true;
      // A leading `^` and a leading `]` are part of the class syntax, not its end.
      if (src[i + 1] === '^') i++;
      if (src[i + 1] === ']') i++;
      continue;
    }
    if (inClass && c === '[' && src[i + 1] === ':') {
      const end = src.indexOf(':]', i + 2);
      if (end > 0) { i = end + 1; continue; }
    }
    if (inClass && c === ']') inClass = false;
  }
  if (from === 0) return src;
  out.push(src.slice(from));
  return out.join('');
}

/**
 * The subject as node-re2 sees it: a string argument is encoded to UTF-8 into a new native Buffer
 * on every call (and a regex keeps it alive through weak handles), which costs 3-4 times a
 * `Buffer.from` from the pool. Passing the same UTF-8 bytes ourselves gives the same answer: both
 * encode with V8's UTF-8 writer. Only for calls whose result is a boolean or a Set index list;
 * `exec` on a Buffer would report byte offsets and Buffer captures.
 */
export function re2Subject(s: string): Buffer {
  if (s.length < SCRATCH_FROM) return Buffer.from(s, 'utf8');
  // Long subjects (joined values for the Sets) would each get a fresh allocation outside the pool:
  // write them into one reused buffer instead. The view is used before any other call here.
  if (scratch.length < s.length * 3) scratch = Buffer.allocUnsafe(Math.max(s.length * 3, scratch.length * 2));
  return scratch.subarray(0, scratch.write(s, 0, 'utf8'));
}

/** Buffer.from takes short strings from its shared pool; longer ones use the scratch buffer. */
const SCRATCH_FROM = 2048;
let scratch = Buffer.allocUnsafe(64 * 1024);

export type { RE2 };
