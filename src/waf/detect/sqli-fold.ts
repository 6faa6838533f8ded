import { T, token, type Token, type TokenType } from './sqli-token.js';
import { SqlTokenizer, isUnaryOperator, type TokenizerOptions } from './sqli-tokenizer.js';
import { classifyPair } from './sqli-words.js';

// Folding turns the raw token stream into at most FINGERPRINT_LEN tokens that describe the shape of
// the input's start: comments between tokens vanish (they are whitespace to SQL), two-word keywords
// merge, adjacent string literals concatenate, unary operators drop, and `value op value` collapses
// to one value (so `1=1`, `'a'='a'` and `2010-01-01` all read as a single value). Only the start of
// the input matters: an injection has to make sense right where it enters the query.

export const FINGERPRINT_LEN = 5;
/** Raw tokens examined per context; bounds the work whatever the input. */
export const MAX_RAW_TOKENS = 100;

const VALUE = new Set<TokenType>([T.NUMBER, T.STRING, T.VARIABLE]);
/** Tokens after which an operator is a prefix (unary) operator. */
const UNARY_BEFORE = new Set<TokenType>([T.LPAREN, T.LOGIC, T.OPERATOR, T.COMMA, T.STATEMENT, T.KEYWORD, T.SEMICOLON]);
const OPERAND = new Set<TokenType>([T.NUMBER, T.STRING, T.VARIABLE, T.BAREWORD, T.FUNCTION, T.LPAREN]);

export interface Folded {
  fingerprint: string;
  tokens: Token[];
  /** The input ended inside or right after a trailing comment. */
  trailingComment: boolean;
}

export function fold(input: string, quote: TokenizerOptions['quote']): Folded {
  const tz = new SqlTokenizer(input, { quote });
  const out: Token[] = [];
  let lastWasComment = false;
  let lastComment: Token | null = null;
  let sawEnd = false;
  let n = 0;
  let comments = 0;
  for (; n < MAX_RAW_TOKENS; n++) {
    const t = tz.next();
    if (t === null) {
      sawEnd = true;
      break;
    }
    if (t.type === T.COMMENT) {
      comments++;
      lastWasComment = true;
      lastComment = t;
      continue;
    }
    lastWasComment = false;
    push(out, t);
    if (t.type === T.EVIL) break;
    // Folds only touch the last two tokens, so once seven are out the first five are final.
    if (out.length >= FINGERPRINT_LEN + 2) break;
  }
  // Out of budget with the window still not full because the start was padded with comments
  // (`/**/` x 100 then `or 1=1`): no benign value looks like that, and letting the attack sit past
  // the budget would hide it, so the reading is treated as evil.
  if (n === MAX_RAW_TOKENS && out.length < FINGERPRINT_LEN && comments * 2 >= MAX_RAW_TOKENS) {
    out.push(token(T.EVIL, '', '', true, 0, 0));
  }
  const tokens = out.slice(0, FINGERPRINT_LEN);
  const trailingComment = sawEnd && lastWasComment && lastComment !== null && endsStatement(input, lastComment, quote);
  if (trailingComment && tokens.length < FINGERPRINT_LEN) {
    tokens.push(token(T.COMMENT, '', '', true, input.length, input.length));
  }
  let fingerprint = '';
  for (const t of tokens) fingerprint += t.type;
  return { fingerprint, tokens, trailingComment };
}

function push(out: Token[], t: Token): void {
  const last = out[out.length - 1];
  // Two-word keywords: `union all`, `order by`, `waitfor delay`.
  if (last && isWordToken(last) && isWordToken(t)) {
    const merged = classifyPair(last.val, t.val);
    if (merged) {
      out[out.length - 1] = token(merged, `${last.val} ${t.val}`, '', true, last.pos, t.end);
      return;
    }
  }
  // 'a' 'b' is one string to SQL.
  if (last && last.type === T.STRING && t.type === T.STRING) return;
  if (OPERAND.has(t.type)) {
    // Drop prefix operators: -1, not 1, !x.
    while (out.length > 0) {
      const op = out[out.length - 1]!;
      if (!isUnaryOperator(op)) break;
      const before = out[out.length - 2];
      if (before && !UNARY_BEFORE.has(before.type)) break;
      out.pop();
    }
    // value op value -> value
    if (VALUE.has(t.type) && out.length >= 2) {
      const op = out[out.length - 1]!;
      const left = out[out.length - 2]!;
      if (op.type === T.OPERATOR && VALUE.has(left.type)) {
        out.pop();
        left.folded = true;
        return;
      }
    }
  }
  out.push(t);
}

function isWordToken(t: Token): boolean {
  if (t.open !== '' || t.type === T.STRING || t.type === T.VARIABLE || t.type === T.NUMBER) return false;
  const c = t.val.charCodeAt(0);
  return (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

/**
 * Whether a comment at the end of the input reads as cutting off the rest of the query. `--` needs
 * whitespace (or another `-`) after it in MySQL, and a comment holding the very quote the input was
 * read inside (`'--flag'`, `'#anchor'`) is text within a string literal, not a cut.
 */
function endsStatement(input: string, c: Token, quote: string): boolean {
  const v = c.val;
  if (v.startsWith('--') && v.length > 2) {
    const n = v.charCodeAt(2);
    if (!(n === 0x2d || n === 0x20 || n === 0x09 || n === 0x0b || n === 0x0c || n === 0xa0)) return false;
  }
  // `#` right before a word is a hashtag, an anchor or a preprocessor line (`"#ifdef`), not a cut.
  if (v.charCodeAt(0) === 0x23 && v.length > 1) {
    const n = v.charCodeAt(1) | 0x20;
    if ((n >= 0x61 && n <= 0x7a) || (n >= 0x30 && n <= 0x39) || n === 0x21 || n === 0x7b) return false;
  }
  if (v.charCodeAt(0) !== 0x2f && isProse(v)) return false;
  if (quote === '') return true;
  const q = quote.charCodeAt(0);
  for (let i = c.pos; i < c.end; i++) if (input.charCodeAt(i) === q) return false;
  return true;
}

/**
 * Whether a line comment reads as a sentence (`-- that is, the subject`): two or more words of
 * letters. Attack tails are empty, a dash, or one short random tag (`-- -`, `#`, `-- abcd`).
 */
function isProse(v: string): boolean {
  let words = 0;
  let inWord = false;
  for (let i = v.charCodeAt(0) === 0x23 ? 1 : 2; i < v.length; i++) {
    const c = v.charCodeAt(i) | 0x20;
    const letter = c >= 0x61 && c <= 0x7a;
    if (letter && !inWord) words++;
    inWord = letter;
  }
  return words >= 2;
}
