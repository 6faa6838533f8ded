import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { mirrorFilterFactory, MirrorFilter } from '../../../src/audit/filter.js';
import type { FilterBuildContext } from '../../../src/proxy/filter.js';
import type { MeshguardConfig } from '../../../src/config/types.js';
import type { AuditConfig } from '../../../src/audit/config-schema.js';
import { verifyAuditDir } from '../../../src/audit/verify.js';
import { listAuditFiles } from '../../../src/audit/audit-files.js';
import { silentLogger } from '../../../src/log.js';
import { makeKeys } from './file-helpers.js';
import { makeCtx } from './fixtures.js';

interface Harness {
  bctx: (listener: 'inbound' | 'outbound', audit: AuditConfig) => FilterBuildContext;
  shutdown: () => Promise<void>;
  metrics: Registry;
  dir: string;
}

async function harness(): Promise<Harness> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mg-mirror-'));
  const shared = new Map<string, unknown>();
  const hooks: Array<() => Promise<void>> = [];
  const metrics = new Registry();
  return {
    dir,
    metrics,
    bctx: (listener, audit) => ({
      config: { trustDomain: 'example.org', identity: 'spiffe://example.org/a', certificates: { provider: 'files' }, audit } as MeshguardConfig,
      configFile: path.join(dir, 'meshguard.yaml'),
      configDir: dir,
      listener,
      logger: silentLogger,
      metrics,
      shared,
      onShutdown: (fn) => { hooks.push(fn); },
      watch: () => undefined,
      routeDispatcher: () => undefined,
    }),
    shutdown: async () => { for (const h of hooks) await h(); },
  };
}

test('no audit section, no filter', async () => {
  const h = await harness();
  const b = h.bctx('inbound', undefined as unknown as AuditConfig);
  assert.equal(await mirrorFilterFactory.build(b), null);
});

test('selected exchanges on both listeners become records in the file sink; shutdown seals the directory', async () => {
  const h = await harness();
  const keys = await makeKeys();
  const audit: AuditConfig = {
    sinks: [{ name: 'local', type: 'file', dir: './audit', signingKey: keys.privFile, checkpoint: { records: 100 } }],
    mirror: [
      { match: { rbac: 'deny' }, sample: 1, sinks: ['local'], capture: { headers: true, maxBodyBytes: 8 } },
      { match: { pathPrefix: '/skip' }, sample: 0, sinks: ['local'] },
      { match: { method: 'POST' }, sample: 1, sinks: ['local'], capture: { maxBodyBytes: 1024 } },
    ],
    redact: { jsonFields: ['password'] },
  };
  const inbound = (await mirrorFilterFactory.build(h.bctx('inbound', audit))) as MirrorFilter;
  const outbound = (await mirrorFilterFactory.build(h.bctx('outbound', audit))) as MirrorFilter;
  assert.ok(inbound && outbound);

  const run = (f: MirrorFilter, ctx: ReturnType<typeof makeCtx>, reqBody?: string, resBody?: string) => {
    f.onRequestHeaders?.(ctx);
    if (reqBody) for (const c of [reqBody.slice(0, 5), reqBody.slice(5)]) f.onRequestData?.(ctx, Buffer.from(c));
    if (resBody) f.onResponseData?.(ctx, Buffer.from(resBody));
    ctx.endNs = process.hrtime.bigint();
    f.onComplete(ctx);
  };
  const denied = makeCtx({ listener: 'inbound', method: 'POST', path: '/admin', headers: { authorization: 'Bearer xyz', 'content-type': 'text/plain' } });
  denied.rbac = { decision: 'deny', rule: null, policyVersion: 'v1', mode: 'enforce' };
  denied.status = 403;
  run(inbound, denied, 'a body longer than eight bytes');
  run(inbound, makeCtx({ path: '/skip/me', method: 'POST' }), 'x');
  run(inbound, makeCtx({ path: '/get', method: 'GET' }));
  const post = makeCtx({ listener: 'outbound', method: 'POST', path: '/login', headers: { 'content-type': 'application/json' } });
  run(outbound, post, JSON.stringify({ user: 'u', password: 'hunter2' }), '{"ok":true}');

  await h.shutdown();
  const report = await verifyAuditDir(path.join(h.dir, 'audit'), keys.pub);
  assert.equal(report.ok, true, JSON.stringify(report.firstBad));
  assert.equal(report.records, 2);
  const file = (await listAuditFiles(path.join(h.dir, 'audit')))[0]!;
  const text = await readFile(path.join(h.dir, 'audit', file), 'utf8');
  assert.ok(!text.includes('hunter2') && !text.includes('Bearer xyz'));
  const recs = text.split('\n').filter((l) => l.startsWith('{"v"')).map((l) => JSON.parse(l));
  assert.deepEqual(recs.map((r) => [r.listener, r.path, r.rule]), [['inbound', '/admin', 0], ['outbound', '/login', 2]]);
  assert.deepEqual(recs[0].request.body, { encoding: 'utf8', data: 'a body l', bytes: 30, captured: 8, truncated: true });
  assert.equal(recs[0].request.headers.authorization, '[redacted]');
  assert.equal(JSON.parse(recs[1].request.body.data).password, '[redacted]');
  assert.equal(recs[1].response.body.data, '{"ok":true}');
  const truncated = (await h.metrics.getMetricsAsJSON()).find((m) => m.name === 'audit_body_truncated_total');
  assert.equal(truncated?.values[0]?.value, 1);
});

test('a rebuild (reload) reuses the open sink; changing its settings is refused and keeps it', async () => {
  const h = await harness();
  const keys = await makeKeys();
  const audit: AuditConfig = {
    sinks: [{ name: 'local', type: 'file', dir: './audit', signingKey: keys.privFile }],
    mirror: [{ sample: 1, sinks: ['local'] }],
  };
  const f1 = (await mirrorFilterFactory.build(h.bctx('inbound', audit))) as MirrorFilter;
  f1.onComplete(makeCtx({ path: '/one' }));
  const f2 = (await mirrorFilterFactory.build(h.bctx('inbound', { ...audit, mirror: [{ match: { pathPrefix: '/t' }, sample: 1, sinks: ['local'] }] }))) as MirrorFilter;
  f2.onComplete(makeCtx({ path: '/two' }));
  f2.onComplete(makeCtx({ path: '/not-selected' }));
  const changed: AuditConfig = { ...audit, sinks: [{ ...audit.sinks[0]!, fsync: 'always' }] };
  await assert.rejects(mirrorFilterFactory.build(h.bctx('inbound', changed)), /meshguard\.yaml: audit\.sinks\[local\]: changing the settings of a running sink needs a restart/);
  f1.onComplete(makeCtx({ path: '/three' }));
  await h.shutdown();
  const report = await verifyAuditDir(path.join(h.dir, 'audit'), keys.pub);
  assert.equal(report.ok, true, JSON.stringify(report.firstBad));
  assert.equal(report.records, 3);
  assert.equal(report.files, 1); // one writer, one file: the reload did not reopen it
});

test('a bad key file or pattern fails the build with the config file named', async () => {
  const h = await harness();
  await assert.rejects(
    mirrorFilterFactory.build(h.bctx('inbound', { sinks: [{ name: 'local', type: 'file', dir: './a', signingKey: './missing.pem' }], mirror: [{ sample: 1, sinks: ['local'] }] })),
    /meshguard\.yaml: audit\.sinks\[local\]: .*missing\.pem: cannot read the checkpoint signing key/,
  );
  await assert.rejects(
    mirrorFilterFactory.build(h.bctx('inbound', { sinks: [{ name: 's', type: 'nats', url: 'nats://127.0.0.1:1', stream: 'S', subject: 's' }], mirror: [{ match: { path: '(?<=x)' }, sample: 1, sinks: ['s'] }] })),
    /meshguard\.yaml: audit\.mirror\[0\]\.match\.path: invalid RE2 pattern/,
  );
});

test('a sink opened by a snapshot that failed to build is still flushed at shutdown by the next one', async () => {
  const h = await harness();
  const keys = await makeKeys();
  const audit: AuditConfig = {
    sinks: [{ name: 'local', type: 'file', dir: './audit', signingKey: keys.privFile }],
    mirror: [{ sample: 1, sinks: ['local'] }],
  };
  // The first build's hooks are thrown away, as the sidecar does when a later filter fails.
  const lost = h.bctx('inbound', audit);
  const f1 = (await mirrorFilterFactory.build({ ...lost, onShutdown: () => undefined })) as MirrorFilter;
  f1.onComplete(makeCtx({ path: '/a' }));
  const f2 = (await mirrorFilterFactory.build(h.bctx('inbound', audit))) as MirrorFilter;
  f2.onComplete(makeCtx({ path: '/b' }));
  await h.shutdown();
  const report = await verifyAuditDir(path.join(h.dir, 'audit'), keys.pub);
  assert.equal(report.ok, true, JSON.stringify(report.firstBad));
  assert.equal(report.records, 2);
});

test('the sample is cast at the headers when the rule is sure to win: an unsampled request copies no body; a rule that needs the outcome still wins first', async () => {
  const h = await harness();
  const keys = await makeKeys();
  const audit: AuditConfig = {
    sinks: [{ name: 'local', type: 'file', dir: './audit', signingKey: keys.privFile }],
    mirror: [
      { match: { status: '5xx' }, sample: 1, sinks: ['local'], capture: { maxBodyBytes: 64 } },
      { match: { pathPrefix: '/never' }, sample: 0, sinks: ['local'], capture: { maxBodyBytes: 64 } },
      { match: { pathPrefix: '/always' }, sample: 1, sinks: ['local'], capture: { maxBodyBytes: 64 } },
    ],
  };
  const f = (await mirrorFilterFactory.build(h.bctx('inbound', audit))) as MirrorFilter;
  const run = (p: string, status: number) => {
    const ctx = makeCtx({ path: p, method: 'POST' });
    f.onRequestHeaders?.(ctx);
    f.onRequestData?.(ctx, Buffer.from('payload'));
    ctx.status = status;
    f.onComplete(ctx);
    return ctx.ext['mirror'] as { req: { total: number } | null } | undefined;
  };
  // /never: the 5xx rule may still match, so the body is copied (cap 64) ...
  assert.equal(run('/never', 200)?.req?.total, 7);
  run('/never', 503); // ... and here it does: recorded by rule 0 with its body
  assert.equal(run('/always', 200)?.req?.total, 7);
  await h.shutdown();
  const file = (await listAuditFiles(path.join(h.dir, 'audit')))[0]!;
  const recs = (await readFile(path.join(h.dir, 'audit', file), 'utf8')).split('\n').filter((l) => l.startsWith('{"v"')).map((l) => JSON.parse(l));
  assert.deepEqual(recs.map((r) => [r.path, r.rule, r.request.body?.data]), [['/never', 0, 'payload'], ['/always', 2, 'payload']]);

  // Without an outcome rule in front, an unsampled request gets no body copy at all.
  const h2 = await harness();
  const f2 = (await mirrorFilterFactory.build(h2.bctx('inbound', { ...audit, mirror: audit.mirror.slice(1) }))) as MirrorFilter;
  const ctx = makeCtx({ path: '/never', method: 'POST' });
  f2.onRequestHeaders?.(ctx);
  assert.equal((ctx.ext['mirror'] as { req: unknown }).req, null);
  await h2.shutdown();
});

test('without a body capture the filter has only onComplete: requests pay for no tap', async () => {
  const h = await harness();
  const keys = await makeKeys();
  const f = (await mirrorFilterFactory.build(h.bctx('inbound', {
    sinks: [{ name: 'local', type: 'file', dir: './audit', signingKey: keys.privFile }],
    mirror: [{ match: { pathPrefix: '/x' }, sample: 0.5, sinks: ['local'], capture: { headers: true } }],
  }))) as MirrorFilter;
  assert.equal(f.onRequestHeaders, undefined);
  assert.equal(f.onRequestData, undefined);
  assert.equal(f.onResponseData, undefined);
  assert.equal(typeof f.onComplete, 'function');
  await h.shutdown();
});
