import type { IncomingHttpHeaders } from 'node:http';
import { RequestContext, type PeerIdentity, type RequestHead } from '../../../src/proxy/context.js';

export interface CtxInit {
  listener?: 'inbound' | 'outbound';
  method?: string;
  path?: string;
  query?: string;
  authority?: string;
  headers?: IncomingHttpHeaders;
  peer?: PeerIdentity | null;
  status?: number;
}

/**
 * A RequestContext as the listener builds it, over a request-shaped object (the selection and record
 * code reads only method, url, headers and the socket's address from it).
 */
export function makeCtx(init: CtxInit = {}): RequestContext {
  const path = init.path ?? '/';
  const query = init.query ?? '';
  const req = {
    method: init.method ?? 'GET',
    url: query ? `${path}?${query}` : path,
    headers: { host: init.authority ?? 'app.local', ...(init.headers ?? {}) },
    socket: { remoteAddress: '127.0.0.1', remotePort: 40000 },
  } as unknown as RequestHead;
  const ctx = new RequestContext({
    requestId: `req-${Math.random().toString(36).slice(2)}`,
    listener: init.listener ?? 'inbound',
    req,
    peer: init.peer === undefined ? { spiffeId: 'spiffe://example.org/ns/shop/sa/web', certSha256: 'ab'.repeat(32), serial: '01' } : init.peer,
    ourIdentity: 'spiffe://example.org/ns/shop/sa/orders',
    path,
    query,
    authority: init.authority ?? 'app.local',
    startNs: process.hrtime.bigint(),
  });
  ctx.status = init.status ?? 200;
  return ctx;
}
