import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { wafFilterFactory } from '../../../src/waf/filter.js';
import { silentLogger } from '../../../src/log.js';
import { RequestContext, type RequestHead } from '../../../src/proxy/context.js';
import type { Filter } from '../../../src/proxy/filter.js';
import type { MeshguardConfig } from '../../../src/config/types.js';
import type { WafConfig } from '../../../src/waf/config-schema.js';

const RULES = [
  'SecRule REQUEST_HEADERS:X-Attack "@streq yes" "id:1001,phase:1,deny,status:403,log,msg:\'attack header\'"',
  'SecRule REQUEST_BODY "@contains evil" "id:1002,phase:2,deny,status:403,log,msg:\'evil body\'"',
  'SecRule RESPONSE_STATUS "@streq 500" "id:1003,phase:3,deny,status:502,log,msg:\'upstream failed\'"',
].join('\n');

async function filterWith(waf: Partial<WafConfig>): Promise<{ f: Filter; metrics: Registry }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mg-waf-life-'));
  await writeFile(path.join(dir, 'rules.conf'), RULES);
  const metrics = new Registry();
  const f = await wafFilterFactory.build({
    config: { waf: { mode: 'block', rules: ['rules.conf'], ...waf } } as unknown as MeshguardConfig,
    configFile: path.join(dir, 'meshguard.yaml'), configDir: dir, listener: 'inbound', logger: silentLogger,
    metrics, shared: new Map(), onShutdown: () => undefined, watch: () => undefined, routeDispatcher: () => undefined,
  });
  assert.ok(f);
  return { f, metrics };
}

function ctxFor(headers: [string, string][], method = 'GET'): RequestContext {
  const rawHeaders: string[] = [];
  const lower: Record<string, string> = {};
  for (const [k, v] of headers) { rawHeaders.push(k, v); lower[k.toLowerCase()] = v; }
  const req = { method, url: '/', httpVersion: '1.1', rawHeaders, headers: lower, socket: { remoteAddress: '127.0.0.1', remotePort: 5000 }, complete: true } as RequestHead;
  return new RequestContext({
    requestId: `r-${Math.random().toString(36).slice(2)}`, listener: 'inbound', req, peer: null,
    ourIdentity: 'spiffe://example.org/a', path: '/', query: '', authority: 'app', startNs: 0n,
  });
}

async function counted(metrics: Registry): Promise<Record<string, number>> {
  const m = await metrics.getSingleMetric('waf_requests_total')!.get();
  const out: Record<string, number> = {};
  for (const v of m.values) out[String(v.labels['action'])] = v.value;
  return out;
}

test('responses not inspected: a bodiless request is finished (phase 5, counted) in its request phases, once', async () => {
  const { f, metrics } = await filterWith({});
  const ctx = ctxFor([['Host', 'app']]);
  assert.equal(f.onRequestHeaders!(ctx), undefined);
  assert.deepEqual(await counted(metrics), { pass: 1 }, 'counted before the response came');
  assert.equal(f.requestBodyBuffer!(ctx), 0, 'nothing left to buffer for');
  assert.equal(f.onResponseHeaders!(ctx, 500, { 'content-type': 'text/plain' }), undefined, 'phase 3 not run');
  f.onComplete!(ctx);
  assert.deepEqual(await counted(metrics), { pass: 1 }, 'not counted twice');
  assert.equal(ctx.waf?.action, 'pass');
});

test('responses not inspected: a request with a body stays open until its body was inspected', async () => {
  const { f, metrics } = await filterWith({});
  const ctx = ctxFor([['Host', 'app'], ['Content-Length', '9']], 'POST');
  assert.equal(f.onRequestHeaders!(ctx), undefined);
  assert.deepEqual(await counted(metrics), {});
  assert.ok(f.requestBodyBuffer!(ctx) > 0, 'the body is still wanted');
  const d = f.onRequestBody!(ctx, Buffer.from('an evil x'), true);
  assert.equal((d as { status: number } | undefined)?.status, 403);
  assert.deepEqual(await counted(metrics), { block: 1 });
  assert.deepEqual(ctx.waf?.ruleIds, [1002]);
  f.onComplete!(ctx);
  assert.deepEqual(await counted(metrics), { block: 1 });
});

test('responses not inspected: a request blocked in phase 1 is finished there', async () => {
  const { f, metrics } = await filterWith({});
  const ctx = ctxFor([['Host', 'app'], ['X-Attack', 'yes'], ['Content-Length', '4']], 'POST');
  const d = f.onRequestHeaders!(ctx);
  assert.equal((d as { status: number } | undefined)?.status, 403);
  assert.deepEqual(await counted(metrics), { block: 1 });
  assert.equal(f.requestBodyBuffer!(ctx), 0);
  f.onComplete!(ctx);
  assert.deepEqual(await counted(metrics), { block: 1 });
});

test('responses inspected: the transaction lives on to phases 3-4 and is finished when the exchange completes', async () => {
  const { f, metrics } = await filterWith({ inspectResponse: true });
  const ctx = ctxFor([['Host', 'app']]);
  assert.equal(f.onRequestHeaders!(ctx), undefined);
  assert.deepEqual(await counted(metrics), {});
  const d = f.onResponseHeaders!(ctx, 500, { 'content-type': 'text/plain' });
  assert.equal((d as { status: number } | undefined)?.status, 502, 'phase 3 ran on the response');
  f.onComplete!(ctx);
  assert.deepEqual(await counted(metrics), { block: 1 });
});
