import { MAX_VAL, T, token, type Token, type TokenType } from './sqli-token.js';
import { classifyWord, isUnaryWord } from './sqli-words.js';

// A single-pass SQL tokenizer over a JS string whose chars are bytes (0x80-0xFF are opaque and read
// as word characters, as MySQL does with identifiers). Each call to next() consumes at least one
// char, so the total work is linear in the input; callers bound how many tokens they ask for.

const SPACE = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0xa0, 0x00]) SPACE[c] = 1;

const WORD = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24 || c >= 0x80) {
    WORD[c] = 1;
  }
}
WORD[0xa0] = 0;

function code(s: string, i: number): number {
  const c = s.charCodeAt(i);
  // Chars above 0xFF (a caller passed real Unicode) read like high bytes: word characters.
  return c > 0xff ? 0x80 : c;
}

// Char-code loops rather than String#indexOf with an offset, which V8 has been seen to run in time
// proportional to the whole string in some optimization states (see html-tokenizer.ts).
function findChar(s: string, c: number, from: number): number {
  for (let i = from; i < s.length; i++) if (s.charCodeAt(i) === c) return i;
  return -1;
}

function findPair(s: string, a: number, b: number, from: number, limit: number): number {
  for (let i = from; i + 1 < limit; i++) if (s.charCodeAt(i) === a && s.charCodeAt(i + 1) === b) return i;
  return -1;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

export interface TokenizerOptions {
  /** Treat the input as if it followed an opening quote of this char (`'` or `"`), or '' for none. */
  quote: '' | "'" | '"';
}

export class SqlTokenizer {
  private pos = 0;
  private first = true;

  constructor(
    private readonly s: string,
    private readonly opts: TokenizerOptions = { quote: '' },
  ) {}

  /** Next token, or null at the end of the input. */
  next(): Token | null {
    const s = this.s;
    if (this.first) {
      this.first = false;
      if (this.opts.quote !== '') return this.string(0, this.opts.quote, '');
    }
    while (this.pos < s.length && SPACE[code(s, this.pos)]) this.pos++;
    if (this.pos >= s.length) return null;
    const start = this.pos;
    const c = code(s, start);
    const c1 = start + 1 < s.length ? code(s, start + 1) : -1;

    switch (c) {
      case 0x27: // '
      case 0x22: // "
        this.pos++;
        return this.string(this.pos, String.fromCharCode(c), String.fromCharCode(c));
      case 0x60: // ` quoted identifier
        return this.quotedName(start, '`');
      case 0x5b: // [ SQL Server quoted identifier
        return this.quotedName(start, ']');
      case 0x28: return this.simple(T.LPAREN, start, 1);
      case 0x29: return this.simple(T.RPAREN, start, 1);
      case 0x2c: return this.simple(T.COMMA, start, 1);
      case 0x3b: return this.simple(T.SEMICOLON, start, 1);
      case 0x7b: return this.simple(T.LBRACE, start, 1);
      case 0x7d: return this.simple(T.RBRACE, start, 1);
      case 0x5c: return this.simple(T.BACKSLASH, start, 1);
      case 0x23: // # MySQL line comment
        return this.lineComment(start);
      case 0x2d: // -
        if (c1 === 0x2d) return this.lineComment(start);
        return this.operator(start);
      case 0x2f: // /
        if (c1 === 0x2a) return this.blockComment(start);
        return this.operator(start);
      case 0x40: // @ or @@ variable
        return this.variable(start);
      case 0x2e: // . starts a number (.5) or is a name separator
        if (isDigit(c1)) return this.number(start);
        return this.simple(T.OPERATOR, start, 1);
      case 0x3a: // :  (:= and :: are operators)
        if (c1 === 0x3d || c1 === 0x3a) return this.simple(T.OPERATOR, start, 2);
        return this.simple(T.COLON, start, 1);
      default:
        break;
    }
    if (isDigit(c)) return this.number(start);
    if (WORD[c]) {
      // N'..', X'..', B'..', E'..' string literals with a type prefix.
      if (c1 === 0x27 && 'nNxXbBeE'.includes(s[start]!)) {
        this.pos = start + 2;
        return this.string(this.pos, "'", "'");
      }
      return this.word(start);
    }
    if ('=<>!+*%^|&~?'.includes(s[start]!)) return this.operator(start);
    return this.simple(T.UNKNOWN, start, 1);
  }

  private simple(type: TokenType, start: number, len: number): Token {
    this.pos = start + len;
    return token(type, this.s.slice(start, start + len), '', true, start, start + len);
  }

  /** A string whose content starts at `from`; `open` is the quote that opened it ('' if implicit). */
  private string(from: number, quote: string, open: string): Token {
    const s = this.s;
    const q = quote.charCodeAt(0);
    let i = from;
    let closed = false;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x5c) {
        i += 2; // backslash escapes the next char (MySQL)
        continue;
      }
      if (c === q) {
        if (i + 1 < s.length && s.charCodeAt(i + 1) === q) {
          i += 2; // doubled quote is an escaped quote
          continue;
        }
        closed = true;
        break;
      }
      i++;
    }
    const end = Math.min(i, s.length);
    this.pos = closed ? end + 1 : s.length;
    return token(T.STRING, s.slice(from, Math.min(end, from + MAX_VAL)), open, closed, from, this.pos);
  }

  private quotedName(start: number, close: string): Token {
    const end = findChar(this.s, close.charCodeAt(0), start + 1);
    const stop = end === -1 ? this.s.length : end;
    this.pos = end === -1 ? this.s.length : end + 1;
    const val = this.s.slice(start + 1, Math.min(stop, start + 1 + MAX_VAL)).toLowerCase();
    return token(T.BAREWORD, val, this.s[start]!, end !== -1, start, this.pos);
  }

  private lineComment(start: number): Token {
    let i = start;
    const s = this.s;
    while (i < s.length && s.charCodeAt(i) !== 0x0a && s.charCodeAt(i) !== 0x0d) i++;
    this.pos = i;
    return token(T.COMMENT, s.slice(start, Math.min(i, start + MAX_VAL)), '', true, start, i);
  }

  private blockComment(start: number): Token {
    const s = this.s;
    const close = findPair(s, 0x2a, 0x2f, start + 2, s.length);
    const end = close === -1 ? s.length : close + 2;
    this.pos = end;
    // MySQL runs the body of /*! ... */ as SQL, and a second /* inside a comment is read differently
    // by different engines: neither has a benign use in a request value.
    // A nested opener counts only in a closed comment: `find/*.c locate/*.c` is a glob in prose.
    let evil = start + 2 < s.length && s.charCodeAt(start + 2) === 0x21 && this.runsAsSql(start + 3, end);
    if (!evil && close !== -1) {
      evil = findPair(s, 0x2f, 0x2a, start + 2, end) !== -1;
    }
    return token(evil ? T.EVIL : T.COMMENT, s.slice(start, Math.min(end, start + MAX_VAL)), '', close !== -1, start, end);
  }

  // Whether the body of a MySQL `/*!` comment is its executable form: a five-digit version, or SQL
  // right away (`/*!union select 1` + close). CSS and JS banners (`/*! jQuery v3 | MIT` + close)
  // start with a name instead.
  private runsAsSql(from: number, end: number): boolean {
    const s = this.s;
    let j = from;
    while (j < end && isDigit(s.charCodeAt(j))) j++;
    if (j - from >= 5) return true;
    while (j < end && SPACE[code(s, j)]) j++;
    let k = j;
    while (k < end && WORD[code(s, k)]) k++;
    if (k === j) return false;
    return classifyWord(s.slice(j, Math.min(k, j + MAX_VAL)).toLowerCase(), true) !== T.BAREWORD;
  }

  private variable(start: number): Token {
    const s = this.s;
    let i = start + 1;
    if (i < s.length && s.charCodeAt(i) === 0x40) i++;
    if (i < s.length && (s.charCodeAt(i) === 0x27 || s.charCodeAt(i) === 0x22 || s.charCodeAt(i) === 0x60)) {
      // @'quoted name'
      const end = findChar(s, s.charCodeAt(i), i + 1);
      i = end === -1 ? s.length : end + 1;
    } else {
      while (i < s.length && (WORD[code(s, i)] || s.charCodeAt(i) === 0x2e)) i++;
    }
    this.pos = i;
    return token(T.VARIABLE, s.slice(start, Math.min(i, start + MAX_VAL)).toLowerCase(), '', true, start, i);
  }

  private number(start: number): Token {
    const s = this.s;
    let i = start;
    const c1 = start + 1 < s.length ? s.charCodeAt(start + 1) | 0x20 : -1;
    if (s.charCodeAt(start) === 0x30 && c1 === 0x78) {
      i = start + 2;
      while (i < s.length && isHex(s.charCodeAt(i))) i++;
    } else if (s.charCodeAt(start) === 0x30 && c1 === 0x62) {
      i = start + 2;
      while (i < s.length && (s.charCodeAt(i) === 0x30 || s.charCodeAt(i) === 0x31)) i++;
    } else {
      while (i < s.length && isDigit(s.charCodeAt(i))) i++;
      if (i < s.length && s.charCodeAt(i) === 0x2e) {
        i++;
        while (i < s.length && isDigit(s.charCodeAt(i))) i++;
      }
      if (i < s.length && (s.charCodeAt(i) | 0x20) === 0x65) {
        let j = i + 1;
        if (j < s.length && (s.charCodeAt(j) === 0x2b || s.charCodeAt(j) === 0x2d)) j++;
        if (j < s.length && isDigit(s.charCodeAt(j))) {
          i = j;
          while (i < s.length && isDigit(s.charCodeAt(i))) i++;
        }
      }
    }
    this.pos = i;
    return token(T.NUMBER, s.slice(start, Math.min(i, start + MAX_VAL)), '', true, start, i);
  }

  private word(start: number): Token {
    const s = this.s;
    let i = start;
    for (;;) {
      while (i < s.length && WORD[code(s, i)]) i++;
      // a.b stays one name (schema.table, dbms_lock.sleep)
      if (i + 1 < s.length && s.charCodeAt(i) === 0x2e && WORD[code(s, i + 1)]) {
        i++;
        continue;
      }
      break;
    }
    this.pos = i;
    let j = i;
    while (j < s.length && SPACE[code(s, j)]) j++;
    const callFollows = j < s.length && s.charCodeAt(j) === 0x28;
    const val = s.slice(start, Math.min(i, start + MAX_VAL)).toLowerCase();
    const type = i - start > MAX_VAL ? T.BAREWORD : classifyWord(val, callFollows);
    return token(type, val, '', true, start, i);
  }

  private operator(start: number): Token {
    const s = this.s;
    const two = s.slice(start, start + 2);
    if (s.slice(start, start + 3) === '<=>') return this.simple(T.OPERATOR, start, 3);
    if (two === '&&' || two === '||') {
      const t = this.simple(T.LOGIC, start, 2);
      return t;
    }
    if (['!=', '<>', '<=', '>=', '<<', '>>', '==', '!<', '!>', '->', '^='].includes(two)) {
      return this.simple(T.OPERATOR, start, 2);
    }
    return this.simple(T.OPERATOR, start, 1);
  }
}

/** Whether an operator token can be read as a unary (prefix) operator. */
export function isUnaryOperator(t: Token): boolean {
  if (t.type !== T.OPERATOR) return false;
  return t.val === '-' || t.val === '+' || t.val === '~' || t.val === '!' || isUnaryWord(t.val);
}
