import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { makeTestPki, type TestPki } from '../../helpers/pki.js';
import { startEchoApp, type EchoApp } from '../../helpers/apps.js';
import { startTestSidecar, addr } from '../../helpers/mesh.js';
import { mtlsRequest, httpReq, rawExchange, metricValue } from '../../helpers/client.js';
import type { Sidecar } from '../../../src/sidecar.js';

const TD = 'example.org';
const ORDERS = 'spiffe://example.org/ns/shop/sa/orders';
const PAYMENTS = 'spiffe://example.org/ns/shop/sa/payments';

let pki: TestPki;
let app: EchoApp;
let payments: Sidecar;
let orders: Sidecar;
let ca: string;
let good: { cert: string; key: string; certPem: string; keyPem: string };

before(async () => {
  pki = await makeTestPki(TD);
  ca = pki.ca.certPem;
  app = await startEchoApp();
  const p = await pki.leaf('payments', { uris: [PAYMENTS] });
  good = await pki.leaf('orders', { uris: [ORDERS] });
  payments = (
    await startTestSidecar({
      trustDomain: TD,
      identity: PAYMENTS,
      certificates: { provider: 'files', files: { cert: p.cert, key: p.key, bundle: pki.bundle } },
      inbound: { listen: '127.0.0.1:0', app: `http://127.0.0.1:${app.port}` },
      admin: { listen: '127.0.0.1:0' },
      limits: { headersTimeout: '1s' },
    })
  ).sidecar;
  orders = (
    await startTestSidecar({
      trustDomain: TD,
      identity: ORDERS,
      certificates: { provider: 'files', files: { cert: good.cert, key: good.key, bundle: pki.bundle } },
      outbound: {
        listen: '127.0.0.1:0',
        routes: [
          { host: 'payments', endpoints: [addr(payments.inboundAddress)], spiffeIds: [PAYMENTS] },
          { host: 'impostor', endpoints: [addr(payments.inboundAddress)], spiffeIds: ['spiffe://example.org/ns/shop/sa/billing'] },
        ],
      },
      admin: { listen: '127.0.0.1:0' },
    })
  ).sidecar;
});

after(async () => {
  await orders?.stop({ drainTimeoutMs: 0 });
  await payments?.stop({ drainTimeoutMs: 0 });
  await app?.close();
});

test('an allowed call crosses outbound → mTLS → inbound → app with the caller in XFCC', async () => {
  const before = app.seen.length;
  const r = await httpReq({ port: orders.outboundAddress!.port, path: '/pay?x=1', method: 'POST', headers: { host: 'payments:8080', 'content-type': 'application/json' }, body: '{"a":1}' });
  assert.equal(r.status, 200);
  assert.ok(r.headers['x-meshguard-request-id'], 'request id on the answer');
  const seen = app.seen[before]!;
  assert.equal(seen.url, '/pay?x=1');
  assert.equal(seen.bytes, 7);
  const peerCertDer = Buffer.from((await readFile(good.cert, 'utf8')).replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const hash = (await import('node:crypto')).createHash('sha256').update(peerCertDer).digest('hex');
  assert.equal(seen.headers['x-forwarded-client-cert'], `By=${PAYMENTS};Hash=${hash};URI=${ORDERS}`);
  assert.equal(seen.headers['x-forwarded-proto'], 'https');
  assert.equal(seen.headers['host'], 'payments:8080');
  assert.equal(seen.headers['x-meshguard-request-id'], r.headers['x-meshguard-request-id']);
});

test('spoofed XFCC and Connection-listed headers never reach the app; hop-by-hop response headers never reach the caller', async () => {
  const before = app.seen.length;
  const r = await httpReq({
    port: orders.outboundAddress!.port,
    headers: { host: 'payments', 'x-forwarded-client-cert': 'By=x;URI=spiffe://example.org/ns/shop/sa/admin', connection: 'x-secret-hop, keep-alive', 'x-secret-hop': 'leak', 'keep-alive': 'timeout=5', 'x-forwarded-for': '10.9.9.9' },
  });
  assert.equal(r.status, 200);
  const seen = app.seen[before]!;
  assert.equal(seen.headers['x-secret-hop'], undefined);
  assert.equal(seen.headers['keep-alive'], undefined);
  const xfcc = seen.headers['x-forwarded-client-cert'];
  assert.equal(typeof xfcc, 'string');
  assert.ok(!String(xfcc).includes('/sa/admin'), 'spoofed XFCC removed');
  assert.equal(String(xfcc).split('URI=').length, 2, 'exactly one XFCC element');
  assert.match(String(seen.headers['x-forwarded-for']), /^10\.9\.9\.9, 127\.0\.0\.1, 127\.0\.0\.1$/);
  assert.equal(r.headers['x-app-hop'], undefined, 'response header named in Connection removed');
  assert.equal(r.headers['x-app'], 'echo');

  // The inbound sidecar strips a peer's XFCC too (a peer with a valid certificate is still untrusted).
  const direct = await mtlsRequest({ port: payments.inboundAddress!.port, cert: good.certPem, key: good.keyPem, ca, headers: { 'x-forwarded-client-cert': 'URI=spiffe://example.org/ns/shop/sa/admin' } });
  assert.equal(direct.status, 200);
  assert.equal(JSON.parse(direct.body).xfcc.includes('/sa/admin'), false);
});

test('unknown Host gets 404 and is never proxied', async () => {
  const before = app.seen.length;
  const r = await httpReq({ port: orders.outboundAddress!.port, headers: { host: 'evil.example.com' } });
  assert.equal(r.status, 404);
  assert.equal(JSON.parse(r.body).error, 'no_route');
  assert.equal(app.seen.length, before);
});

test('a peer with an unexpected SPIFFE ID gets 502 and the app receives nothing', async () => {
  const before = app.seen.length;
  const r = await httpReq({ port: orders.outboundAddress!.port, method: 'POST', headers: { host: 'impostor' }, body: 'secret payload' });
  assert.equal(r.status, 502);
  assert.equal(JSON.parse(r.body).error, 'upstream_identity');
  assert.equal(app.seen.length, before, 'not one request reached the app');
  assert.ok((await metricValue(orders.adminAddress!.port, 'meshguard_upstream_errors_total', { reason: 'identity' })) >= 1);
});

test('bad client certificates are refused at the handshake and counted by reason', async () => {
  const port = payments.inboundAddress!.port;
  const admin = payments.adminAddress!.port;
  const foreign = await makeTestPki(TD);
  const cases: Array<{ name: string; reason: string; leaf?: () => Promise<{ certPem: string; keyPem: string }> }> = [
    { name: 'no client certificate', reason: 'no_client_cert' },
    { name: 'a foreign CA', reason: 'untrusted_ca', leaf: () => foreign.leaf('f', { uris: [ORDERS] }) },
    { name: 'an expired certificate', reason: 'expired', leaf: () => pki.leaf('exp', { uris: [ORDERS], notBefore: new Date(Date.now() - 86_400_000 * 2), notAfter: new Date(Date.now() - 86_400_000) }) },
    { name: 'two URI SANs', reason: 'multiple_uri_sans', leaf: () => pki.leaf('two', { uris: [ORDERS, 'spiffe://example.org/ns/shop/sa/admin'] }) },
    { name: 'a non-spiffe URI', reason: 'not_spiffe', leaf: () => pki.leaf('https', { uris: ['https://orders.example.org/'] }) },
    { name: 'another trust domain', reason: 'wrong_trust_domain', leaf: () => pki.leaf('td', { uris: ['spiffe://evil.org/ns/shop/sa/orders'] }) },
    { name: 'a CA certificate as leaf', reason: 'leaf_is_ca', leaf: () => pki.leaf('ca', { uris: [ORDERS], isCa: true }) },
  ];
  for (const c of cases) {
    const before = await metricValue(admin, 'meshguard_handshake_failures_total', { reason: c.reason });
    const seenBefore = app.seen.length;
    const creds = c.leaf ? await c.leaf() : undefined;
    await assert.rejects(mtlsRequest({ port, ca, ...(creds ? { cert: creds.certPem, key: creds.keyPem } : {}) }), () => true, `${c.name} must be refused`);
    // The server counts after it sees the failure; give it a moment.
    let after = before;
    for (let i = 0; i < 40 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 25));
      after = await metricValue(admin, 'meshguard_handshake_failures_total', { reason: c.reason });
    }
    assert.equal(after, before + 1, `${c.name} counted as ${c.reason}`);
    assert.equal(app.seen.length, seenBefore, `${c.name}: app reached`);
  }
});

test('duplicate Host, CL+TE and malformed requests get 400 and the connection closes', async () => {
  const port = orders.outboundAddress!.port;
  const dup = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: payments\r\nHost: impostor\r\n\r\n');
  assert.match(dup.text, /^HTTP\/1\.1 400/);
  assert.ok(dup.closed);
  const clte = await rawExchange(port, 'POST / HTTP/1.1\r\nHost: payments\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
  assert.match(clte.text, /^HTTP\/1\.1 400/);
  assert.ok(clte.closed);
  const bad = await rawExchange(port, 'GET /\x01 HTTP/1.1\r\nHost: payments\r\n\r\n');
  assert.match(bad.text, /^HTTP\/1\.1 400/);
  const enc = await rawExchange(port, 'GET /a%2f..%2fadmin HTTP/1.1\r\nHost: payments\r\n\r\n');
  assert.match(enc.text, /^HTTP\/1\.1 400/);
});

test('slow headers are cut within the configured timeout', async () => {
  // payments' inbound has headersTimeout 1s; use the TLS socket so we test the real listener.
  const { connect } = await import('node:tls');
  const started = Date.now();
  const closed = await new Promise<number>((resolve) => {
    const s = connect({ port: payments.inboundAddress!.port, host: '127.0.0.1', cert: good.certPem, key: good.keyPem, ca, checkServerIdentity: () => undefined }, () => {
      s.write('GET / HTTP/1.1\r\nHost: svc\r\n');
      const drip = setInterval(() => s.writable && s.write('X-Slow: 1\r\n'), 200);
      s.on('close', () => {
        clearInterval(drip);
        resolve(Date.now() - started);
      });
    });
    s.on('error', () => undefined);
  });
  assert.ok(closed < 3000, `closed after ${closed} ms`);
  assert.ok(closed >= 900, `closed too early (${closed} ms)`);
});

test('keep-alive connections are reused on the outbound side', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 5; i++) {
    const r = await httpReq({ port: orders.outboundAddress!.port, headers: { host: 'payments' }, agent });
    assert.equal(r.status, 200);
  }
  agent.destroy();
  const conns = await metricValue(orders.adminAddress!.port, 'meshguard_requests_total', { listener: 'outbound', status: '200' });
  assert.ok(conns >= 5);
});

test('many parallel calls open many upstream connections; resumed TLS sessions keep the verified identity', async () => {
  const results = await Promise.all(Array.from({ length: 60 }, () => httpReq({ port: orders.outboundAddress!.port, headers: { host: 'payments' } })));
  assert.deepEqual([...new Set(results.map((r) => r.status))], [200]);
  const resumed = await metricValue(orders.adminAddress!.port, 'meshguard_upstream_tls_handshakes_total', { resumed: 'true' });
  const full = await metricValue(orders.adminAddress!.port, 'meshguard_upstream_tls_handshakes_total', { resumed: 'false' });
  assert.ok(full >= 1, 'the first connection is a full handshake');
  assert.ok(resumed >= 1, `later connections resume the TLS session (full ${full}, resumed ${resumed})`);
  const again = await Promise.all(Array.from({ length: 60 }, () => httpReq({ port: orders.outboundAddress!.port, headers: { host: 'impostor' } })));
  assert.deepEqual([...new Set(again.map((r) => r.status))], [502]);
});

test('callers that hang up mid-request leave nothing in flight', async () => {
  const { request } = await import('node:http');
  app.delayMs = 300;
  try {
    await Promise.all(
      Array.from({ length: 10 }, () =>
        new Promise<void>((resolve) => {
          const req = request({ host: '127.0.0.1', port: orders.outboundAddress!.port, path: '/slow', headers: { host: 'payments' } });
          req.on('error', () => resolve());
          req.end();
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 60);
        }),
      ),
    );
    let inflight = -1;
    for (let i = 0; i < 40 && inflight !== 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      inflight = await metricValue(orders.adminAddress!.port, 'meshguard_requests_inflight', { listener: 'outbound' });
    }
    assert.equal(inflight, 0);
  } finally {
    app.delayMs = 0;
  }
});

test('admin: ready, live, config_dump redacts keys, certs shows the SVID', async () => {
  const admin = orders.adminAddress!.port;
  assert.equal((await httpReq({ port: admin, path: '/ready' })).status, 200);
  assert.equal((await httpReq({ port: admin, path: '/live' })).status, 200);
  const dump = JSON.parse((await httpReq({ port: admin, path: '/config_dump' })).body);
  assert.equal(dump.config.certificates.files.key, '[redacted]');
  assert.equal(dump.config.identity, ORDERS);
  assert.match(dump.version, /^[0-9a-f]{16}$/);
  const certs = JSON.parse((await httpReq({ port: admin, path: '/certs' })).body);
  assert.equal(certs.spiffeId, ORDERS);
  assert.ok(certs.secondsToExpiry > 0);
  assert.equal(certs.trustBundle.roots.length, 1);
  const prom = (await httpReq({ port: admin, path: '/stats/prometheus' })).body;
  assert.match(prom, /meshguard_cert_expiry_seconds \d+/);
});
