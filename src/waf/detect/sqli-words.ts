import { T, type TokenType } from './sqli-token.js';

// Our own word classes, written from the SQL dialects' manuals (MySQL, PostgreSQL, SQL Server,
// Oracle, SQLite). Functions are typed `f` only when a `(` follows, so the English reading of words
// like "user" or "version" stays a bareword.

// Statements an injection runs. MERGE, CALL, GRANT, RENAME, HANDLER and PREPARE are SQL too, but far
// more often English ("(merge abc later)", "call 555-1234"); they stay plain keywords.
const STATEMENTS = [
  'select', 'insert', 'update', 'delete', 'drop', 'create', 'alter', 'truncate', 'exec', 'execute',
  'declare',
];
const TSQL = ['waitfor', 'shutdown', 'dbcc', 'openrowset', 'opendatasource', 'openquery', 'bulk'];
const UNIONS = ['union', 'except', 'intersect'];
const GROUPS = ['having', 'limit', 'offset', 'procedure'];
const LOGIC = ['and', 'or', 'xor'];
const WORD_OPERATORS = ['not', 'like', 'rlike', 'ilike', 'regexp', 'similar', 'div', 'mod', 'is', 'between', 'sounds', 'escape'];
const VALUES = ['null', 'true', 'false', 'unknown', 'current_date', 'current_time', 'current_timestamp', 'localtime', 'localtimestamp'];
const TYPES = [
  'int', 'integer', 'bigint', 'smallint', 'tinyint', 'varchar', 'nvarchar', 'varchar2', 'nchar', 'text',
  'ntext', 'binary', 'varbinary', 'signed', 'unsigned', 'decimal', 'numeric', 'float', 'double', 'real',
  'boolean', 'blob', 'clob', 'datetime', 'timestamp', 'sql_variant', 'xml', 'json', 'uuid',
];
const KEYWORDS = [
  'from', 'where', 'as', 'into', 'table', 'values', 'set', 'on', 'join', 'inner', 'outer', 'cross',
  'natural', 'case', 'when', 'then', 'else', 'end', 'in', 'all', 'any', 'some', 'distinct', 'top',
  'asc', 'desc', 'by', 'group', 'order', 'with', 'begin', 'commit', 'rollback', 'transaction',
  'use', 'show', 'describe', 'explain', 'load', 'outfile', 'dumpfile', 'infile', 'database',
  'schema', 'index', 'view', 'trigger', 'function', 'returns', 'return', 'goto', 'print',
  'raiserror', 'collation', 'using', 'window', 'partition', 'over', 'lateral', 'fetch', 'next',
  'rows', 'only', 'for', 'share', 'lock', 'mode', 'nowait', 'default', 'primary', 'key', 'foreign',
  'references', 'constraint', 'unique', 'check', 'column', 'add', 'modify', 'if', 'while', 'loop',
  'do', 'merge', 'call', 'grant', 'revoke', 'rename', 'handler', 'prepare', 'deallocate', 'sysobjects', 'syscolumns', 'information_schema', 'pg_catalog', 'sqlite_master',
];

// SQL functions seen in injection payloads: timing, file access, error-based extraction, string
// building and metadata. Typed `f` only when followed by `(`.
const FUNCTIONS = [
  'sleep', 'benchmark', 'pg_sleep', 'get_lock', 'release_lock', 'load_file', 'extractvalue',
  'updatexml', 'xmltype', 'exp', 'name_const', 'geometrycollection', 'multipoint', 'polygon',
  'linestring', 'multilinestring', 'multipolygon', 'concat', 'concat_ws', 'group_concat',
  'string_agg', 'array_agg', 'char', 'nchar', 'chr', 'ascii', 'ord', 'unicode', 'hex', 'unhex',
  'bin', 'conv', 'oct', 'substring', 'substr', 'mid', 'left', 'right', 'length', 'char_length',
  'len', 'datalength', 'instr', 'locate', 'strcmp', 'version', 'user', 'current_user',
  'system_user', 'session_user', 'suser_name', 'suser_sname', 'user_name', 'database', 'schema',
  'db_name', 'host_name', 'connection_id', 'last_insert_id', 'row_count', 'found_rows', 'count',
  'if', 'ifnull', 'isnull', 'nullif', 'coalesce', 'iif', 'cast', 'convert', 'md5', 'sha1', 'sha2',
  'rand', 'random', 'randomblob', 'floor', 'ceil', 'elt', 'make_set', 'export_set', 'field',
  'find_in_set', 'json_extract', 'json_keys', 'row', 'exists', 'reverse', 'replace', 'repeat',
  'lpad', 'rpad', 'lower', 'upper', 'lcase', 'ucase', 'trim', 'ltrim', 'rtrim', 'soundex', 'space',
  'to_char', 'to_number', 'to_date', 'getdate', 'sysdate', 'now', 'current_setting', 'pg_read_file',
  'pg_ls_dir', 'query_to_xml', 'generate_series', 'sqlite_version', 'typeof', 'load_extension',
  'utl_inaddr.get_host_address', 'utl_inaddr.get_host_name', 'utl_http.request',
  'dbms_pipe.receive_message', 'dbms_lock.sleep', 'dbms_xmlgen.getxml', 'ctxsys.drithsx.sn',
  'xp_cmdshell', 'xp_dirtree', 'xp_regread', 'sp_executesql', 'sp_oacreate', 'sp_configure',
  'openxml', 'is_srvrolemember', 'has_dbaccess', 'object_id', 'object_name', 'col_name',
  'table_name', 'waitfor', 'sum', 'avg', 'min', 'max', 'abs', 'round', 'mod', 'position',
  'regexp_like', 'regexp_substr', 'updatexml', 'polyfromtext', 'st_latfromgeohash',
];

// Two words read as one token (`union all` is still a union).
const PAIRS: ReadonlyArray<readonly [string, string, TokenType]> = [
  ['union', 'all', T.UNION], ['union', 'distinct', T.UNION],
  ['except', 'all', T.UNION], ['intersect', 'all', T.UNION],
  ['group', 'by', T.GROUP], ['order', 'by', T.GROUP], ['partition', 'by', T.KEYWORD],
  ['waitfor', 'delay', T.TSQL], ['waitfor', 'time', T.TSQL],
  ['not', 'like', T.OPERATOR], ['not', 'in', T.OPERATOR], ['not', 'between', T.OPERATOR],
  ['not', 'regexp', T.OPERATOR], ['not', 'rlike', T.OPERATOR], ['not', 'similar', T.OPERATOR],
  ['is', 'not', T.OPERATOR], ['sounds', 'like', T.OPERATOR], ['similar', 'to', T.OPERATOR],
  ['left', 'join', T.KEYWORD], ['right', 'join', T.KEYWORD], ['inner', 'join', T.KEYWORD],
  ['outer', 'join', T.KEYWORD], ['cross', 'join', T.KEYWORD], ['natural', 'join', T.KEYWORD],
  ['into', 'outfile', T.KEYWORD], ['into', 'dumpfile', T.KEYWORD], ['load', 'data', T.KEYWORD],
  ['drop', 'table', T.STATEMENT], ['create', 'table', T.STATEMENT], ['insert', 'into', T.STATEMENT],
  ['delete', 'from', T.STATEMENT], ['exec', 'master', T.STATEMENT],
];

const WORDS = new Map<string, TokenType>();
const FUNCS = new Set<string>(FUNCTIONS);
const PAIR_MAP = new Map<string, TokenType>();
const PAIR_FIRST = new Set<string>();

function put(list: readonly string[], type: TokenType): void {
  for (const w of list) if (!WORDS.has(w)) WORDS.set(w, type);
}
put(STATEMENTS, T.STATEMENT);
put(TSQL, T.TSQL);
put(UNIONS, T.UNION);
put(GROUPS, T.GROUP);
put(LOGIC, T.LOGIC);
put(WORD_OPERATORS, T.OPERATOR);
put(VALUES, T.NUMBER);
put(TYPES, T.TYPE);
put(KEYWORDS, T.KEYWORD);
WORDS.set('collate', T.COLLATE);
for (const [a, b, t] of PAIRS) {
  PAIR_MAP.set(`${a} ${b}`, t);
  PAIR_FIRST.add(a);
}

/** Class of a lowercased word; `callFollows` is whether the next non-space char is `(`. */
export function classifyWord(word: string, callFollows: boolean): TokenType {
  if (callFollows && FUNCS.has(word)) return T.FUNCTION;
  return WORDS.get(word) ?? T.BAREWORD;
}

/** Class of two adjacent words read as one, or undefined. */
export function classifyPair(first: string, second: string): TokenType | undefined {
  if (!PAIR_FIRST.has(first)) return undefined;
  return PAIR_MAP.get(`${first} ${second}`);
}

/** Words that are also unary operators (`not 1`). */
export function isUnaryWord(word: string): boolean {
  return word === 'not';
}
