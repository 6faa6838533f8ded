// Token classes of the SQL tokenizer. Each class is one character so a folded token sequence reads
// as a short string (the fingerprint), e.g. `s&1` = string, logic operator, number.
export const T = {
  KEYWORD: 'k',
  UNION: 'U', // union, union all, except, intersect
  STATEMENT: 'E', // select, insert, drop ... (starts a new statement or sub-select)
  TSQL: 'T', // waitfor delay, shutdown: statements that only make sense injected
  GROUP: 'B', // group by, order by, having, limit
  COLLATE: 'A',
  FUNCTION: 'f', // a known SQL function name directly followed by `(`
  TYPE: 't',
  BAREWORD: 'n',
  NUMBER: '1',
  VARIABLE: 'v',
  STRING: 's',
  OPERATOR: 'o',
  LOGIC: '&', // and, or, xor, &&, ||
  COMMENT: 'c',
  LPAREN: '(',
  RPAREN: ')',
  COMMA: ',',
  SEMICOLON: ';',
  COLON: ':',
  LBRACE: '{',
  RBRACE: '}',
  BACKSLASH: '\\',
  EVIL: 'X', // constructs with no benign reading: nested or version-conditional comments
  UNKNOWN: '?',
} as const;

export type TokenType = (typeof T)[keyof typeof T];

export interface Token {
  type: TokenType;
  /** Lowercased text for words and operators; for strings, the content without quotes (capped). */
  val: string;
  /** Opening quote char of a string/quoted identifier ('' when none or implicit). */
  open: string;
  /** Whether a string was closed by its quote (false: it runs to the end of the input). */
  closed: boolean;
  /** Offset of the token in the input. */
  pos: number;
  /** Offset just past the token. */
  end: number;
  /** Set by folding when this value absorbed `op value` (a comparison or arithmetic). */
  folded: boolean;
}

/** Every token is built here so all have one object shape (keeps property access monomorphic). */
export function token(type: TokenType, val: string, open: string, closed: boolean, pos: number, end: number): Token {
  return { type, val, open, closed, pos, end, folded: false };
}

/** Longest token text kept in `val`; the rest is scanned but not copied. */
export const MAX_VAL = 32;
