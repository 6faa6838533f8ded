import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readAuditFileTail } from '../../../src/audit/file-tail.js';

const file = async (text: string | Buffer) => {
  const f = path.join(await mkdtemp(path.join(tmpdir(), 'mg-tail-')), 'audit.jsonl');
  await writeFile(f, text);
  return f;
};
const rec = (seq: number, pad = '') => JSON.stringify({ id: `r${seq}`, pad, seq, hash: String(seq).padStart(64, '0') });
const cp = (seq: number) => JSON.stringify({ checkpoint: { seq }, jws: 'x' });

test('tail: the last record and whether a checkpoint follows it', async () => {
  const signed = await readAuditFileTail(await file(`${rec(1)}\n${rec(2)}\n${cp(2)}\n`));
  assert.deepEqual(signed.last, { seq: 2, hash: String(2).padStart(64, '0') });
  assert.equal(signed.endsWithCheckpoint, true);
  assert.equal(signed.goodBytes, signed.size);
  const unsigned = await readAuditFileTail(await file(`${rec(1)}\n${cp(1)}\n${rec(2)}\n`));
  assert.equal(unsigned.last?.seq, 2);
  assert.equal(unsigned.endsWithCheckpoint, false);
});

test('tail: a line a crash cut short is outside goodBytes; the record before it is the last', async () => {
  const text = `${rec(1)}\n${rec(2)}\n${rec(3).slice(0, 20)}`;
  const t = await readAuditFileTail(await file(text));
  assert.equal(t.goodBytes, Buffer.byteLength(`${rec(1)}\n${rec(2)}\n`));
  assert.equal(t.size, Buffer.byteLength(text));
  assert.equal(t.last?.seq, 2);
  assert.equal(t.unreadable, 0);
});

test('tail: complete lines that are not JSON are counted, not cut, and skipped to the record before them', async () => {
  const t = await readAuditFileTail(await file(`${rec(1)}\n${cp(1)}\n${rec(2)}\nnot json\n\n[1]\n`));
  assert.equal(t.last?.seq, 2);
  assert.equal(t.unreadable, 3);
  assert.equal(t.goodBytes, t.size);
  assert.equal(t.endsWithCheckpoint, false);
});

test('tail: empty file, a file of one torn line, a file without records', async () => {
  assert.deepEqual(await readAuditFileTail(await file('')), { size: 0, goodBytes: 0, last: null, endsWithCheckpoint: false, unreadable: 0, bytesRead: 0 });
  const torn = await readAuditFileTail(await file('{"id":"r1","se'));
  assert.equal(torn.goodBytes, 0);
  assert.equal(torn.last, null);
  const cps = await readAuditFileTail(await file(`${cp(0)}\n`));
  assert.equal(cps.last, null);
  assert.equal(cps.endsWithCheckpoint, false);
});

test('tail: lines longer than a read chunk, multi-byte text across chunk edges, a long unreadable tail', async () => {
  const big = 'é'.repeat(300_000); // 600 KB of UTF-8: spans three 256 KB reads
  const t = await readAuditFileTail(await file(`${rec(1)}\n${rec(2, big)}\n${'x'.repeat(400_000)}`));
  assert.equal(t.last?.seq, 2);
  assert.equal(t.goodBytes, Buffer.byteLength(`${rec(1)}\n${rec(2, big)}\n`));
  const junk = await readAuditFileTail(await file(`${rec(7)}\n${'not json\n'.repeat(200_000)}`));
  assert.equal(junk.last?.seq, 7);
  assert.equal(junk.unreadable, 200_000);
  assert.equal(junk.bytesRead, junk.size);
});

test('tail: a restart reads the end of a 20 MB file, not all of it', async () => {
  const lines: string[] = [];
  for (let i = 1; i <= 40_000; i++) lines.push(rec(i, 'p'.repeat(450)));
  lines.push(cp(40_000));
  const t = await readAuditFileTail(await file(`${lines.join('\n')}\n`));
  assert.ok(t.size > 20e6, `${t.size}`);
  assert.equal(t.last?.seq, 40_000);
  assert.equal(t.endsWithCheckpoint, true);
  assert.ok(t.bytesRead <= 256 * 1024, `read ${t.bytesRead} of ${t.size} bytes`);
});
