import type { Server } from 'node:net';
import type { Http1Server, Http1Options } from '../http1/server.js';
import type { Limits } from './limits.js';

/** A listening socket server and the HTTP/1.1 server that serves its connections. */
export interface ProxyListener<S extends Server = Server> {
  readonly server: S;
  readonly http: Http1Server;
}

export function http1Options(l: Limits): Http1Options {
  return {
    maxHeaderSize: l.maxHeaderSize,
    headersTimeoutMs: l.headersTimeoutMs,
    requestTimeoutMs: l.requestTimeoutMs,
    keepAliveTimeoutMs: l.keepAliveTimeoutMs,
    maxRequestsPerSocket: l.maxRequestsPerSocket,
  };
}
