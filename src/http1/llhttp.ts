import { createRequire } from 'node:module';

/**
 * Node's own llhttp binding, the parser behind `http.Server`. The lean HTTP/1.1 path uses it directly
 * so parsing stays exactly as strict as Node's (request smuggling defences included) while the
 * per-request objects of `http` (IncomingMessage, ServerResponse, their streams) are not built.
 */
export interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | ParseError;
  finish(): number | ParseError | undefined;
  pause(): void;
  resume(): void;
  /** Reads straight from a stream handle in C++; results come back through kOnExecute. */
  consume(handle: object): void;
  unconsume(): void;
  [key: number]: unknown;
}

export interface ParseError extends Error {
  code: string;
  bytesParsed: number;
  reason?: string;
}

interface HttpCommon {
  HTTPParser: {
    new (): LlhttpParser;
    REQUEST: number;
    RESPONSE: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kOnMessageBegin: number;
    kOnExecute: number;
    kLenientNone: number;
  };
  methods: string[];
}

const common = createRequire(import.meta.url)('_http_common') as HttpCommon;

export const HTTPParser = common.HTTPParser;
/** llhttp's method numbers to names. */
export const METHODS: readonly string[] = common.methods;
export const kOnHeaders = HTTPParser.kOnHeaders;
export const kOnHeadersComplete = HTTPParser.kOnHeadersComplete;
export const kOnBody = HTTPParser.kOnBody;
export const kOnMessageComplete = HTTPParser.kOnMessageComplete;
export const kOnMessageBegin = HTTPParser.kOnMessageBegin;
export const kOnExecute = HTTPParser.kOnExecute;

/** The native stream handle of a net or TLS socket, when the parser can read from it directly. */
export interface StreamHandle {
  readStop(): number;
  readStart(): number;
}

/**
 * Lets the parser read a socket's handle in C++ (what `http.Server` does): no Readable stream,
 * no 'data' event per read. Only for a socket nothing has read from yet; null when that is not so.
 */
export function consumeSocket(parser: LlhttpParser, socket: import('node:net').Socket, onExecute: (ret: number | ParseError) => void): StreamHandle | null {
  const handle = (socket as unknown as { _handle?: { isStreamBase?: boolean; _consumed?: boolean } & StreamHandle })._handle;
  if (!handle || !handle.isStreamBase || handle._consumed || socket.readableLength > 0) return null;
  handle._consumed = true;
  parser[kOnExecute] = onExecute;
  parser.consume(handle);
  return handle;
}

/** Callback shapes llhttp's binding calls (see Node's lib/_http_common.js). */
export type OnHeadersComplete = (
  versionMajor: number,
  versionMinor: number,
  headers: string[] | undefined,
  method: number | undefined,
  url: string | undefined,
  statusCode: number | undefined,
  statusMessage: string | undefined,
  upgrade: boolean,
  shouldKeepAlive: boolean,
) => number | void;

export function newParser(type: number, maxHeaderSize: number): LlhttpParser {
  const p = new HTTPParser();
  p.initialize(type, {}, maxHeaderSize, HTTPParser.kLenientNone);
  return p;
}

export function isParseError(r: unknown): r is ParseError {
  return r instanceof Error;
}

/** Lower-cased header object as `http` builds it: repeated headers joined with ", ", set-cookie as an array, cookie with "; ". */
export function headersObject(raw: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const prev = out[name];
    if (prev === undefined) out[name] = name === 'set-cookie' ? [value] : value;
    else if (Array.isArray(prev)) prev.push(value);
    else if (DROP_DUPLICATE.has(name)) continue;
    else out[name] = `${prev}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return out;
}

/** Headers whose repeats Node's `http` drops (RFC 9110 single-valued fields). */
const DROP_DUPLICATE = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after',
  'server', 'user-agent',
]);
