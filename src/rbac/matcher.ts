/**
 * Parses a casbin matcher (as stored by casbin's model: `r.sub` already written `r_sub`) into a small
 * boolean expression tree. Only the family the compiled evaluator reproduces exactly is accepted:
 * `&&`, `||`, `!`, parentheses, `==`/`!=` between request fields, policy fields and string literals,
 * and calls of role functions (`g`, `g2`, ...) and the supported matching functions. Anything else
 * is reported as unsupported (the caller falls back to casbin's enforcer) or, for names casbin does
 * not know either, as an error.
 */

export type Operand = { k: 'r'; i: number } | { k: 'p'; i: number } | { k: 'lit'; v: string };

export type Expr =
  | { k: 'and'; a: Expr; b: Expr }
  | { k: 'or'; a: Expr; b: Expr }
  | { k: 'not'; a: Expr }
  | { k: 'eq'; a: Operand; b: Operand; neg: boolean }
  | { k: 'call'; fn: string; args: Operand[] };

/** Matching functions the compiled evaluator implements with casbin's exact semantics. */
export const SUPPORTED_FUNCTIONS = new Set(['keyMatch', 'keyMatch2', 'keyMatch3', 'keyMatch4', 'keyMatch5', 'regexMatch', 'globMatch']);
/** Functions casbin has that we leave to casbin's own enforcer. */
const CASBIN_ONLY_FUNCTIONS = new Set(['keyGet', 'keyGet2', 'keyGet3', 'ipMatch', 'eval']);

export class UnsupportedMatcher extends Error {}
export class InvalidMatcher extends Error {}

type Tok = { t: 'id'; v: string } | { t: 'str'; v: string } | { t: 'op'; v: string };

function isIdStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
}
function isIdPart(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57);
}

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < s.length && isIdPart(s.charCodeAt(j))) j++;
      out.push({ t: 'id', v: s.slice(i, j) });
      i = j;
      continue;
    }
    if (c === 34 || c === 39) {
      let j = i + 1;
      let v = '';
      for (;;) {
        if (j >= s.length) throw new InvalidMatcher('unterminated string literal');
        const d = s.charCodeAt(j);
        if (d === c) break;
        if (d === 92) {
          const e = s[j + 1];
          if (e === '\\' || e === '"' || e === "'") {
            v += e;
            j += 2;
            continue;
          }
          throw new UnsupportedMatcher('escape sequence in a string literal');
        }
        v += s[j];
        j++;
      }
      out.push({ t: 'str', v });
      i = j + 1;
      continue;
    }
    const two = s.slice(i, i + 2);
    if (two === '&&' || two === '||' || two === '==' || two === '!=') {
      if (s[i + 2] === '=') throw new UnsupportedMatcher(`operator ${two}=`);
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    const one = s[i]!;
    if (one === '(' || one === ')' || one === ',' || one === '!') {
      out.push({ t: 'op', v: one });
      i++;
      continue;
    }
    throw new UnsupportedMatcher(`operator or character "${one}"`);
  }
  return out;
}

export interface MatcherNames {
  /** Request field names (without `r_`), in request order. */
  rtokens: readonly string[];
  ptokens: readonly string[];
  /** Role definitions with two fields (`g`, `g2`, ...). */
  roleFunctions: ReadonlySet<string>;
}

export function parseMatcher(src: string, names: MatcherNames): Expr {
  const toks = tokenize(src);
  let pos = 0;
  const peek = (): Tok | undefined => toks[pos];
  const isOp = (v: string): boolean => {
    const t = toks[pos];
    return t !== undefined && t.t === 'op' && t.v === v;
  };
  const expectOp = (v: string): void => {
    if (!isOp(v)) throw new InvalidMatcher(`expected "${v}"`);
    pos++;
  };

  function operand(): Operand {
    const t = peek();
    if (!t) throw new InvalidMatcher('unexpected end of matcher');
    if (t.t === 'str') {
      pos++;
      return { k: 'lit', v: t.v };
    }
    if (t.t === 'id') {
      const next = toks[pos + 1];
      if (next && next.t === 'op' && next.v === '(') throw new UnsupportedMatcher(`function result "${t.v}(...)" used as a value`);
      pos++;
      if (t.v.startsWith('r_')) {
        const i = names.rtokens.indexOf(t.v.slice(2));
        if (i < 0) throw new InvalidMatcher(`unknown request field r.${t.v.slice(2)}`);
        return { k: 'r', i };
      }
      if (t.v.startsWith('p_')) {
        const i = names.ptokens.indexOf(t.v.slice(2));
        if (i < 0) throw new InvalidMatcher(`unknown policy field p.${t.v.slice(2)}`);
        return { k: 'p', i };
      }
      if (/^[rp][0-9]+_/.test(t.v)) throw new UnsupportedMatcher(`multiple request/policy definitions (${t.v})`);
      if (t.v === 'true' || t.v === 'false') throw new UnsupportedMatcher('boolean literal');
      throw new InvalidMatcher(`unknown name "${t.v}"`);
    }
    throw new InvalidMatcher(`unexpected "${t.v}"`);
  }

  function primary(): Expr {
    if (isOp('!')) {
      pos++;
      // JS binds `!` tighter than `==`: `!r.a == p.b` compares a boolean; keep that to casbin.
      const t = peek();
      const callNext = t?.t === 'id' && toks[pos + 1]?.t === 'op' && (toks[pos + 1] as { v: string }).v === '(';
      if (!isOp('(') && !isOp('!') && !callNext) throw new UnsupportedMatcher('"!" applied to a value');
      return { k: 'not', a: primary() };
    }
    if (isOp('(')) {
      pos++;
      const e = orExpr();
      expectOp(')');
      return e;
    }
    const t = peek();
    if (t && t.t === 'id') {
      const next = toks[pos + 1];
      if (next && next.t === 'op' && next.v === '(') {
        const fn = t.v;
        if (!names.roleFunctions.has(fn) && !SUPPORTED_FUNCTIONS.has(fn)) {
          if (CASBIN_ONLY_FUNCTIONS.has(fn) || /^g[0-9]*$/.test(fn)) throw new UnsupportedMatcher(`function ${fn}()`);
          throw new InvalidMatcher(`unknown function ${fn}()`);
        }
        pos += 2;
        const args: Operand[] = [];
        if (!isOp(')')) {
          for (;;) {
            args.push(operand());
            if (isOp(',')) {
              pos++;
              continue;
            }
            break;
          }
        }
        expectOp(')');
        if (args.length !== 2) {
          if (names.roleFunctions.has(fn)) throw new UnsupportedMatcher(`${fn}() with ${args.length} arguments`);
          throw new InvalidMatcher(`${fn}() takes 2 arguments, got ${args.length}`);
        }
        return { k: 'call', fn, args };
      }
    }
    const a = operand();
    if (isOp('==') || isOp('!=')) {
      const neg = (toks[pos] as { v: string }).v === '!=';
      pos++;
      const b = operand();
      return { k: 'eq', a, b, neg };
    }
    throw new UnsupportedMatcher('a value used as a condition');
  }

  function andExpr(): Expr {
    let e = primary();
    while (isOp('&&')) {
      pos++;
      e = { k: 'and', a: e, b: primary() };
    }
    return e;
  }

  function orExpr(): Expr {
    let e = andExpr();
    while (isOp('||')) {
      pos++;
      e = { k: 'or', a: e, b: andExpr() };
    }
    return e;
  }

  const e = orExpr();
  if (pos !== toks.length) throw new InvalidMatcher(`unexpected "${(toks[pos] as { v: string }).v}"`);
  return e;
}

/** The top-level conjuncts of an expression. */
export function conjuncts(e: Expr): Expr[] {
  return e.k === 'and' ? [...conjuncts(e.a), ...conjuncts(e.b)] : [e];
}

/** Whether the expression reads a policy field. */
export function readsPolicy(e: Expr): boolean {
  switch (e.k) {
    case 'and':
    case 'or':
      return readsPolicy(e.a) || readsPolicy(e.b);
    case 'not':
      return readsPolicy(e.a);
    case 'eq':
      return e.a.k === 'p' || e.b.k === 'p';
    case 'call':
      return e.args.some((x) => x.k === 'p');
  }
}
