import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { connect as netConnect } from 'node:net';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request with a client certificate (or none) to an mTLS listener. Rejects on handshake failure. */
export function mtlsRequest(opts: { port: number; cert?: string; key?: string; ca: string; path?: string; method?: string; headers?: OutgoingHttpHeaders; body?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: opts.port,
        path: opts.path ?? '/',
        method: opts.method ?? 'GET',
        headers: { host: 'svc', ...(opts.headers ?? {}) },
        ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
        ca: opts.ca,
        agent: false,
        checkServerIdentity: () => undefined,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Plain HTTP to an outbound listener. */
export function httpReq(opts: { port: number; path?: string; method?: string; headers?: OutgoingHttpHeaders; body?: string | Buffer; agent?: import('node:http').Agent | false }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: opts.port, path: opts.path ?? '/', method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: opts.agent ?? false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Writes raw bytes and returns everything the server sent until it closed (or timeoutMs passed). */
export function rawExchange(port: number, data: string, timeoutMs = 5000): Promise<{ text: string; closed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const sock = netConnect(port, '127.0.0.1', () => sock.write(data));
    let text = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ text, closed: false, ms: Date.now() - started });
    }, timeoutMs);
    sock.on('data', (c) => (text += c.toString()));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true, ms: Date.now() - started });
    });
    sock.on('error', () => undefined);
  });
}

export async function metricValue(adminPort: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  const r = await httpReq({ port: adminPort, path: '/stats/prometheus' });
  let total = 0;
  for (const line of r.body.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    if (Object.entries(labels).every(([k, v]) => rest.includes(`${k}="${v}"`))) total += Number(line.split(' ').pop());
  }
  return total;
}

/** GET / over mTLS; reports the server certificate's serial and the socket that carried it. */
export function mtlsGet(port: number, creds: { certPem: string; keyPem: string }, ca: string, agent: HttpsAgent | false = false): Promise<{ status: number; serial: string; socket: TLSSocket }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/', headers: { host: 'svc' }, cert: creds.certPem, key: creds.keyPem, ca, agent, checkServerIdentity: () => undefined }, (res) => {
      const socket = res.socket as TLSSocket;
      const serial = socket.getPeerX509Certificate()?.serialNumber ?? '';
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, serial, socket }));
    });
    req.on('error', reject);
    req.end();
  });
}
