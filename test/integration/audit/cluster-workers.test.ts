import { test } from 'node:test';
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { mkdtemp, readdir } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verifyAuditTree } from '../../../src/audit/verify.js';
import { makeKeys } from '../../unit/audit/file-helpers.js';

test('cluster workers sharing one config each keep their own chain in worker-<id>/, and verify checks every one', { timeout: 60_000 }, async () => {
  const keys = await makeKeys();
  const dir = await mkdtemp(path.join(tmpdir(), 'mg-audit-cluster-'));
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./cluster-worker.js', import.meta.url)), silent: true });
  const codes = await Promise.all([1, 2].map(() => new Promise<number | null>((resolve) => {
    const w = cluster.fork({ AUDIT_DIR: dir, AUDIT_KEY: keys.privFile, AUDIT_N: '40' });
    w.once('exit', (code) => resolve(code));
  })));
  assert.deepEqual(codes, [0, 0]);
  const subs = (await readdir(dir)).filter((d) => d.startsWith('worker-')).sort();
  assert.equal(subs.length, 2);
  const tree = await verifyAuditTree(dir, keys.pub);
  assert.equal(tree.ok, true, JSON.stringify(tree.reports.map((r) => r.firstBad)));
  assert.deepEqual(tree.reports.map((r) => [r.records, r.firstSeq, r.lastSeq]), [[40, 1, 40], [40, 1, 40]]);

  const mainJs = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
  const code = `import { main } from ${JSON.stringify(mainJs)}; process.exitCode = await main(process.argv.slice(1));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code, 'audit', 'verify', dir, '--key', keys.pubFile, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const out = JSON.parse(r.stdout) as { ok: boolean; reports: unknown[] };
  assert.equal(out.ok, true);
  assert.equal(out.reports.length, 2);
});
