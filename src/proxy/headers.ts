import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1 connection-specific headers, plus the ones proxies conventionally treat so. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/** Headers the sidecar owns on the way upstream: any value from the caller is dropped. */
const OWNED_UPSTREAM = new Set(['x-forwarded-client-cert', 'x-meshguard-request-id', 'x-forwarded-proto', 'host', 'expect', 'content-length']);

/** Names listed in `Connection` (lower-cased), which are hop-by-hop for this message. */
export function connectionListed(value: string | string[] | undefined): Set<string> | null {
  if (value === undefined) return null;
  // What nearly every message says, and lists no header.
  if (typeof value === 'string' && (value.length === 10 || value.length === 5)) {
    const v = value.toLowerCase();
    if (v === 'keep-alive' || v === 'close') return null;
  }
  const joined = Array.isArray(value) ? value.join(',') : value;
  let out: Set<string> | null = null;
  for (const part of joined.split(',')) {
    const name = part.trim().toLowerCase();
    if (name && name !== 'close' && name !== 'keep-alive') (out ??= new Set()).add(name);
  }
  return out;
}

export interface UpstreamHeaderInput {
  rawHeaders: string[];
  connection: string | string[] | undefined;
  host: string;
  requestId: string;
  remoteAddress: string;
  proto: 'http' | 'https';
  xfcc: string | undefined;
  contentLength: string | undefined;
}

/**
 * The header list sent upstream, as a flat [name, value, ...] array in the caller's order (repeated
 * headers stay repeated). Hop-by-hop and Connection-listed headers go; Host is kept; the caller's
 * X-Forwarded-For gets the peer address appended; the sidecar's own headers are set fresh.
 */
export function upstreamHeaders(h: UpstreamHeaderInput): string[] {
  const listed = connectionListed(h.connection);
  const out: string[] = ['host', h.host];
  let xff: string | undefined;
  const raw = h.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || OWNED_UPSTREAM.has(name) || (listed !== null && listed.has(name))) continue;
    if (name === 'x-forwarded-for') {
      xff = xff === undefined ? raw[i + 1]! : `${xff}, ${raw[i + 1]!}`;
      continue;
    }
    out.push(name, raw[i + 1]!);
  }
  const remote = h.remoteAddress.startsWith('::ffff:') ? h.remoteAddress.slice(7) : h.remoteAddress;
  out.push('x-forwarded-for', xff === undefined ? remote : `${xff}, ${remote}`);
  out.push('x-forwarded-proto', h.proto);
  out.push('x-meshguard-request-id', h.requestId);
  if (h.contentLength !== undefined) out.push('content-length', h.contentLength);
  if (h.xfcc !== undefined) out.push('x-forwarded-client-cert', h.xfcc);
  return out;
}

/** The response headers passed back to the caller: hop-by-hop and Connection-listed ones removed. */
export function downstreamHeaders(headers: IncomingHttpHeaders, requestId: string): OutgoingHttpHeaders {
  const listed = connectionListed(headers['connection']);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || (listed !== null && listed.has(name))) continue;
    const v = headers[name];
    if (v !== undefined) out[name] = v;
  }
  out['x-meshguard-request-id'] = requestId;
  return out;
}

/** What never goes back to the caller: hop-by-hop headers and the sidecar's own request id (set fresh). */
const DROP_DOWNSTREAM = new Set([...HOP_BY_HOP, 'x-meshguard-request-id']);

/**
 * The response headers (lower-cased names) not to pass back from a flat [name, value, ...] list as the
 * upstream sent it: hop-by-hop ones and those its Connection header lists. Shared unless the list
 * names some.
 */
export function downstreamDrop(raw: readonly string[]): ReadonlySet<string> {
  let listed: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === 10 && n.toLowerCase() === 'connection') {
      const more = connectionListed(raw[i + 1]);
      if (more) for (const m of more) (listed ??= new Set(DROP_DOWNSTREAM)).add(m);
    }
  }
  return listed ?? DROP_DOWNSTREAM;
}

/** Envoy's XFCC element for the verified caller: By=<us>;Hash=<sha256 of peer DER>;URI=<peer id>. */
export function xfccValue(ourId: string, peerHash: string, peerId: string): string {
  return `By=${ourId};Hash=${peerHash};URI=${peerId}`;
}
