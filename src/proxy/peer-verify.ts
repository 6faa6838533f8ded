import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { SvidCache } from '../tls/svid-cache.js';
import { PEER, type ListenerRuntime, type PeerSocket } from './forward.js';

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

/** OpenSSL X509 verify codes (socket.authorizationError) mapped to metric labels. */
export function verifyErrorReason(code: string): string {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return 'expired';
    case 'CERT_NOT_YET_VALID':
      return 'not_yet_valid';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
      return 'untrusted_ca';
    default:
      return 'invalid_chain';
  }
}

/**
 * Applies OpenSSL's verdict and the X.509-SVID rules OpenSSL does not know as each inbound handshake
 * completes, before a byte of HTTP is read, and records the verified identity on the socket; a
 * refused peer is counted, logged and disconnected. The SVID verdict of a certificate already seen is
 * reused (keyed by its SHA-256, validity window checked again); OpenSSL's chain verdict is read on
 * every connection.
 */
export function verifyInboundPeers(server: TlsServer, rt: ListenerRuntime, trustDomain: string): void {
  const svids = new SvidCache(trustDomain);
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    const refuse = (reason: string, detail: string) => {
      rt.metrics.handshakeFailures.inc({ reason });
      rt.log.warn({ event: 'handshake_refused', reason, detail, remote: socket.remoteAddress }, 'peer certificate refused');
      socket.destroy();
    };
    const cert = socket.getPeerX509Certificate();
    if (!cert) return refuse('no_client_cert', 'no client certificate');
    if (!socket.authorized) {
      const code = String(socket.authorizationError ?? 'unknown');
      return refuse(verifyErrorReason(code), code);
    }
    const r = svids.check(cert);
    if (!r.ok) return refuse(r.reason, r.detail);
    (socket as unknown as PeerSocket)[PEER] = r.svid;
  });
  server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
    const reason = handshakeFailureReason(err);
    rt.metrics.handshakeFailures.inc({ reason });
    rt.log.warn({ event: 'handshake_refused', reason, detail: err.message, remote: socket.remoteAddress }, 'TLS handshake refused');
  });
}
