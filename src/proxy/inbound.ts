import { createServer, type Server } from 'node:https';
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { TlsState } from '../tls/state.js';
import { checkSvid } from '../tls/svid.js';
import type { Limits } from './limits.js';
import { httpServerOptions } from './limits.js';
import { handleRequest, PEER, type ListenerRuntime, type PeerSocket } from './forward.js';
import { clientErrorHandler } from './client-error.js';

/** Maps OpenSSL / Node handshake errors to a small set of metric labels. */
export function handshakeFailureReason(err: Error & { code?: string; reason?: string }): string {
  const text = `${err.code ?? ''} ${err.message}`.toLowerCase();
  if (text.includes('peer did not return a certificate') || text.includes('peer_did_not_return')) return 'no_client_cert';
  if (text.includes('certificate has expired') || text.includes('cert_has_expired')) return 'expired';
  if (text.includes('not yet valid')) return 'not_yet_valid';
  if (text.includes('unknown ca') || text.includes('unable to get') || text.includes('self-signed') || text.includes('self signed') || text.includes('certificate verify failed') || text.includes('certificate signature failure')) return 'untrusted_ca';
  if (text.includes('unsupported protocol') || text.includes('wrong version') || text.includes('version too low')) return 'protocol_version';
  if (text.includes('no shared cipher') || text.includes('no cipher')) return 'no_shared_cipher';
  if (text.includes('timed out') || text.includes('timeout')) return 'timeout';
  if (text.includes('econnreset') || text.includes('socket hang up')) return 'reset';
  if (text.includes('http request') || text.includes('wrong version number')) return 'not_tls';
  return 'other';
}

/**
 * The inbound listener: terminates mTLS. OpenSSL verifies the chain against our bundle during the
 * handshake (client certificate required); the X.509-SVID rules OpenSSL does not know are checked
 * as the handshake completes, before a byte of HTTP is read, and a failure closes the connection.
 */
export function createInboundServer(rt: ListenerRuntime, tls: TlsState, limits: Limits, trustDomain: string): Server {
  const server = createServer(
    {
      ...tls.serverOptions,
      requestCert: true,
      rejectUnauthorized: true,
      handshakeTimeout: limits.handshakeTimeoutMs,
      ALPNProtocols: ['http/1.1'],
      ...httpServerOptions(limits),
    },
    (req, res) => {
      void handleRequest(rt, req, res);
    },
  );
  tls.attach(server);
  server.maxConnections = limits.maxConnections;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    const cert = socket.getPeerX509Certificate();
    if (!cert) {
      rt.metrics.handshakeFailures.inc({ reason: 'no_client_cert' });
      socket.destroy();
      return;
    }
    const svid = checkSvid(cert, trustDomain);
    if (!svid.ok) {
      rt.metrics.handshakeFailures.inc({ reason: svid.reason });
      rt.log.warn({ event: 'handshake_refused', reason: svid.reason, detail: svid.detail, remote: socket.remoteAddress }, 'peer certificate is not an acceptable X.509-SVID');
      socket.destroy();
      return;
    }
    (socket as unknown as PeerSocket)[PEER] = {
      spiffeId: svid.spiffeId,
      certSha256: createHash('sha256').update(cert.raw).digest('hex'),
      serial: cert.serialNumber,
    };
  });
  server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
    const reason = handshakeFailureReason(err);
    rt.metrics.handshakeFailures.inc({ reason });
    rt.log.warn({ event: 'handshake_refused', reason, detail: err.message, remote: socket.remoteAddress }, 'TLS handshake refused');
  });
  server.on('clientError', clientErrorHandler('inbound', rt.metrics, rt.log));
  return server;
}
