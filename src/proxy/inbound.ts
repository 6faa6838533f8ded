import { createServer, type Server } from 'node:tls';
import type { TlsState } from '../tls/state.js';
import type { Limits } from './limits.js';
import { handleRequest, type ListenerRuntime } from './forward.js';
import { verifyInboundPeers } from './peer-verify.js';
import { clientErrorHandler } from './client-error.js';
import { Http1Server } from '../http1/server.js';
import { http1Options, type ProxyListener } from './listener.js';

/**
 * The inbound listener: terminates mTLS. A client certificate is required: OpenSSL verifies its chain
 * against our bundle during the handshake, and the verdict plus the X.509-SVID rules OpenSSL does not
 * know are applied as the handshake completes, before a byte of HTTP is read; a failure closes the
 * connection.
 */
export function createInboundServer(rt: ListenerRuntime, tls: TlsState, limits: Limits, trustDomain: string): ProxyListener<Server> {
  const server = createServer({
    ...tls.serverOptions,
    requestCert: true,
    // OpenSSL still verifies the chain against our bundle; the verdict is read in secureConnection
    // (socket.authorized) so every refusal has a precise reason. Under TLS 1.3 an OpenSSL-side
    // rejection reaches Node only as "socket hang up".
    rejectUnauthorized: false,
    handshakeTimeout: limits.handshakeTimeoutMs,
    ALPNProtocols: ['http/1.1'],
  });
  tls.attach(server);
  server.maxConnections = limits.maxConnections;
  // Registered first, so a refused peer never has a byte of HTTP read.
  verifyInboundPeers(server, rt, trustDomain);
  const http = new Http1Server(http1Options(limits), (req, res) => handleRequest(rt, req, res));
  http.onClientError = clientErrorHandler('inbound', rt.metrics, rt.log);
  http.attach(server, 'secureConnection');
  return { server, http };
}
