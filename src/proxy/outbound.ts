import { createServer, type Server } from 'node:net';
import type { Limits } from './limits.js';
import { handleRequest, type ListenerRuntime } from './forward.js';
import { clientErrorHandler } from './client-error.js';
import { Http1Server } from '../http1/server.js';
import { http1Options, type ProxyListener } from './listener.js';

/** The outbound listener: plain HTTP from the local app, routed by Host to an mTLS upstream. */
export function createOutboundServer(rt: ListenerRuntime, limits: Limits): ProxyListener<Server> {
  const server = createServer();
  server.maxConnections = limits.maxConnections;
  const http = new Http1Server(http1Options(limits), (req, res) => handleRequest(rt, req, res));
  http.onClientError = clientErrorHandler('outbound', rt.metrics, rt.log);
  http.attach(server, 'connection');
  return { server, http };
}
