import { createServer, type Server } from 'node:http';
import type { Limits } from './limits.js';
import { httpServerOptions } from './limits.js';
import { handleRequest, type ListenerRuntime } from './forward.js';
import { clientErrorHandler } from './client-error.js';

/** The outbound listener: plain HTTP from the local app, routed by Host to an mTLS upstream. */
export function createOutboundServer(rt: ListenerRuntime, limits: Limits): Server {
  const server = createServer(httpServerOptions(limits), (req, res) => {
    void handleRequest(rt, req, res);
  });
  server.maxConnections = limits.maxConnections;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  server.on('clientError', clientErrorHandler('outbound', rt.metrics, rt.log));
  return server;
}
