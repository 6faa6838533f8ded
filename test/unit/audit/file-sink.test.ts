import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verifyAuditDir } from '../../../src/audit/verify.js';
import { listAuditFiles } from '../../../src/audit/audit-files.js';
import { makeKeys, openSink, sampleRecord, writeDir, readLines, type Keys } from './file-helpers.js';

const newDir = () => mkdtemp(path.join(tmpdir(), 'mg-audit-'));

test('records are JSON lines, chained, with a signed checkpoint every N records and at shutdown', async () => {
  const keys = await makeKeys();
  const dir = await newDir();
  await writeDir(dir, keys.priv, 12);
  const files = await listAuditFiles(dir);
  assert.equal(files.length, 1);
  const lines = (await readLines(path.join(dir, files[0]!))).map((l) => JSON.parse(l));
  const kinds = lines.map((o) => ('checkpoint' in o ? `C${o.checkpoint.seq}:${o.checkpoint.reason}` : `R${o.seq}`));
  assert.deepEqual(kinds, ['R1', 'R2', 'R3', 'R4', 'R5', 'C5:records', 'R6', 'R7', 'R8', 'R9', 'R10', 'C10:records', 'R11', 'R12', 'C12:shutdown']);
  const report = await verifyAuditDir(dir, keys.pub);
  assert.equal(report.ok, true, JSON.stringify(report.firstBad));
  assert.deepEqual([report.records, report.checkpoints, report.firstSeq, report.lastSeq], [12, 3, 1, 12]);
});

test('rotation by size carries the chain across files and signs each file off', async () => {
  const keys = await makeKeys();
  const dir = await newDir();
  await writeDir(dir, keys.priv, 30, { rotateBytes: 2048, checkpointRecords: 1000 }, 2);
  const files = await listAuditFiles(dir);
  assert.ok(files.length >= 3, `expected several files, got ${files.length}`);
  for (const f of files.slice(0, -1)) {
    const last = JSON.parse((await readLines(path.join(dir, f))).at(-1)!);
    assert.equal(last.checkpoint?.reason, 'rotate', f);
  }
  const report = await verifyAuditDir(dir, keys.pub);
  assert.equal(report.ok, true, JSON.stringify(report.firstBad));
  assert.equal(report.records, 30);
});

test('rotation by time and a checkpoint every T seconds', async () => {
  const keys = await makeKeys();
  const dir = await newDir();
  const sink = await openSink(dir, keys.priv, { checkpointRecords: 1000, checkpointMs: 100, rotateMs: 150 });
  await sink.write([sampleRecord(1)]);
  await new Promise((r) => setTimeout(r, 400));
  const first = await listAuditFiles(dir);
  const lines = (await readLines(path.join(dir, first[0]!))).map((l) => JSON.parse(l));
  assert.equal(lines.at(-1).checkpoint?.reason, 'time');
  await sink.write([sampleRecord(2)]);
  await sink.close();
  const files = await listAuditFiles(dir);
  assert.equal(files.length, 2);
  const report = await verifyAuditDir(dir, keys.pub);
  assert.equal(report.ok, true, JSON.stringify(report.firstBad));
});

test('a restart continues the chain; a tail left unsigned by a crash is sealed as recovered', async () => {
  const keys = await makeKeys();
  const dir = await newDir();
  await writeDir(dir, keys.priv, 3);
  const crashed = await openSink(dir, keys.priv, { checkpointRecords: 100 });
  await crashed.write([sampleRecord(4), sampleRecord(5)]);
  // no close(): the process "died" with two records after the last checkpoint
  const mid = await verifyAuditDir(dir, keys.pub);
  assert.equal(mid.firstBad?.problem, 'unsigned-tail');
  const again = await openSink(dir, keys.priv);
  await again.write([sampleRecord(6)]);
  await again.close();
  const report = await verifyAuditDir(dir, keys.pub);
  assert.equal(report.ok, true, JSON.stringify(report.firstBad));
  assert.deepEqual([report.firstSeq, report.lastSeq, report.files], [1, 6, 3]);
  const all = (await Promise.all((await listAuditFiles(dir)).map((f) => readFile(path.join(dir, f), 'utf8')))).join('');
  assert.match(all, /"reason":"recovered"/);
});

/** Two records from a sink that "crashed", then `tail` appended to its file, then a restart that writes record 3. */
async function restartAfter(tail: string): Promise<{ dir: string; file: string; keys: Keys }> {
  const keys = await makeKeys();
  const dir = await newDir();
  const crashed = await openSink(dir, keys.priv, { checkpointRecords: 100 });
  await crashed.write([sampleRecord(1), sampleRecord(2)]);
  const [name] = await listAuditFiles(dir);
  const file = path.join(dir, name!);
  await appendFile(file, tail);
  const again = await openSink(dir, keys.priv);
  await again.write([sampleRecord(3)]);
  await again.close();
  return { dir, file, keys };
}

test('a restart cuts a line a crash left half-written and continues the chain after the last whole record', async () => {
  const { dir, file, keys } = await restartAfter('{"id":"torn","seq":3,"ha');
  const report = await verifyAuditDir(dir, keys.pub);
  assert.equal(report.ok, true, JSON.stringify(report.firstBad));
  assert.deepEqual([report.firstSeq, report.lastSeq], [1, 3]);
  assert.doesNotMatch(await readFile(file, 'utf8'), /"torn"/);
});

test('a restart leaves a whole line that is not JSON in place, and verify names it', async () => {
  const { dir, file, keys } = await restartAfter('edited by hand\n');
  assert.match(await readFile(file, 'utf8'), /edited by hand\n/);
  const report = await verifyAuditDir(dir, keys.pub);
  assert.equal(report.ok, false);
  assert.equal(report.firstBad?.problem, 'bad-json');
});

test('no writes, no file; an empty directory does not verify', async () => {
  const keys = await makeKeys();
  const dir = await newDir();
  const sink = await openSink(dir, keys.priv);
  await sink.close();
  assert.deepEqual(await readdir(dir), []);
  const report = await verifyAuditDir(dir, keys.pub);
  assert.equal(report.ok, false);
  assert.equal(report.firstBad?.problem, 'no-files');
});

test('one writer per directory: a directory locked by another live process is refused; a stale lock is taken over', async () => {
  const keys = await makeKeys();
  const dir = await newDir();
  const { spawn } = await import('node:child_process');
  const { writeFile } = await import('node:fs/promises');
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  try {
    await writeFile(path.join(dir, '.lock'), String(holder.pid));
    await assert.rejects(openSink(dir, keys.priv), (e: Error) => e.message.includes(`in use by another meshguard process (pid ${holder.pid})`));
  } finally {
    holder.kill();
  }
  await new Promise((r) => holder.once('exit', r));
  const sink = await openSink(dir, keys.priv); // the holder is gone: its lock is stale
  await sink.write([sampleRecord(1)]);
  await sink.close();
  assert.equal((await readdir(dir)).includes('.lock'), false);
  assert.equal((await verifyAuditDir(dir, keys.pub)).ok, true);
});
