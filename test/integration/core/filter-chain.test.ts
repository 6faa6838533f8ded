import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeTestPki } from '../../helpers/pki.js';
import { startTestSidecar, addr } from '../../helpers/mesh.js';
import { httpReq } from '../../helpers/client.js';
import type { Sidecar } from '../../../src/sidecar.js';
import type { Filter, FilterFactory } from '../../../src/proxy/filter.js';
import type { RequestContext } from '../../../src/proxy/context.js';

const TD = 'example.org';
const A = 'spiffe://example.org/a';
const B = 'spiffe://example.org/b';

/** A test filter that exercises every hook of the chain: body prefixes, taps and response inspection. */
const seen: { tapped: number; completed: RequestContext[]; bodies: Array<{ length: number; complete: boolean }> } = { tapped: 0, completed: [], bodies: [] };
const inspector: FilterFactory = {
  name: 'inspector',
  async build(bctx) {
    if (bctx.listener !== 'inbound') return null;
    const f: Filter = {
      name: 'inspector',
      onRequestHeaders: (ctx) => (ctx.path === '/forbidden' ? { status: 403, error: 'test_denied', reason: 'no', detail: 'rule 7' } : undefined),
      requestBodyBuffer: () => 16,
      onRequestBody: (_ctx, body, complete) => {
        seen.bodies.push({ length: body.length, complete });
        return body.includes('evil') ? { status: 403, error: 'test_body', reason: 'bad body' } : undefined;
      },
      onRequestData: (_ctx, chunk) => {
        seen.tapped += chunk.length;
      },
      onResponseHeaders: (_ctx, status) => (status === 418 ? { status: 502, error: 'test_teapot', reason: 'upstream said teapot' } : undefined),
      responseBodyBuffer: () => 8,
      onResponseBody: (_ctx, body) => (body.includes('LEAK') ? { status: 502, error: 'test_leak', reason: 'response leaked' } : undefined),
      onComplete: (ctx) => {
        seen.completed.push(ctx);
      },
    };
    return f;
  },
};

let app: Server;
let inbound: Sidecar;
let outbound: Sidecar;
before(async () => {
  const pki = await makeTestPki(TD);
  app = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/teapot') res.writeHead(418).end('short');
      else if (req.url === '/leak') res.writeHead(200).end('ok LEAK here');
      else if (req.url === '/long') res.writeHead(200).end('x'.repeat(100_000));
      else res.writeHead(200).end(`echo:${body}`);
    });
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
  const b = await pki.leaf('b', { uris: [B] });
  const a = await pki.leaf('a', { uris: [A] });
  inbound = (await startTestSidecar({ trustDomain: TD, identity: B, certificates: { provider: 'files', files: { cert: b.cert, key: b.key, bundle: pki.bundle } }, inbound: { listen: '127.0.0.1:0', app: `http://127.0.0.1:${(app.address() as AddressInfo).port}` } }, { filters: [inspector] })).sidecar;
  outbound = (await startTestSidecar({ trustDomain: TD, identity: A, certificates: { provider: 'files', files: { cert: a.cert, key: a.key, bundle: pki.bundle } }, outbound: { listen: '127.0.0.1:0', routes: [{ host: 'b', endpoints: [addr(inbound.inboundAddress)], spiffeIds: [B] }] } }, { filters: [inspector] })).sidecar;
});
after(async () => {
  await outbound?.stop({ drainTimeoutMs: 0 });
  await inbound?.stop({ drainTimeoutMs: 0 });
  await new Promise<void>((r) => app.close(() => r()));
});

const call = (path: string, body?: string) => httpReq({ port: outbound.outboundAddress!.port, path, method: body === undefined ? 'GET' : 'POST', headers: { host: 'b' }, ...(body !== undefined ? { body } : {}) });

test('a header-phase denial answers JSON with the request id and keeps the detail private', async () => {
  const r = await call('/forbidden');
  assert.equal(r.status, 403);
  const body = JSON.parse(r.body);
  assert.deepEqual(Object.keys(body).sort(), ['error', 'reason', 'requestId']);
  assert.equal(body.error, 'test_denied');
  assert.equal(body.requestId, r.headers['x-meshguard-request-id']);
  const ctx = seen.completed.find((c) => c.requestId === body.requestId)!;
  assert.equal(ctx.deniedBy, 'inspector');
  assert.equal(ctx.denyDetail, 'rule 7');
});

test('the body phase sees a complete short body, or the first bytes of a long one that still streams through whole', async () => {
  seen.bodies.length = 0;
  const short = await call('/echo', 'hello');
  assert.equal(short.body, 'echo:hello');
  assert.deepEqual(seen.bodies[0], { length: 5, complete: true });
  const long = 'a'.repeat(20) + 'b'.repeat(50_000);
  const before = seen.tapped;
  const r = await call('/echo', long);
  assert.equal(r.body, `echo:${long}`, 'prefix and rest arrive in order');
  assert.deepEqual(seen.bodies[1], { length: 16, complete: false });
  assert.equal(seen.tapped - before, long.length, 'taps saw every byte once');
  assert.equal((await call('/echo', 'an evil body')).status, 403);
});

test('response phases: headers and a body prefix can replace the answer; long bodies pass whole', async () => {
  assert.equal((await call('/teapot')).status, 502);
  const leak = await call('/leak');
  assert.equal(leak.status, 502);
  assert.equal(JSON.parse(leak.body).error, 'test_leak');
  const long = await call('/long');
  assert.equal(long.status, 200);
  assert.equal(long.body.length, 100_000);
  const ctx = seen.completed.find((c) => c.requestId === long.headers['x-meshguard-request-id'] && c.listener === 'inbound')!;
  assert.equal(ctx.bytesOut, 100_000);
});
