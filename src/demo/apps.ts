import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The demo's two workloads. `payments` echoes who called it (the XFCC header its sidecar set);
 * `orders` calls payments through its own outbound sidecar at /checkout, as a real app would.
 */
export function paymentsApp(): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const xfcc = req.headers['x-forwarded-client-cert'];
      const caller = typeof xfcc === 'string' ? /URI=([^;,]+)/.exec(xfcc)?.[1] ?? null : null;
      const body = JSON.stringify({
        service: 'payments',
        method: req.method,
        path: req.url,
        caller,
        xfcc: xfcc ?? null,
        requestId: req.headers['x-meshguard-request-id'] ?? null,
        receivedBytes: Buffer.concat(chunks).length,
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body + '\n');
    });
  });
}

export function ordersApp(outbound: () => AddressInfo | null): Server {
  return createServer((req, res) => {
    if (req.url !== '/checkout') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ service: 'orders', path: req.url, caller: req.headers['x-forwarded-client-cert'] ?? null }) + '\n');
      return;
    }
    const out = outbound();
    if (!out) {
      res.writeHead(503);
      res.end('no outbound sidecar\n');
      return;
    }
    // The app speaks plain HTTP to its sidecar; Host picks the route, the sidecar does mTLS.
    const up = request({ host: out.address, port: out.port, method: 'POST', path: '/pay', headers: { host: 'payments', 'content-type': 'application/json' } }, (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ service: 'orders', paymentsStatus: upRes.statusCode, payments: safeJson(Buffer.concat(chunks).toString()) }) + '\n');
      });
    });
    up.on('error', (err) => {
      res.writeHead(502);
      res.end(JSON.stringify({ error: err.message }) + '\n');
    });
    up.end(JSON.stringify({ order: 42, amount: '9.99' }));
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
