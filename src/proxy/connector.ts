import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import type { Connector } from '../http1/upstream-pool.js';
import type { TlsState } from '../tls/state.js';
import { checkSvid } from '../tls/svid.js';

/** The upstream presented a certificate whose identity this route does not accept. */
export class UpstreamIdentityError extends Error {
  readonly code = 'MESHGUARD_UPSTREAM_IDENTITY';
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamIdentityError';
  }
}

export interface RouteTlsPolicy {
  trustDomain: string;
  spiffeIds: ReadonlySet<string>;
  sni: string;
  connectTimeoutMs: number;
  /** Told of every upstream handshake that succeeded, and whether it resumed a TLS session. */
  onHandshake?: (resumed: boolean) => void;
}

/**
 * A connector for the upstream pool that originates mTLS with our current certificate and hands the socket to
 * the pool only after the peer's X.509-SVID names one of the route's SPIFFE IDs, so not one byte of
 * a request reaches a peer we do not accept. Hostname verification is replaced by the SPIFFE check
 * (SPIFFE authenticates workloads, not DNS names). TLS sessions are reused per endpoint while the
 * certificate generation they were made under is current.
 */
export function spiffeConnector(tls: TlsState, policy: RouteTlsPolicy): Connector {
  // A resumed TLS session carries no peer certificate on the client side (OpenSSL does not keep it in
  // the ticket), so the identity verified in the full handshake is kept beside the session: the
  // server proves it holds that session's secret, which only the verified peer was given.
  const sessions = new Map<string, { session: Buffer; generation: number; spiffeId: string }>();
  return (hostname, port, callback) => {
    const key = `${hostname}:${port}`;
    const cached = sessions.get(key);
    const generation = tls.generation;
    let done = false;
    const finish = (err: Error | null, socket: TLSSocket | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        socket?.destroy();
        callback(err, null);
      } else {
        callback(null, socket!);
      }
    };
    const socket = tlsConnect({
      host: hostname,
      port,
      secureContext: tls.client,
      ...(isIP(policy.sni) ? {} : { servername: policy.sni }),
      ALPNProtocols: ['http/1.1'],
      rejectUnauthorized: true,
      checkServerIdentity: () => undefined,
      ...(cached && cached.generation === generation ? { session: cached.session } : {}),
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    let verifiedId: string | null = null;
    socket.on('session', (session: Buffer) => {
      if (verifiedId !== null) sessions.set(key, { session, generation, spiffeId: verifiedId });
      else pendingSession = session;
    });
    let pendingSession: Buffer | null = null;
    const timer = setTimeout(() => finish(new Error(`TLS connect to ${key} timed out`), socket), policy.connectTimeoutMs);
    socket.once('secureConnect', () => {
      if (socket.isSessionReused() && cached && cached.generation === generation) {
        if (!policy.spiffeIds.has(cached.spiffeId)) return finish(new UpstreamIdentityError(`${key} is ${cached.spiffeId}, not an allowed SPIFFE ID for this route`), socket);
        verifiedId = cached.spiffeId;
        policy.onHandshake?.(true);
        return finish(null, socket);
      }
      const cert = socket.getPeerX509Certificate();
      if (!cert) return finish(new UpstreamIdentityError(`${key} presented no certificate`), socket);
      const svid = checkSvid(cert, policy.trustDomain);
      if (!svid.ok) return finish(new UpstreamIdentityError(`${key} presented an invalid SVID: ${svid.detail}`), socket);
      if (!policy.spiffeIds.has(svid.spiffeId)) return finish(new UpstreamIdentityError(`${key} is ${svid.spiffeId}, not an allowed SPIFFE ID for this route`), socket);
      verifiedId = svid.spiffeId;
      // TLS 1.3 tickets may arrive before secureConnect; keep one that came early.
      if (pendingSession !== null) sessions.set(key, { session: pendingSession, generation, spiffeId: verifiedId });
      policy.onHandshake?.(false);
      finish(null, socket);
    });
    socket.once('error', (err) => {
      sessions.delete(key);
      finish(err, socket);
    });
  };
}
