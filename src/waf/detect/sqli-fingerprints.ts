import { T, type Token } from './sqli-token.js';

// Our knowledge set: fingerprint shapes that only an injection produces. Written as patterns over
// token classes and expanded into exact and prefix sets once at load:
//   `[abc]` is one of the classes a, b, c; `?` is any class; a trailing `*` means "starts with".
// Each line names the attack family it covers. Tuned against our own attack and benign lists
// (test/unit/waf-detect) and the CRS regression tests of rules 942100/942101.

const PATTERNS: readonly string[] = [
  // Boolean break-out after a closed string or number: ' or 1=1, ' and 'a'='a, 1 or 1=1
  's&[1v(fE]*', 's&s', 's&s[o&;c)UB]*', 's&sk(*', 's&n[o(&;]*', 's&o[1sv(f]*',
  '1&[1v(fE]', '1&1[c;&)UBEkof(]*', '1&[v(fE]*', '1&s[&o;c]*',
  'n&1', 'n&1[c;]', '1&no[1svn]*',
  // A value that starts with and/or continues the application's condition: or 1=1, and sleep(5)
  '&1*', '&s*', '&f(*', '&(E*',
  'n&f(*', 'v&1*', 'v&f(*', 'v&(E*',
  // Arithmetic or concatenation with a call right after the break-out: '+sleep(5)+', ' sleep(5) '
  'sf(*', 'sof(*', '1of(*', 'so(E*', '1o(E*', 'no(E*', 'vo(E*', 'so(f*', 's(E*', 'so[1s]&*', 'sovf',
  // UNION based: anything with union followed by select, in any of the five positions
  'UE*', 'U(E*', '?UE*', '?U(E*', '??UE*', '??U(E*', '???UE', '???U(',
  // Stacked queries and statement starts: '; drop table, 1; exec, ); select
  's;[ETf]*', '1;[ETf]*', 's;kv*', '1;kv*', ');[ET]*', 'n);[ET]*', 's);[ET]*', ';[ET]*', '1);[ET]*',
  // Sub-selects and statements at the very start
  '(E[f(vo]*', '(E1[),k]*', '(En[,k]*', '1(E*', 'k(E[o1f(v]*', '(f(t*', 'f(t*', 'E[fv]*', 'E(E*', 'E(f*', 'E(1*', 'E(v*', 'Eo[kn,]*', 'E1,*', 'E1k*',
  // Function calls that only SQL makes: sleep(5), benchmark(..), extractvalue(..)
  'f(1)', 'f(1)c', 'f(1);', 'f(1),', 'f(1,*', 'f(f*', 'f(E*', 'f(v*', 'f(s)', 'f(s,*', 'f()', 'f(1o*', '1f(*',
  // Time/Tsql statements: '; waitfor delay, ') waitfor delay, shutdown--
  'T[s1v(;]*', 'Tc', 's)T*', 'sT*', '1T*', '1)T*', 's;T*', '1;T*',
  // Comments ending a break-out: admin'--, admin')#
  'sc', 's)c', 's))c', 's)))c', 's;c', '1;c', 's&c', 'soc',
  // Order/group by probing: ' order by 1--, 1 group by 2
  's[B)]B*', 'sB[1f(]*', '1B[1f(]*', 'sBn(*', '1Bn(*', '1)B*', 'Bf(*',
  // Collate tricks and conditional execution: ' collate, 1 and if(..)
  's[A]*', '1A*',
];

const CLASSES = 'kUETBAftn1vso&c(),;:{}\\X?';

const exact = new Set<string>();
const prefix = new Set<string>();

function expand(pattern: string): string[] {
  const parts: string[][] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '[') {
      const end = pattern.indexOf(']', i);
      parts.push([...pattern.slice(i + 1, end)]);
      i = end;
    } else if (c === '?') {
      parts.push([...CLASSES]);
    } else {
      parts.push([c]);
    }
  }
  let acc = [''];
  for (const p of parts) acc = acc.flatMap((a) => p.map((c) => a + c));
  return acc;
}

for (const raw of PATTERNS) {
  const isPrefix = raw.endsWith('*');
  const body = isPrefix ? raw.slice(0, -1) : raw;
  for (const fp of expand(body)) (isPrefix ? prefix : exact).add(fp);
}

// Functions whose call alone, at the very start of a value, is an attack: timing, file access,
// error-based extraction, command execution. `count (5)` or `version (2.0)` are left to context.
const STANDALONE_CALLS = new Set([
  'sleep', 'benchmark', 'pg_sleep', 'get_lock', 'load_file', 'extractvalue', 'updatexml', 'xmltype',
  'name_const', 'geometrycollection', 'multipoint', 'polygon', 'linestring', 'multilinestring',
  'multipolygon', 'char', 'chr', 'concat', 'concat_ws', 'group_concat', 'pg_read_file', 'pg_ls_dir',
  'current_setting', 'query_to_xml', 'load_extension', 'randomblob', 'utl_inaddr.get_host_address',
  'utl_inaddr.get_host_name', 'utl_http.request', 'dbms_pipe.receive_message', 'dbms_lock.sleep',
  'dbms_xmlgen.getxml', 'ctxsys.drithsx.sn', 'xp_cmdshell', 'xp_dirtree', 'xp_regread',
  'sp_executesql', 'sp_oacreate', 'sp_configure', 'openxml', 'is_srvrolemember', 'polyfromtext',
  'st_latfromgeohash', 'json_keys', 'make_set', 'export_set', 'elt', 'exp',
]);

const COMPARISONS = new Set([
  '=', '==', '<', '>', '<=', '>=', '<>', '!=', '<=>', '!<', '!>', 'like', 'rlike', 'ilike', 'regexp', 'is',
  'between', 'sounds', 'similar', 'not like', 'not in', 'not between', 'not regexp', 'not rlike',
  'not similar', 'is not', 'sounds like', 'similar to',
]);

function isWordLiteral(t: Token): boolean {
  const c = t.val.charCodeAt(0);
  return c >= 0x61 && c <= 0x7a;
}

/**
 * Shapes that are attacks only with more than their token classes. The fingerprint matched; these
 * veto the readings that also fit ordinary text or code (each case below names its lookalike):
 * a join of values with nothing compared is a phrase (`' or 'a'='a` compares, `'Hamlet' and
 * 'Macbeth'` does not); a call counts only for functions with no harmless use; statement words and
 * T-statements need their SQL shape. Every veto has a paired test in sqli-detect.test.ts.
 */
function vetoed(fp: string, tokens: readonly Token[]): boolean {
  if (fp.startsWith('s&s') || fp.startsWith('s&1s')) {
    const v = tokens[2]!;
    const membership = tokens[3]?.val === 'in'; // ' or 'x' in ('x')
    if (!v.folded && !membership) return true;
  }
  // "iphone or 12", "@john and 2": a name and a number joined, nothing compared.
  if ((fp === 'n&1' || fp.startsWith('v&1')) && !tokens[2]!.folded) return true;
  if (fp.startsWith('1&1') && fp.length === 3 && !tokens[0]!.folded && !tokens[2]!.folded) {
    if (isWordLiteral(tokens[0]!) && isWordLiteral(tokens[2]!)) return true;
  }
  // if(1=1,...) compares inside: that is a condition, not a word followed by a parenthesis.
  if (fp.startsWith('f(') && !STANDALONE_CALLS.has(tokens[0]!.val) && !(tokens[0]!.val === 'if' && tokens[2]?.folded)) return true;
  // "if (interactive)" right after a quote: the same rule one token later.
  if (fp.startsWith('sf(') && !STANDALONE_CALLS.has(tokens[1]!.val) && !(tokens[1]!.val === 'if' && tokens[3]?.folded)) return true;
  // A T-statement after a break-out must be waitfor: 'shutdown' in quotes is a word.
  if (fp.startsWith('sT') || fp.startsWith('1T') || fp.startsWith('s)T') || fp.startsWith('1)T')) {
    const t = tokens[fp.indexOf('T')]!;
    if (!t.val.startsWith('waitfor')) return true;
  }
  // select * ...: the operator must be the star ("update /etc/motd" is prose).
  if (fp.startsWith('Eo') && tokens[1]!.val !== '*') return true;
  // ' or x = ..., 1 and id < ...: the operator after the name must compare.
  if ((fp.startsWith('s&no') || fp.startsWith('1&no')) && !COMPARISONS.has(tokens[3]!.val)) return true;
  if (fp.startsWith('1of(') && !STANDALONE_CALLS.has(tokens[2]!.val)) return true;
  // "and 2 more", "or 'best offer'": a leading and/or needs a comparison or a harmful call after it.
  if ((fp.startsWith('&1') || fp.startsWith('&s')) && !tokens[1]!.folded) return true;
  if ((fp.startsWith('&f(') || fp.startsWith('Bf(')) && !STANDALONE_CALLS.has(tokens[1]!.val) && tokens[1]!.val !== 'if') return true;
  return false;
}

/**
 * Closing parentheses between a break-out and and/or (`') or 1=1`, `1)) and sleep(5)`) only match
 * the application's own nesting; the reading is judged as if they were not there, so the same
 * patterns and vetoes apply (`("Files") or Unicode software` stays prose).
 */
function withoutClosers(fp: string, tokens: readonly Token[]): [string, readonly Token[]] | null {
  let i = fp[0] === ')' ? 0 : 1;
  if (i === 1 && fp[0] !== 's' && fp[0] !== '1') return null;
  const start = i;
  while (i < fp.length && fp[i] === ')') i++;
  if (i === start || fp[i] !== '&') return null;
  return [fp.slice(0, start) + fp.slice(i), [...tokens.slice(0, start), ...tokens.slice(i)]];
}

/** Whether a folded reading is an attack: a known fingerprint not vetoed by its tokens. */
export function isAttackReading(fp: string, tokens: readonly Token[], quoted = false): boolean {
  const bare = withoutClosers(fp, tokens);
  if (bare) return isAttackReading(bare[0], bare[1], quoted);
  if (isAttackFingerprint(fp)) return fp.includes('X') || !vetoed(fp, tokens);
  if (quoted && isAttackTokens(tokens)) return true;
  // `It's fine' or 1=1--`: the apostrophe earlier in the value opened the string the plain
  // reading sees, so the break-out starts at the second token. Only break-outs that end in a
  // closed string followed by logic, union or a new statement are read this way.
  if (fp.length >= 3 && fp.charCodeAt(0) === 0x6e && fp.charCodeAt(1) === 0x73 && 'U&;'.includes(fp[2]!)) {
    const rest = fp.slice(1);
    const restTokens = tokens.slice(1);
    if (!tokens[1]!.closed || !isAttackFingerprint(rest) || vetoed(rest, restTokens)) return false;
    // prose quotes a word and goes on ("the 'best' and 2nd best"): here a comparison must follow
    const v = tokens[3];
    return rest[1] !== '&' || (v !== undefined && (v.folded || v.type === T.FUNCTION || v.type === T.LPAREN));
  }
  return false;
}

/**
 * Shapes that need the operator's text: a string closed and followed by a bitwise-or operator
 * (`" | cmd`, `'|sleep(5)|'`) is an expression continuing after the break-out. Other operators
 * after a closing quote are common in text (`5' - 6"`) and in regexes (`'^[a-z]'`); this one is not.
 */
export function isAttackTokens(tokens: readonly Token[]): boolean {
  if (tokens.length < 3) return false;
  const [a, b, c] = tokens as [Token, Token, Token];
  if (a.type !== T.STRING || a.open !== '' || b.type !== T.OPERATOR || b.val !== '|') return false;
  if (!'n1fvs('.includes(c.type)) return false;
  // a command or function name: ASCII (binary noise with a quote and a bar is not one)
  for (let i = 0; i < c.val.length; i++) if (c.val.charCodeAt(i) > 0x7e) return false;
  return true;
}

function lookup(fp: string): boolean {
  if (fp.includes('X')) return true;
  if (exact.has(fp)) return true;
  for (let i = 1; i <= fp.length; i++) if (prefix.has(fp.slice(0, i))) return true;
  return false;
}

// Real traffic produces few distinct fingerprints, so answers are remembered (bounded: the map is
// dropped when full, which costs only recomputation).
const memo = new Map<string, boolean>();
const MEMO_MAX = 20_000;

/** Whether a fingerprint is one of the known attack shapes. */
export function isAttackFingerprint(fp: string): boolean {
  const known = memo.get(fp);
  if (known !== undefined) return known;
  const r = lookup(fp);
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(fp, r);
  return r;
}

/** Sizes of the expanded knowledge set (for docs and tests). */
export function knowledgeSetSize(): { exact: number; prefix: number } {
  return { exact: exact.size, prefix: prefix.size };
}
