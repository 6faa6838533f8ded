import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { Registry } from 'prom-client';
import { mirrorFilterFactory, type MirrorFilter } from '../../../src/audit/filter.js';
import type { FilterBuildContext } from '../../../src/proxy/filter.js';
import type { MeshguardConfig } from '../../../src/config/types.js';
import { silentLogger } from '../../../src/log.js';
import { makeCtx } from '../../unit/audit/fixtures.js';

const URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

test('a nats sink from config: records of the matching rule land on the machine\'s JetStream, once each', async (t) => {
  const tag = randomBytes(4).toString('hex');
  const stream = `MG_AUDIT_TEST_${tag}`;
  const subject = `mg.audit.test.${tag}`;
  const nc = await connect({ servers: URL });
  const jsm = await nc.jetstreamManager();
  t.after(async () => { await jsm.streams.delete(stream).catch(() => undefined); await nc.close(); });

  const dir = await mkdtemp(path.join(tmpdir(), 'mg-nats-cfg-'));
  const hooks: Array<() => Promise<void>> = [];
  const bctx: FilterBuildContext = {
    config: { audit: {
      sinks: [{ name: 'bus', type: 'nats', url: URL, stream, subject, spoolDir: './spool' }],
      mirror: [{ match: { rbac: 'deny' }, sample: 1, sinks: ['bus'], capture: { headers: true } }],
    } } as unknown as MeshguardConfig,
    configFile: path.join(dir, 'meshguard.yaml'), configDir: dir, listener: 'inbound', logger: silentLogger, metrics: new Registry(),
    shared: new Map(), onShutdown: (fn) => { hooks.push(fn); }, watch: () => undefined, routeDispatcher: () => undefined,
  };
  const f = (await mirrorFilterFactory.build(bctx)) as MirrorFilter;
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const denied = makeCtx({ path: `/admin/${i}`, headers: { authorization: 'Bearer s3cret' } });
    denied.rbac = { decision: 'deny', rule: null, policyVersion: 'v', mode: 'enforce' };
    denied.status = 403;
    ids.push(denied.requestId);
    f.onComplete(denied);
    f.onComplete(makeCtx({ path: `/ok/${i}` })); // not selected
  }
  for (const h of hooks) await h();
  const info = await jsm.streams.info(stream);
  assert.equal(info.state.messages, 5);
  const got: Array<Record<string, unknown>> = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    got.push(JSON.parse(new TextDecoder().decode((await jsm.streams.getMessage(stream, { seq })).data)) as Record<string, unknown>);
  }
  assert.deepEqual(got.map((r) => r['requestId']), ids);
  assert.deepEqual(got.map((r) => r['seq']), [1, 2, 3, 4, 5]);
  assert.ok(got.every((r) => (r['request'] as { headers: Record<string, string> }).headers['authorization'] === '[redacted]'));
});
