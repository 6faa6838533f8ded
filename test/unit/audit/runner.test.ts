import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile, readdir } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { SinkRunner, type RunnerOptions } from '../../../src/audit/runner.js';
import { DiskSpool } from '../../../src/audit/spool.js';
import type { RecordSink } from '../../../src/audit/sink.js';
import type { AuditRecord } from '../../../src/audit/record.js';
import { verifyAuditDir } from '../../../src/audit/verify.js';
import { silentLogger } from '../../../src/log.js';
import { makeKeys, openSink, sampleRecord } from './file-helpers.js';

/** A sink of our own interface that keeps what it is given, and can be made slow or failing. */
class MemorySink implements RecordSink {
  readonly type = 'memory';
  got: AuditRecord[] = [];
  failNext = 0;
  gate: Promise<void> | null = null;
  closed = false;
  constructor(readonly name = 'mem') {}
  async write(batch: AuditRecord[]): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failNext > 0) { this.failNext--; throw new Error('sink down'); }
    this.got.push(...batch);
  }
  async close(): Promise<void> { this.closed = true; }
}

async function metric(reg: Registry, name: string, sink: string): Promise<number> {
  const m = (await reg.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values.find((v) => v.labels['sink'] === sink)?.value as number | undefined) ?? 0;
}

async function opts(over: Partial<RunnerOptions> = {}): Promise<RunnerOptions> {
  return { queue: 10, onFull: 'drop', spoolDir: await mkdtemp(path.join(tmpdir(), 'mg-spool-')), spoolMaxBytes: 1 << 20, flushTimeoutMs: 3000, ...over };
}

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) { if (Date.now() > end) throw new Error('timed out'); await new Promise((r) => setTimeout(r, 10)); }
};

test('queue full with onFull=drop: enqueue stays synchronous, the excess is counted in audit_dropped_total', async () => {
  const reg = new Registry();
  const sink = new MemorySink();
  let release!: () => void;
  sink.gate = new Promise((r) => { release = r; });
  const runner = new SinkRunner(sink, await opts({ queue: 10, batch: 5 }), reg, silentLogger);
  await runner.init();
  const recs = Array.from({ length: 40 }, (_, i) => sampleRecord(i));
  for (const r of recs) assert.equal(runner.enqueue(r), undefined);
  // The worker took the first record at once and is blocked on it; 10 queued; 29 dropped.
  assert.equal(await metric(reg, 'audit_dropped_total', 'mem'), 29);
  release();
  sink.gate = null;
  await runner.close();
  assert.equal(sink.got.length, 11);
  assert.deepEqual(sink.got.map((r) => r.id), recs.slice(0, 11).map((r) => r.id));
  assert.equal(await metric(reg, 'audit_written_total', 'mem'), 11);
  assert.equal(sink.closed, true);
});

test('queue full with onFull=spool: nothing lost, order kept, spool drained', async () => {
  const reg = new Registry();
  const sink = new MemorySink();
  let release!: () => void;
  sink.gate = new Promise((r) => { release = r; });
  const o = await opts({ queue: 5, onFull: 'spool', batch: 4 });
  const runner = new SinkRunner(sink, o, reg, silentLogger);
  await runner.init();
  const recs = Array.from({ length: 60 }, (_, i) => sampleRecord(i));
  for (const r of recs) runner.enqueue(r);
  assert.ok(await metric(reg, 'audit_spooled_total', 'mem') >= 50);
  assert.equal(await metric(reg, 'audit_queued', 'mem'), runner.backlog);
  assert.ok(runner.backlog >= 55); // all but the batch the blocked worker holds
  release();
  sink.gate = null;
  await until(() => sink.got.length === 60);
  assert.deepEqual(sink.got.map((r) => r.id), recs.map((r) => r.id));
  await until(() => runner.backlog === 0);
  assert.equal(await metric(reg, 'audit_queued', 'mem'), 0);
  assert.ok((await metric(reg, 'audit_lag_seconds', 'mem')) >= 0);
  assert.equal(await metric(reg, 'audit_dropped_total', 'mem'), 0);
  await runner.close();
  assert.deepEqual((await readdir(o.spoolDir)).filter((f) => f.endsWith('.jsonl')), []);
});

test('a failing sink: batches go to the spool and are delivered once, in order, when it recovers', async () => {
  const reg = new Registry();
  const sink = new MemorySink();
  sink.failNext = 3;
  const runner = new SinkRunner(sink, await opts({ queue: 100, onFull: 'spool', batch: 8 }), reg, silentLogger);
  await runner.init();
  const recs = Array.from({ length: 30 }, (_, i) => sampleRecord(i));
  for (const r of recs.slice(0, 10)) runner.enqueue(r);
  await new Promise((r) => setTimeout(r, 50));
  for (const r of recs.slice(10)) runner.enqueue(r);
  await until(() => sink.got.length >= 30);
  await runner.close();
  assert.deepEqual(sink.got.map((r) => r.id), recs.map((r) => r.id));
  assert.equal(await metric(reg, 'audit_errors_total', 'mem'), 3);
  assert.ok(await metric(reg, 'audit_spooled_total', 'mem') > 0);
});

test('the spool survives a restart: a new runner drains what the old one left', async () => {
  const o = await opts({ queue: 1, onFull: 'spool' });
  const dead = new MemorySink();
  dead.failNext = 1_000_000;
  const r1 = new SinkRunner(dead, { ...o, flushTimeoutMs: 200 }, new Registry(), silentLogger);
  await r1.init();
  const recs = Array.from({ length: 12 }, (_, i) => sampleRecord(i));
  for (const r of recs) r1.enqueue(r);
  await r1.close();
  assert.equal(dead.got.length, 0);
  const alive = new MemorySink();
  const r2 = new SinkRunner(alive, o, new Registry(), silentLogger);
  await r2.init();
  await until(() => alive.got.length === 12);
  assert.deepEqual(alive.got.map((r) => r.id), recs.map((r) => r.id));
  await r2.close();
});

test('the spool is capped: beyond spoolMaxBytes records are dropped and counted', async () => {
  const reg = new Registry();
  const sink = new MemorySink();
  sink.gate = new Promise(() => undefined); // never writes
  const runner = new SinkRunner(sink, await opts({ queue: 1, onFull: 'spool', spoolMaxBytes: 8 * 1024, flushTimeoutMs: 100 }), reg, silentLogger);
  await runner.init();
  for (let i = 0; i < 100; i++) runner.enqueue(sampleRecord(i));
  const spooled = await metric(reg, 'audit_spooled_total', 'mem');
  const dropped = await metric(reg, 'audit_dropped_total', 'mem');
  assert.ok(spooled > 0 && dropped > 0, `spooled ${spooled} dropped ${dropped}`);
  assert.equal(spooled + dropped, 98); // one taken by the worker, one in the memory queue
});

test('DiskSpool keeps FIFO order with prepend, and deletes consumed segments', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mg-spool-'));
  const s = new DiskSpool(dir, 1 << 20, () => undefined, 64);
  await s.init();
  s.append(['c1', 'c2']);
  s.append(['d1']);
  await s.settle();
  assert.equal(await s.prepend(['a1', 'b1']), true);
  const seen: string[] = [];
  while (s.size > 0) {
    const got = await s.peek(3);
    seen.push(...got);
    await s.consume(got.length);
  }
  assert.deepEqual(seen, ['a1', 'b1', 'c1', 'c2', 'd1']);
  assert.deepEqual(await readdir(dir), ['.lock']); // segments gone; the lock until release
  await s.release();
  assert.deepEqual(await readdir(dir), []);
});

function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('a full disk: writes fail and are counted, nothing throws, the chain on disk stays valid', async (t) => {
  const mnt = await mkdtemp(path.join(tmpdir(), 'mg-full-'));
  if (!mountTmpfs(mnt, '96k')) {
    t.skip('cannot mount a tmpfs here (not root?)');
    return;
  }
  t.after(async () => {
    try { execFileSync('umount', [mnt], { stdio: 'ignore' }); } catch { /* already gone */ }
    await rm(mnt, { recursive: true, force: true });
  });
  const keys = await makeKeys();
  const dir = path.join(mnt, 'audit');
  await mkdir(dir);
  // Room kept back, freed at the end so the shutdown checkpoint fits.
  await writeFile(path.join(mnt, 'reserve'), Buffer.alloc(8192));
  const reg = new Registry();
  const sink = await openSink(dir, keys.priv, { checkpointRecords: 20 });
  const runner = new SinkRunner(sink, await opts({ queue: 1000, onFull: 'drop', batch: 100 }), reg, silentLogger);
  await runner.init();
  const total = 600;
  for (let i = 0; i < total; i++) assert.doesNotThrow(() => runner.enqueue(sampleRecord(i)));
  await runner.drain(10_000);
  const written = await metric(reg, 'audit_written_total', 'local');
  const dropped = await metric(reg, 'audit_dropped_total', 'local');
  const errors = await metric(reg, 'audit_errors_total', 'local');
  assert.ok(written > 0 && dropped > 0 && errors > 0, `written ${written} dropped ${dropped} errors ${errors}`);
  assert.equal(written + dropped, total);
  // What did reach the disk is a whole, valid chain: failed writes were cut back off the file.
  const live = await verifyAuditDir(dir, keys.pub, { live: true });
  assert.equal(live.ok, true, JSON.stringify(live.firstBad));
  assert.equal(live.records, written);
  // Space comes back: the shutdown checkpoint is written and the directory verifies closed.
  await rm(path.join(mnt, 'reserve'));
  await runner.close();
  const after = await verifyAuditDir(dir, keys.pub);
  assert.equal(after.ok, true, JSON.stringify(after.firstBad));
  assert.equal(after.records, written);
});

test('a failing sink is retried with backoff, not once per new record', async () => {
  const reg = new Registry();
  const sink = new MemorySink();
  sink.failNext = 1_000_000;
  const runner = new SinkRunner(sink, await opts({ queue: 10_000, onFull: 'drop', flushTimeoutMs: 100 }), reg, silentLogger);
  await runner.init();
  for (let i = 0; i < 30; i++) {
    for (let j = 0; j < 10; j++) runner.enqueue(sampleRecord(i * 10 + j));
    await new Promise((r) => setTimeout(r, 10));
  }
  const attempts = await metric(reg, 'audit_errors_total', 'mem');
  // 300 records over ~300 ms: backoff allows a handful of attempts (a retry per record would be ~30+).
  assert.ok(attempts >= 1 && attempts <= 10, `write attempts: ${attempts}`);
  await runner.close();
  assert.equal((await metric(reg, 'audit_dropped_total', 'mem')) + sink.got.length, 300);
});

test('audit_queued is the backlog at the moment it is scraped (memory and spool), per sink', async () => {
  const reg = new Registry();
  const a = new MemorySink('a');
  const b = new MemorySink('b');
  let release!: () => void;
  a.gate = new Promise((r) => { release = r; });
  const ra = new SinkRunner(a, await opts({ queue: 3, onFull: 'spool', batch: 2 }), reg, silentLogger);
  const rb = new SinkRunner(b, await opts({ queue: 100 }), reg, silentLogger);
  await ra.init();
  await rb.init();
  for (let i = 0; i < 9; i++) ra.enqueue(sampleRecord(i));
  // The blocked worker holds the first batch: the rest waits in memory and in the spool.
  assert.ok(ra.backlog > 0);
  assert.equal(await metric(reg, 'audit_queued', 'a'), ra.backlog);
  assert.equal(await metric(reg, 'audit_queued', 'b'), 0);
  rb.enqueue(sampleRecord(0));
  assert.equal(await metric(reg, 'audit_queued', 'b'), rb.backlog);
  release();
  a.gate = null;
  await until(() => ra.backlog === 0 && rb.backlog === 0);
  assert.equal(await metric(reg, 'audit_queued', 'a'), 0);
  assert.equal(await metric(reg, 'audit_queued', 'b'), 0);
  assert.equal(a.got.length, 9);
  await ra.close();
  await rb.close();
  assert.equal(await metric(reg, 'audit_queued', 'a'), 0);
});

test('a write takes what arrived while the last one ran: a sink answering once per event-loop turn keeps up with 300 records a turn', async () => {
  const reg = new Registry();
  // Each write completes on a later turn, as a file append does (it goes through libuv's pool).
  class NextTurnSink extends MemorySink {
    writes = 0;
    override async write(batch: AuditRecord[]): Promise<void> {
      this.writes++;
      await new Promise<void>((r) => setImmediate(r));
      await super.write(batch);
    }
  }
  const sink = new NextTurnSink();
  const runner = new SinkRunner(sink, await opts({ queue: 100_000 }), reg, silentLogger);
  await runner.init();
  const sent: string[] = [];
  let worst = 0;
  for (let turn = 0; turn < 40; turn++) {
    for (let i = 0; i < 300; i++) {
      const rec = sampleRecord(sent.length);
      sent.push(rec.id);
      runner.enqueue(rec);
    }
    worst = Math.max(worst, runner.backlog);
    await new Promise<void>((r) => setImmediate(r));
  }
  // A fixed batch of 64 per write falls 236 records further behind every turn (over 9,000 here).
  assert.ok(worst <= 600, `backlog reached ${worst}`);
  await runner.close();
  assert.deepEqual(sink.got.map((r) => r.id), sent);
  assert.ok(sink.writes < 200, `${sink.writes} writes for ${sent.length} records`);
});
