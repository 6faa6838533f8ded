import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'nats';
import { Registry } from 'prom-client';
import { SinkRunner } from '../../../src/audit/runner.js';
import { NatsSink } from '../../../src/audit/sinks/nats.js';
import { GENESIS_HASH, recordHash } from '../../../src/audit/chain.js';
import type { AuditRecord } from '../../../src/audit/record.js';
import { silentLogger } from '../../../src/log.js';
import { sampleRecord } from '../../unit/audit/file-helpers.js';
import { freePort, OwnNatsServer } from './nats-server.js';

const until = async (cond: () => Promise<boolean> | boolean, ms: number, what: string) => {
  const end = Date.now() + ms;
  while (!(await cond())) { if (Date.now() > end) throw new Error(`timed out waiting for ${what}`); await new Promise((r) => setTimeout(r, 50)); }
};

async function metric(reg: Registry, name: string): Promise<number> {
  const m = (await reg.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values[0]?.value as number | undefined) ?? 0;
}

async function readStream(url: string, stream: string): Promise<AuditRecord[]> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(stream);
    const out: AuditRecord[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      assert.equal(m.header.get('Nats-Msg-Id'), JSON.parse(new TextDecoder().decode(m.data)).id);
      out.push(JSON.parse(new TextDecoder().decode(m.data)) as AuditRecord);
    }
    return out;
  } finally {
    await nc.close();
  }
}

test('NATS stopped during traffic: records spool, NATS restarts, every record arrives exactly once, in chain order', { timeout: 90_000 }, async (t) => {
  const store = await mkdtemp(path.join(tmpdir(), 'mg-nats-'));
  const spoolDir = await mkdtemp(path.join(tmpdir(), 'mg-nats-spool-'));
  const server = new OwnNatsServer(await freePort(), store);
  t.after(async () => { await server.stop(); await rm(store, { recursive: true, force: true }); await rm(spoolDir, { recursive: true, force: true }); });
  await server.start();

  const reg = new Registry();
  const sink = new NatsSink({ name: 'bus', url: server.url, stream: 'MG_AUDIT_T', subject: 'mg.audit.t', createStream: true, ackTimeoutMs: 400, retries: 2, logger: silentLogger });
  const runner = new SinkRunner(sink, { queue: 20, onFull: 'spool', spoolDir, spoolMaxBytes: 16 << 20, flushTimeoutMs: 5000, batch: 16 }, reg, silentLogger);
  await runner.init();
  const sent: AuditRecord[] = [];
  const send = (n: number) => { for (let i = 0; i < n; i++) { const r = sampleRecord(sent.length); sent.push(r); runner.enqueue(r); } };

  send(40);
  await until(async () => (await metric(reg, 'audit_written_total')) === 40, 10_000, 'first 40 records');

  await server.stop();
  // Traffic goes on while NATS is down (enqueue is synchronous: it cannot wait on the sink).
  for (let burst = 0; burst < 6; burst++) {
    send(20);
    await new Promise((r) => setTimeout(r, 150));
  }
  await until(async () => (await metric(reg, 'audit_spooled_total')) > 0, 10_000, 'records spooled');
  assert.ok(runner.backlog > 0);

  await server.start();
  await until(() => runner.backlog === 0, 30_000, 'spool drained');
  send(10);
  await runner.close();

  const got = await readStream(server.url, 'MG_AUDIT_T');
  assert.equal(got.length, sent.length, `stream holds ${got.length} messages for ${sent.length} records`);
  assert.deepEqual(new Set(got.map((r) => r.id)), new Set(sent.map((r) => r.id)));
  // The chain on the stream: seq 1..n, each prevHash the hash before, each hash its content.
  let prev = GENESIS_HASH;
  got.forEach((r, i) => {
    assert.equal(r.seq, i + 1);
    assert.equal(r.prevHash, prev);
    assert.equal(recordHash(r), r.hash);
    prev = r.hash!;
  });
  assert.deepEqual(got.map((r) => r.id), sent.map((r) => r.id)); // and the order they were sent
  assert.ok(await metric(reg, 'audit_errors_total') > 0);
  assert.equal(await metric(reg, 'audit_dropped_total'), 0);
});

test('NATS unreachable at start: records wait in the spool and arrive once it is up; the chain continues from the stream', { timeout: 60_000 }, async (t) => {
  const store = await mkdtemp(path.join(tmpdir(), 'mg-nats-'));
  const spoolDir = await mkdtemp(path.join(tmpdir(), 'mg-nats-spool-'));
  const server = new OwnNatsServer(await freePort(), store);
  t.after(async () => { await server.stop(); await rm(store, { recursive: true, force: true }); await rm(spoolDir, { recursive: true, force: true }); });
  const opts = { name: 'bus', url: server.url, stream: 'MG_AUDIT_U', subject: 'mg.audit.u', createStream: true, ackTimeoutMs: 400, retries: 2, logger: silentLogger };
  const reg = new Registry();
  const runner = new SinkRunner(new NatsSink(opts), { queue: 5, onFull: 'spool', spoolDir, spoolMaxBytes: 16 << 20, flushTimeoutMs: 5000 }, reg, silentLogger);
  await runner.init();
  const sent = Array.from({ length: 25 }, (_, i) => sampleRecord(i));
  for (const r of sent) runner.enqueue(r);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await metric(reg, 'audit_written_total'), 0);
  await server.start();
  await until(() => runner.backlog === 0, 30_000, 'spool drained');
  await runner.close();
  // A second sidecar life: its chain continues after the last record on the stream.
  const again = new SinkRunner(new NatsSink(opts), { queue: 5, onFull: 'spool', spoolDir, spoolMaxBytes: 16 << 20, flushTimeoutMs: 5000 }, new Registry(), silentLogger);
  await again.init();
  const more = sampleRecord(99);
  again.enqueue(more);
  await again.close();
  const got = await readStream(server.url, 'MG_AUDIT_U');
  assert.deepEqual(got.map((r) => r.id), [...sent, more].map((r) => r.id));
  assert.deepEqual(got.map((r) => r.seq), Array.from({ length: 26 }, (_, i) => i + 1));
  assert.equal(got[25]!.prevHash, got[24]!.hash);
});

test('the stream deleted under a running sink: publishing fails, records spool, the sink creates the stream again and delivers', { timeout: 60_000 }, async (t) => {
  const store = await mkdtemp(path.join(tmpdir(), 'mg-nats-'));
  const spoolDir = await mkdtemp(path.join(tmpdir(), 'mg-nats-spool-'));
  const server = new OwnNatsServer(await freePort(), store);
  t.after(async () => { await server.stop(); await rm(store, { recursive: true, force: true }); await rm(spoolDir, { recursive: true, force: true }); });
  await server.start();
  const reg = new Registry();
  const runner = new SinkRunner(new NatsSink({ name: 'bus', url: server.url, stream: 'MG_AUDIT_D', subject: 'mg.audit.d', createStream: true, ackTimeoutMs: 400, retries: 1, logger: silentLogger }),
    { queue: 50, onFull: 'spool', spoolDir, spoolMaxBytes: 16 << 20, flushTimeoutMs: 5000 }, reg, silentLogger);
  await runner.init();
  const first = Array.from({ length: 5 }, (_, i) => sampleRecord(i));
  for (const r of first) runner.enqueue(r);
  await until(async () => (await metric(reg, 'audit_written_total')) === 5, 10_000, 'first records');
  const nc = await connect({ servers: server.url });
  await (await nc.jetstreamManager()).streams.delete('MG_AUDIT_D');
  await nc.close();
  const later = Array.from({ length: 5 }, (_, i) => sampleRecord(10 + i));
  for (const r of later) runner.enqueue(r);
  await until(() => runner.backlog === 0, 20_000, 'delivery after the stream came back');
  await runner.close();
  const got = await readStream(server.url, 'MG_AUDIT_D');
  assert.deepEqual(got.map((r) => r.id), later.map((r) => r.id));
  assert.ok(await metric(reg, 'audit_errors_total') >= 1);
});
