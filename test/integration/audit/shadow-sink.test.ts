import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UpstreamPool } from '../../../src/http1/upstream-pool.js';
import { Registry } from 'prom-client';
import { mirrorFilterFactory, type MirrorFilter } from '../../../src/audit/filter.js';
import type { FilterBuildContext } from '../../../src/proxy/filter.js';
import type { MeshguardConfig } from '../../../src/config/types.js';
import { silentLogger } from '../../../src/log.js';
import { makeCtx } from '../../unit/audit/fixtures.js';

interface Seen { method: string; url: string; headers: IncomingHttpHeaders; body: string }

test('http-shadow: the mirrored request reaches the shadow route with Host <host>-shadow, redacted, response discarded', async (t) => {
  const seen: Seen[] = [];
  const shadow = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(500, { 'content-type': 'text/plain' }).end('the shadow answer is thrown away');
    });
  });
  await new Promise<void>((r) => shadow.listen(0, '127.0.0.1', r));
  const pool = new UpstreamPool({ endpoints: [`127.0.0.1:${(shadow.address() as { port: number }).port}`], connections: 4, keepAliveTimeoutMs: 5_000, connectTimeoutMs: 2_000 });
  t.after(async () => { await pool.close(); shadow.close(); });

  const dir = await mkdtemp(path.join(tmpdir(), 'mg-shadow-'));
  const hooks: Array<() => Promise<void>> = [];
  const metrics = new Registry();
  const config = {
    trustDomain: 'example.org', identity: 'spiffe://example.org/a', certificates: { provider: 'files' },
    outbound: { listen: '127.0.0.1:1', routes: [{ host: 'payments', endpoints: ['127.0.0.1:2'], spiffeIds: ['spiffe://example.org/p'] }] },
    audit: {
      sinks: [{ name: 'shadow', type: 'http-shadow', route: 'payments' }],
      mirror: [{ match: { pathPrefix: '/pay' }, sample: 1, sinks: ['shadow'], capture: { headers: true, maxBodyBytes: 1024 } }],
      redact: { query: ['token'] },
    },
  } as unknown as MeshguardConfig;
  const bctx: FilterBuildContext = {
    config, configFile: path.join(dir, 'meshguard.yaml'), configDir: dir, listener: 'outbound', logger: silentLogger, metrics,
    shared: new Map(), onShutdown: (fn) => { hooks.push(fn); }, watch: () => undefined,
    routeDispatcher: (host) => (host === 'payments' ? pool : undefined),
  };
  const filter = (await mirrorFilterFactory.build(bctx)) as MirrorFilter;

  const ctx = makeCtx({
    listener: 'outbound', method: 'POST', path: '/pay/42', query: 'token=abc&currency=eur', authority: 'payments:8080',
    headers: { 'content-type': 'application/json', authorization: 'Bearer secret', 'x-trace': 't1', 'content-length': '13' },
  });
  filter.onRequestHeaders?.(ctx);
  filter.onRequestData?.(ctx, Buffer.from('{"amount":10}'));
  ctx.status = 200;
  ctx.endNs = process.hrtime.bigint();
  // onComplete is synchronous and returns before the shadow request has even been sent.
  assert.equal(filter.onComplete(ctx) as unknown, undefined);
  assert.equal(seen.length, 0);
  filter.onComplete(makeCtx({ listener: 'outbound', path: '/other', authority: 'payments' })); // not selected

  const end = Date.now() + 5000;
  while (seen.length < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  for (const h of hooks) await h();
  assert.equal(seen.length, 1);
  const s = seen[0]!;
  assert.equal(s.headers.host, 'payments-shadow:8080');
  assert.equal(s.method, 'POST');
  assert.equal(s.url, '/pay/42?token=[redacted]&currency=eur');
  assert.equal(s.body, '{"amount":10}');
  assert.equal(s.headers['authorization'], '[redacted]');
  assert.equal(s.headers['x-trace'], 't1');
  assert.equal(s.headers['x-meshguard-mirror-of'], ctx.requestId);
  const written = (await metrics.getMetricsAsJSON()).find((m) => m.name === 'audit_written_total');
  assert.equal(written?.values.find((v) => v.labels['sink'] === 'shadow')?.value, 1);
});
