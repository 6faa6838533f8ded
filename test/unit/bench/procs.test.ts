import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCaptured, takeLock, startServer, stopServer, isRunning } from '../../../bench/procs.js';
import { processCpuS, processTree, memory, sample, usage } from '../../../bench/cpu.js';

test('runCaptured: the kill timer ends a command that overruns, with its children', async () => {
  const t0 = Date.now();
  const r = await runCaptured('/bin/bash', ['-c', 'sleep 30 & sleep 30; echo never'], 300);
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(r.killed, true);
  assert.equal(r.out.includes('never'), false);
});

test('runCaptured: output and exit code of a command that finishes', async () => {
  const r = await runCaptured('/bin/bash', ['-c', 'echo out; echo err >&2; exit 3'], 5000);
  assert.equal(r.code, 3);
  assert.equal(r.out, 'out\n');
  assert.equal(r.err, 'err\n');
  assert.equal(r.killed, false);
});

test('takeLock: a lock whose holder is gone is taken over', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-lock-'));
  try {
    const file = path.join(dir, 'bench.lock');
    writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 12345, started: 'then' }));
    takeLock(file);
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid, process.pid);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('startServer/stopServer by PID; /proc accounting sees its CPU, tree and memory', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-proc-'));
  try {
    const pid = startServer('spin', null, process.execPath, ['-e', 'const t = Date.now(); while (Date.now() - t < 400); setInterval(() => {}, 1000);'], path.join(dir, 'log'), 'spin');
    const s0 = sample({ spin: [pid] });
    await new Promise((r) => setTimeout(r, 700));
    const u = usage(s0, sample({ spin: [pid] }));
    assert.ok(u.cpuS['spin']! > 0.1, `spin used ${u.cpuS['spin']} s`);
    assert.ok(processCpuS(pid) > 0.1);
    assert.deepEqual(processTree(pid).slice(0, 1), [pid]);
    assert.ok(memory([pid]).rssKb > 10_000);
    assert.equal(isRunning(pid), true);
    await stopServer(pid, 2000);
    assert.equal(isRunning(pid), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
