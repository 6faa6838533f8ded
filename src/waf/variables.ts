import type { Entry, VariableDef } from './types.js';
import type { Transaction } from './transaction.js';
import { collectionIndex } from './collection.js';

const NONE: readonly Entry[] = [];
const ARGS_GET = collectionIndex('ARGS_GET');
const ARGS_POST = collectionIndex('ARGS_POST');

function scalar(name: string, get: (tx: Transaction) => string | undefined): VariableDef {
  // the last short value's entry list, shared: REQUEST_METHOD, REQUEST_FILENAME... are the same on
  // most requests, and were a new list and entry on each read (entries are never written to)
  let last: string | undefined;
  let lastEntries: readonly Entry[] = NONE;
  return {
    name,
    collection: false,
    entries(tx) {
      const v = get(tx);
      if (v === undefined) return NONE;
      if (v === last) return lastEntries;
      const out = [{ key: '', value: v }];
      if (v.length <= SHARED_SCALAR_MAX) {
        last = v;
        lastEntries = out;
      }
      return out;
    },
    lookup: undefined,
    select: undefined,
  };
}

function collection(name: string, get: (tx: Transaction) => readonly Entry[], lookup?: (tx: Transaction, lkey: string) => readonly Entry[]): VariableDef {
  return { name, collection: true, entries: get, lookup, select: undefined };
}

/** A stored collection: keyed targets (`REQUEST_HEADERS:Host`) are a map lookup. */
function stored(name: string): VariableDef {
  const at = collectionIndex(name);
  return {
    name,
    collection: true,
    entries: (tx) => tx.collectionAt(at, name).entries(),
    lookup: (tx, k) => tx.collectionAt(at, name).get(k),
    select: (tx, m) => tx.collectionAt(at, name).select(m),
  };
}

/** Longest scalar value whose entry list is kept for the next read (longer ones are not kept alive). */
const SHARED_SCALAR_MAX = 256;

/** A stored collection's keys, as values (REQUEST_HEADERS_NAMES...): made once per change of its keys. */
function storedNames(name: string, of: string): VariableDef {
  const at = collectionIndex(of);
  return { name, collection: true, entries: (tx) => tx.collectionAt(at, of).names(), lookup: undefined, select: undefined };
}

/** The keys of a collection, as values (ARGS_NAMES...). */
function names(name: string, get: (tx: Transaction) => readonly Entry[]): VariableDef {
  return { name, collection: true, entries: (tx) => get(tx).map((e) => ({ key: e.key, value: e.key })), lookup: undefined, select: undefined };
}

const col = (n: string) => {
  const at = collectionIndex(n);
  return (tx: Transaction) => tx.collectionAt(at, n).entries();
};
const args = (tx: Transaction): readonly Entry[] => tx.args();
const sc = (n: string) => (tx: Transaction) => tx.scalars.get(n);

/**
 * Every variable a rule can name, by upper-case SecLang name. Each definition has the same fields
 * (`lookup`/`select` undefined when absent): one hidden class, so reading them per target stays a
 * monomorphic property load.
 */
export const VARIABLES: ReadonlyMap<string, VariableDef> = new Map(
  [
    collection('ARGS', args, (tx, k) => {
      const g = tx.collectionAt(ARGS_GET, 'ARGS_GET').get(k);
      const p = tx.collectionAt(ARGS_POST, 'ARGS_POST').get(k);
      return p.length === 0 ? g : g.length === 0 ? p : [...g, ...p];
    }),
    names('ARGS_NAMES', args),
    stored('ARGS_GET'),
    storedNames('ARGS_GET_NAMES', 'ARGS_GET'),
    stored('ARGS_POST'),
    storedNames('ARGS_POST_NAMES', 'ARGS_POST'),
    stored('REQUEST_HEADERS'),
    storedNames('REQUEST_HEADERS_NAMES', 'REQUEST_HEADERS'),
    stored('REQUEST_COOKIES'),
    storedNames('REQUEST_COOKIES_NAMES', 'REQUEST_COOKIES'),
    stored('RESPONSE_HEADERS'),
    storedNames('RESPONSE_HEADERS_NAMES', 'RESPONSE_HEADERS'),
    stored('FILES'),
    storedNames('FILES_NAMES', 'FILES'),
    stored('FILES_SIZES'),
    collection('FILES_TMPNAMES', col('FILES_TMPNAMES')),
    collection('FILES_TMP_CONTENT', col('FILES_TMP_CONTENT')),
    stored('MULTIPART_PART_HEADERS'),
    stored('TX'),
    collection('IP', col('IP')),
    collection('GLOBAL', col('GLOBAL')),
    collection('SESSION', col('SESSION')),
    collection('USER', col('USER')),
    collection('RESOURCE', col('RESOURCE')),
    collection('ENV', col('ENV')),
    collection('GEO', col('GEO')),
    collection('RULE', (tx) => tx.ruleEntries()),
    collection('MATCHED_VARS', col('MATCHED_VARS')),
    storedNames('MATCHED_VARS_NAMES', 'MATCHED_VARS'),
    { name: 'XML', collection: true, entries: (tx: Transaction) => tx.xmlEntries('/*'), lookup: undefined, select: undefined },
    scalar('MATCHED_VAR', (tx) => tx.matchedVar),
    scalar('MATCHED_VAR_NAME', (tx) => tx.matchedVarName),
    ...[
      'REQUEST_LINE', 'REQUEST_METHOD', 'REQUEST_PROTOCOL', 'REQUEST_URI', 'REQUEST_URI_RAW', 'REQUEST_FILENAME',
      'REQUEST_BASENAME', 'QUERY_STRING', 'REQUEST_BODY', 'REQUEST_BODY_LENGTH', 'ARGS_COMBINED_SIZE',
      'FILES_COMBINED_SIZE', 'REQBODY_PROCESSOR', 'REQBODY_ERROR', 'REQBODY_ERROR_MSG', 'REQBODY_PROCESSOR_ERROR',
      'REQBODY_PROCESSOR_ERROR_MSG', 'MULTIPART_STRICT_ERROR', 'MULTIPART_UNMATCHED_BOUNDARY',
      'MULTIPART_BOUNDARY_QUOTED', 'MULTIPART_BOUNDARY_WHITESPACE', 'MULTIPART_DATA_AFTER', 'MULTIPART_DATA_BEFORE',
      'MULTIPART_HEADER_FOLDING', 'MULTIPART_LF_LINE', 'MULTIPART_MISSING_SEMICOLON', 'MULTIPART_INVALID_QUOTING',
      'MULTIPART_INVALID_PART', 'MULTIPART_INVALID_HEADER_FOLDING', 'MULTIPART_FILE_LIMIT_EXCEEDED',
      'MULTIPART_CRLF_LF_LINES', 'MULTIPART_FILENAME', 'MULTIPART_NAME', 'RESPONSE_BODY', 'RESPONSE_STATUS',
      'RESPONSE_PROTOCOL', 'RESPONSE_CONTENT_TYPE', 'RESPONSE_CONTENT_LENGTH', 'STATUS_LINE', 'REMOTE_ADDR',
      'REMOTE_HOST', 'REMOTE_PORT', 'REMOTE_USER', 'SERVER_ADDR', 'SERVER_NAME', 'SERVER_PORT', 'UNIQUE_ID',
      'AUTH_TYPE', 'FULL_REQUEST', 'FULL_REQUEST_LENGTH', 'INBOUND_DATA_ERROR', 'OUTBOUND_DATA_ERROR',
      'HIGHEST_SEVERITY', 'URLENCODED_ERROR', 'PATH_INFO', 'SCRIPT_FILENAME', 'WEBSERVER_ERROR_LOG', 'DURATION',
      'TIME', 'TIME_DAY', 'TIME_EPOCH', 'TIME_HOUR', 'TIME_MIN', 'TIME_MON', 'TIME_SEC', 'TIME_WDAY', 'TIME_YEAR',
      'USERID', 'SESSIONID', 'RESPONSE_BODY_LENGTH',
    ].map((n) => scalar(n, sc(n))),
  ].map((v) => [v.name, v]),
);
