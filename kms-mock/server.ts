// @peculiar/x509 needs the Reflect metadata polyfill loaded before it (tsyringe throws otherwise).
import 'reflect-metadata';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile, access } from 'node:fs/promises';
import path from 'node:path';
import type { Socket } from 'node:net';
import { CaStore } from './ca-store.js';
import { servingIdentity } from './serving-cert.js';
import { FaultState, isFaultMode, FAULT_MODES, type FaultMode } from './faults.js';
import { IdempotencyCache, SignRefused, signCsr, requestId } from './signer.js';
import { checkSvid } from '../src/tls/svid.js';
import { parseDurationMs } from '../src/config/duration.js';
import { silentLogger, type Logger } from '../src/log.js';

export interface KmsMockOptions {
  /** host:port; port 0 picks a free one. */
  listen: string;
  stateDir: string;
  trustDomain: string;
  /** Default SVID lifetime: seconds, or a duration string (`1h`, `5s`). Default 1h. */
  ttl?: string | number;
  /** Default delay between publishing a new root and signing with it (POST /admin/rotate-ca). Default 10 s. */
  rotateDelay?: string | number;
  logger?: Logger;
}

export interface KmsMock {
  /** https://host:port */
  url: string;
  /** DIR/kms-ca.pem: the CA that verifies this server's HTTPS certificate. */
  caFile: string;
  /** DIR/bootstrap-token: authenticates a first issuance (and Vault-style calls, as X-Vault-Token). */
  tokenFile: string;
  /** DIR/bundle.pem: the SVID roots currently published. */
  bundleFile: string;
  port: number;
  /** Programmatic admin (the same as POST /admin/faults and /admin/rotate-ca). */
  setFault(mode: FaultMode | 'none', seconds?: number): void;
  rotateCa(delaySeconds?: number): Promise<{ generation: number; signFrom: Date }>;
  /** Issuances so far (successful, non-faulty), for tests and the demo's output. */
  readonly issued: number;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
const SLOW_CAP_MS = 30_000;

function splitHostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  if (i <= 0) throw new Error(`--listen must be HOST:PORT, got "${listen}"`);
  const port = Number(listen.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port in "${listen}"`);
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port };
}

async function bootstrapToken(file: string): Promise<string> {
  try {
    await access(file);
    const t = (await readFile(file, 'utf8')).trim();
    if (t) return t;
  } catch {
    /* first start */
  }
  const t = randomBytes(32).toString('base64url');
  await writeFile(file, `${t}\n`, { mode: 0o600 });
  return t;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function isLoopback(addr: string | undefined): boolean {
  if (!addr) return false;
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new SignRefused(413, 'body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (size === 0) return resolve({});
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new SignRefused(400, 'body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

/** `30s`, `30`, 30 → seconds (Vault accepts all three). */
function ttlSeconds(v: unknown, fallback: number): number {
  if (v === undefined || v === null || v === '') return fallback;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return /^[0-9]+$/.test(v) ? Number(v) : parseDurationMs(v) / 1000;
  return NaN;
}

/**
 * kms-mock: a small real KMS for development and tests. HTTPS with its own CA; first issuance by
 * bootstrap token, renewals by the current SVID over mTLS (as SPIRE does); a published trust bundle
 * with a sequence; CA rotation with overlap; fault injection; and the two Vault PKI routes the
 * `vault` adapter uses.
 */
export async function startKmsMock(opts: KmsMockOptions): Promise<KmsMock> {
  const log = (opts.logger ?? silentLogger).child({ component: 'kms-mock' });
  const defaultTtl = opts.ttl === undefined ? 3600 : parseDurationMs(opts.ttl) / 1000;
  if (!(defaultTtl > 0)) throw new Error('ttl must be positive');
  const defaultRotateDelay = opts.rotateDelay === undefined ? 10 : parseDurationMs(opts.rotateDelay) / 1000;
  const { host, port } = splitHostPort(opts.listen);
  const store = await CaStore.open(opts.stateDir, opts.trustDomain);
  const serving = await servingIdentity(opts.stateDir, host);
  const tokenFile = path.join(opts.stateDir, 'bootstrap-token');
  const token = await bootstrapToken(tokenFile);
  const faults = new FaultState();
  const idem = new IdempotencyCache();
  let issued = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const tlsOptions = (): https.ServerOptions => ({
    cert: serving.certPem,
    key: serving.keyPem,
    // Client certificates are checked against the published SVID roots; a request without one is
    // still accepted at the TLS layer (the first issuance authenticates with the bootstrap token).
    ca: store.bundle().roots,
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
  });
  const server = https.createServer(tlsOptions());
  let publishedSeq = store.bundle().sequence;
  /** Long-polling bundle watchers, answered on the next change. */
  const watchers = new Set<() => void>();
  const syncTrust = (): void => {
    const seq = store.bundle().sequence;
    if (seq !== publishedSeq) {
      publishedSeq = seq;
      server.setSecureContext(tlsOptions());
      for (const w of [...watchers]) w();
      log.info({ event: 'bundle_changed', sequence: seq }, 'kms-mock trust bundle changed');
    }
  };
  const tick = setInterval(syncTrust, 500);
  tick.unref();

  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const bearer = (req: IncomingMessage): string | undefined => {
    const h = req.headers['authorization'];
    return typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
  };

  /** The SPIFFE ID of a verified client SVID on this connection, if any. */
  const peerSpiffeId = (req: IncomingMessage): string | undefined => {
    const sock = req.socket as TLSSocket;
    if (!sock.authorized) return undefined;
    const cert = sock.getPeerX509Certificate();
    if (!cert) return undefined;
    const check = checkSvid(cert, store.trustDomain);
    return check.ok ? check.spiffeId : undefined;
  };

  /** Applies transport-level faults; returns true when the request was consumed by one. */
  const transportFault = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const f = faults.current();
    if (!f) return false;
    if (f.mode === 'down') {
      req.socket.destroy();
      return true;
    }
    if (f.mode === 'slow') {
      const ms = faults.remainingMs(SLOW_CAP_MS);
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          timers.delete(t);
          r();
        }, ms);
        timers.add(t);
      });
      if (req.socket.destroyed) return true;
      return false;
    }
    if (f.mode === 'error') {
      send(res, 503, { error: 'fault injected: error' });
      return true;
    }
    if (f.mode === 'garbage') {
      send(res, 200, randomBytes(96).toString('latin1'), 'application/json');
      return true;
    }
    return false;
  };

  const certFault = (): FaultMode | undefined => {
    const f = faults.current();
    return f && (f.mode === 'wrong-san' || f.mode === 'expired' || f.mode === 'wrong-key') ? f.mode : undefined;
  };

  async function handleSign(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = (await readBody(req)) as { csr?: unknown; spiffeId?: unknown; ttl?: unknown; idempotencyKey?: unknown };
    if (typeof body.csr !== 'string' || typeof body.spiffeId !== 'string') throw new SignRefused(400, 'csr and spiffeId are required');
    const t = bearer(req);
    const viaToken = t !== undefined && sameSecret(t, token);
    const peer = viaToken ? undefined : peerSpiffeId(req);
    if (!viaToken && peer === undefined) throw new SignRefused(401, 'a bootstrap token or a valid SVID (mTLS) is required');
    if (peer !== undefined && peer !== body.spiffeId) throw new SignRefused(403, 'an SVID may only renew its own identity');
    if (await transportFault(req, res)) return;
    const key = typeof body.idempotencyKey === 'string' && body.idempotencyKey ? body.idempotencyKey : undefined;
    const fault = certFault();
    if (key && !fault) {
      const hit = idem.get(key, body.csr);
      if (hit === 'conflict') throw new SignRefused(409, 'idempotency key reused with another CSR');
      if (hit) return send(res, 200, { chain: hit.chain, serial: hit.serial, notAfter: hit.notAfter.toISOString(), replayed: true });
    }
    const out = await signCsr(store, { csrPem: body.csr, spiffeId: body.spiffeId, ttlSeconds: ttlSeconds(body.ttl, defaultTtl), ...(fault ? { fault } : {}) });
    if (!fault) {
      issued++;
      if (key) idem.put(key, body.csr, out);
    }
    log.info({ event: 'issued', spiffeId: body.spiffeId, serial: out.serial, notAfter: out.notAfter, auth: viaToken ? 'token' : 'svid', fault }, 'kms-mock signed an SVID');
    send(res, 200, { chain: out.chain, serial: out.serial, notAfter: out.notAfter.toISOString() });
  }

  async function handleVaultSign(req: IncomingMessage, res: ServerResponse, mount: string, role: string): Promise<void> {
    const t = req.headers['x-vault-token'];
    if (typeof t !== 'string' || !sameSecret(t, token)) return send(res, 403, { errors: ['permission denied'] });
    const body = (await readBody(req)) as { csr?: unknown; uri_sans?: unknown; ttl?: unknown };
    if (typeof body.csr !== 'string') return send(res, 400, { errors: ['missing csr'] });
    const uris = Array.isArray(body.uri_sans) ? body.uri_sans : typeof body.uri_sans === 'string' ? body.uri_sans.split(',').map((s) => s.trim()).filter(Boolean) : [];
    if (uris.length !== 1 || typeof uris[0] !== 'string') return send(res, 400, { errors: ['exactly one uri_sans entry (the SPIFFE ID) is required'] });
    if (await transportFault(req, res)) return;
    const fault = certFault();
    let out;
    try {
      out = await signCsr(store, { csrPem: body.csr, spiffeId: uris[0], ttlSeconds: ttlSeconds(body.ttl, defaultTtl), ...(fault ? { fault } : {}) });
    } catch (err) {
      if (err instanceof SignRefused) return send(res, err.status, { errors: [err.message] });
      throw err;
    }
    if (!fault) issued++;
    log.info({ event: 'issued', spiffeId: uris[0], serial: out.serial, auth: 'vault-token', mount, role, fault }, 'kms-mock signed an SVID (vault route)');
    const { rootPem } = await store.signingIssuer();
    send(res, 200, {
      request_id: requestId(),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: {
        certificate: out.chain[0],
        issuing_ca: out.chain[1],
        ca_chain: [out.chain[1], rootPem],
        serial_number: out.serial.replace(/(..)(?=.)/g, '$1:'),
        expiration: Math.floor(out.notAfter.getTime() / 1000),
      },
      warnings: null,
    });
  }

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, what: string): Promise<void> {
    const t = bearer(req);
    if (!isLoopback(req.socket.remoteAddress) && !(t !== undefined && sameSecret(t, token))) {
      return send(res, 403, { error: 'admin is loopback-only or needs the bootstrap token' });
    }
    if (what === 'faults' && req.method === 'GET') return send(res, 200, { fault: faults.current() });
    const body = (await readBody(req)) as { mode?: unknown; seconds?: unknown; delaySeconds?: unknown };
    if (what === 'faults') {
      if (body.mode === 'none' || body.mode === null) {
        faults.clear();
        log.info({ event: 'fault_cleared' }, 'kms-mock fault cleared');
        return send(res, 200, { fault: null });
      }
      if (!isFaultMode(body.mode)) return send(res, 400, { error: `mode must be one of ${FAULT_MODES.join('|')}|none` });
      const seconds = body.seconds === undefined ? undefined : Number(body.seconds);
      if (seconds !== undefined && !(seconds >= 0)) return send(res, 400, { error: 'seconds must be a number >= 0' });
      const f = faults.set(body.mode, seconds);
      log.info({ event: 'fault_set', mode: f.mode, until: f.until }, 'kms-mock fault set');
      return send(res, 200, { fault: { mode: f.mode, until: f.until === null ? null : new Date(f.until).toISOString() } });
    }
    const delay = body.delaySeconds === undefined ? defaultRotateDelay : Number(body.delaySeconds);
    if (!(delay >= 0)) return send(res, 400, { error: 'delaySeconds must be a number >= 0' });
    const r = await rotateCa(delay);
    return send(res, 200, { generation: r.generation, signFrom: r.signFrom.toISOString(), sequence: store.bundle().sequence });
  }

  async function rotateCa(delaySeconds = defaultRotateDelay): Promise<{ generation: number; signFrom: Date }> {
    const g = await store.addGeneration(delaySeconds * 1000);
    syncTrust();
    log.info({ event: 'ca_rotation', generation: g.n, signFrom: g.signFrom }, 'kms-mock published a new root');
    return { generation: g.n, signFrom: g.signFrom };
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://kms-mock');
    const p = url.pathname;
    const route = async (): Promise<void> => {
      if (req.method === 'POST' && p === '/v1/svid/sign') return handleSign(req, res);
      if (req.method === 'GET' && p === '/v1/bundle') {
        if (await transportFault(req, res)) return;
        return send(res, 200, store.bundle());
      }
      if (req.method === 'GET' && p === '/v1/bundle/watch') {
        const after = Number(url.searchParams.get('after') ?? '-1');
        const waitS = Math.min(55, Math.max(0, Number(url.searchParams.get('wait') ?? '25') || 0));
        if (await transportFault(req, res)) return;
        if (!(store.bundle().sequence > after)) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              clearTimeout(t);
              timers.delete(t);
              watchers.delete(done);
              resolve();
            };
            const t = setTimeout(done, waitS * 1000);
            timers.add(t);
            watchers.add(done);
            req.socket.once('close', done);
          });
          if (req.socket.destroyed) return;
          if (await transportFault(req, res)) return;
        }
        return send(res, 200, store.bundle());
      }
      if (p === '/admin/faults' && (req.method === 'POST' || req.method === 'GET')) return handleAdmin(req, res, 'faults');
      if (p === '/admin/rotate-ca' && req.method === 'POST') return handleAdmin(req, res, 'rotate-ca');
      if (req.method === 'GET' && p === '/healthz') return send(res, 200, { ok: true });
      const parts = p.split('/');
      // /v1/<mount>/sign/<role>  and  /v1/<mount>/ca_chain
      if (req.method === 'POST' && parts.length === 5 && parts[1] === 'v1' && parts[3] === 'sign' && parts[2] && parts[4]) {
        return handleVaultSign(req, res, decodeURIComponent(parts[2]), decodeURIComponent(parts[4]));
      }
      if (req.method === 'GET' && parts.length === 4 && parts[1] === 'v1' && parts[3] === 'ca_chain' && parts[2]) {
        const t = req.headers['x-vault-token'];
        if (typeof t !== 'string' || !sameSecret(t, token)) return send(res, 403, { errors: ['permission denied'] });
        if (await transportFault(req, res)) return;
        const { intPem } = await store.signingIssuer();
        return send(res, 200, [intPem, ...store.bundle().roots].join(''), 'application/pem-certificate-chain');
      }
      send(res, 404, { error: 'not found' });
    };
    route().catch((err: unknown) => {
      if (err instanceof SignRefused) {
        if (!res.headersSent && !req.socket.destroyed) send(res, err.status, { error: err.message });
        return;
      }
      log.error({ err }, 'kms-mock request failed');
      if (!res.headersSent && !req.socket.destroyed) send(res, 500, { error: 'internal error' });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const boundPort = typeof addr === 'object' && addr ? addr.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `https://${urlHost}:${boundPort}`;
  log.info({ event: 'started', url, trustDomain: store.trustDomain, stateDir: opts.stateDir, ttl: defaultTtl }, 'kms-mock listening');

  return {
    url,
    caFile: serving.caFile,
    tokenFile,
    bundleFile: path.join(opts.stateDir, 'bundle.pem'),
    port: boundPort,
    setFault(mode, seconds) {
      if (mode === 'none') faults.clear();
      else faults.set(mode, seconds);
    },
    rotateCa,
    get issued() {
      return issued;
    },
    async close() {
      clearInterval(tick);
      for (const t of timers) clearTimeout(t);
      for (const w of [...watchers]) w();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await store.save();
    },
  };
}
