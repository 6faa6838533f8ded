import type { CorpusTest } from './corpus.js';
import { binFromUtf8 } from '../bytes.js';

/** A request as the web server hands it to the WAF, in binary strings. */
export interface ParsedRequest {
  method: string;
  uri: string;
  protocol: string;
  headers: [string, string][];
  body: string;
  /** Set when a strict HTTP/1.x server would refuse it before any WAF runs (and why). */
  reject?: { status: number; reason: string };
  /** The exchange fails at the HTTP layer after the WAF saw it (HTTP/0.9 simple request). */
  transportError?: string;
}

/** The bytes the test sends: its `raw` request, or one built from method/uri/version/headers/body. */
export function testRequest(t: CorpusTest): ParsedRequest {
  if (t.raw) return parseRawRequest(Buffer.from(t.raw, 'base64').toString('latin1'));
  const body = t.body === null ? '' : t.body_b64 ? Buffer.from(t.body, 'base64').toString('latin1') : binFromUtf8(t.body);
  const req: ParsedRequest = {
    method: binFromUtf8(t.method ?? 'GET'),
    uri: binFromUtf8(t.uri ?? '/'),
    protocol: binFromUtf8(t.version ?? 'HTTP/1.1'),
    headers: (t.headers ?? []).map(([k, v]) => [binFromUtf8(k), binFromUtf8(v)]),
    body,
  };
  applyFrontDoor(req);
  return req;
}

/** Parses request bytes the way an HTTP/1.1 server reads them (chunked bodies decoded). */
export function parseRawRequest(raw: string): ParsedRequest {
  let headEnd = raw.indexOf('\r\n\r\n');
  let sep = 4;
  if (headEnd < 0) { headEnd = raw.indexOf('\n\n'); sep = 2; }
  if (headEnd < 0) { headEnd = raw.length; sep = 0; }
  const head = raw.slice(0, headEnd).split(/\r?\n/);
  const rl = head[0] ?? '';
  const parts = rl.split(' ');
  const req: ParsedRequest = {
    method: parts[0] ?? '',
    uri: parts[1] ?? '',
    protocol: parts.slice(2).join(' '),
    headers: [],
    body: '',
  };
  if (parts.length > 3) req.reject = { status: 400, reason: 'malformed request line' };
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) { req.reject ??= { status: 400, reason: 'malformed header line' }; continue; }
    req.headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  let body = raw.slice(headEnd + sep);
  const te = req.headers.find(([k]) => k.toLowerCase() === 'transfer-encoding')?.[1];
  if (te && te.toLowerCase().includes('chunked')) body = dechunk(body);
  else {
    const cl = req.headers.find(([k]) => k.toLowerCase() === 'content-length')?.[1];
    if (cl !== undefined && /^\d+$/.test(cl)) body = body.slice(0, Number(cl));
  }
  req.body = body;
  applyFrontDoor(req);
  return req;
}

function dechunk(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const eol = s.indexOf('\r\n', i);
    if (eol < 0) break;
    const size = Number.parseInt(s.slice(i, eol).split(';')[0]!, 16);
    if (!Number.isFinite(size) || size <= 0) break;
    out += s.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
  return out;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=-]*)(?::\d*)?$/;

/**
 * What a strict HTTP/1.x server (Apache in the CRS test rig; meshguard's own listener likewise)
 * refuses with 400 before the WAF runs: a bad request line, a fragment or backslash target, a
 * version below 1.0, CR/LF/NUL in a header value, a non-numeric Content-Length, a bad or (on 1.1)
 * empty Host. A version-less line is HTTP/0.9: the WAF sees it, then the exchange fails.
 */
export function applyFrontDoor(req: ParsedRequest): void {
  // Transfer-Encoding wins over Content-Length (RFC 9112 6.3): the server drops the length and
  // hands the WAF the de-chunked body
  const te = req.headers.find(([k]) => k.toLowerCase() === 'transfer-encoding')?.[1];
  if (te !== undefined && te.toLowerCase().includes('chunked')) {
    if (req.headers.some(([k]) => k.toLowerCase() === 'content-length')) {
      req.headers = req.headers.filter(([k]) => k.toLowerCase() !== 'content-length');
      req.body = dechunk(req.body);
    }
  }
  // No length and no chunking on HTTP/1.x: the request has no body (the bytes are not read)
  if (te === undefined && !req.headers.some(([k]) => k.toLowerCase() === 'content-length')) req.body = '';
  // Apache merges repeated request headers into one comma-separated value
  const seen = new Map<string, number>();
  const merged: [string, string][] = [];
  for (const [k, v] of req.headers) {
    const lk = k.toLowerCase();
    const at = seen.get(lk);
    if (at === undefined) { seen.set(lk, merged.length); merged.push([k, v]); }
    else merged[at] = [merged[at]![0], `${merged[at]![1]}, ${v}`];
  }
  req.headers = merged;
  const reject = (reason: string) => { req.reject ??= { status: 400, reason }; };
  if (!TOKEN.test(req.method)) reject('method is not a token');
  const u = req.uri;
  if (u.includes(' ') || u.includes('\t')) reject('space in request target');
  if (u.includes('#')) reject('fragment in request target');
  const connect = req.method === 'CONNECT';
  if (connect) {
    if (!/^[^/?#]+:\d+$/.test(u)) reject('CONNECT target is not host:port');
  } else if (!(u.startsWith('/') || u === '*' || /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(u))) {
    reject('request target is not origin-, absolute- or asterisk-form');
  }
  if (req.protocol === '') {
    req.protocol = 'HTTP/0.9';
    req.transportError = 'HTTP/0.9 simple request: no status line in the answer';
  } else {
    const m = /^HTTP\/(\d)\.(\d)$/.exec(req.protocol);
    if (!m || Number(m[1]) < 1) reject(`unsupported protocol "${req.protocol}"`);
  }
  for (const [k, v] of req.headers) {
    if (!TOKEN.test(k)) reject('header name is not a token');
    if (/[\r\n\0]/.test(v)) reject('CR, LF or NUL in a header value');
    const lk = k.toLowerCase();
    if (lk === 'content-length' && !/^\d+$/.test(v)) reject('Content-Length is not a number');
    if (lk === 'host') {
      if (!HOST.test(v)) reject('invalid Host');
      if (v === '' && req.protocol === 'HTTP/1.1') reject('empty Host on HTTP/1.1');
    }
  }
}
