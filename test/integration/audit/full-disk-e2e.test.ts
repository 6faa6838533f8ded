import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeTestPki } from '../../helpers/pki.js';
import { startEchoApp } from '../../helpers/apps.js';
import { startTestSidecar } from '../../helpers/mesh.js';
import { mtlsRequest, metricValue } from '../../helpers/client.js';
import { generateSigningKeyPair } from '../../../src/audit/checkpoint.js';

const ORDERS = 'spiffe://example.org/ns/shop/sa/orders';
const PAYMENTS = 'spiffe://example.org/ns/shop/sa/payments';

test('a full disk under the audit sink: drops and errors are counted, every primary request still answers 200', { timeout: 60_000 }, async (t) => {
  const mnt = await mkdtemp(path.join(tmpdir(), 'mg-full-e2e-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'ignore' });
  } catch {
    t.skip('cannot mount a tmpfs here (not root?)');
    return;
  }
  // Cleanup in order: the sidecar (holds the audit file open), the app, then the mount.
  const cleanup: Array<() => Promise<void>> = [async () => {
    try { execFileSync('umount', [mnt], { stdio: 'ignore' }); } catch { /* gone */ }
    await rm(mnt, { recursive: true, force: true });
  }];
  t.after(async () => { for (const c of cleanup) await c(); });
  const pki = await makeTestPki('example.org');
  const app = await startEchoApp();
  cleanup.unshift(() => app.close());
  const p = await pki.leaf('payments', { uris: [PAYMENTS] });
  const o = await pki.leaf('orders', { uris: [ORDERS] });
  const dir = await mkdtemp(path.join(tmpdir(), 'mg-full-e2e-cfg-'));
  await writeFile(path.join(dir, 'key.pem'), generateSigningKeyPair().privatePem, { mode: 0o600 });
  await mkdir(path.join(mnt, 'audit'));
  const { sidecar } = await startTestSidecar({
    trustDomain: 'example.org',
    identity: PAYMENTS,
    certificates: { provider: 'files', files: { cert: p.cert, key: p.key, bundle: pki.bundle } },
    inbound: { listen: '127.0.0.1:0', app: `http://127.0.0.1:${app.port}` },
    admin: { listen: '127.0.0.1:0' },
    audit: {
      sinks: [{ name: 'local', type: 'file', dir: path.join(mnt, 'audit'), signingKey: './key.pem', onFull: 'drop', queue: 100 }],
      mirror: [{ sample: 1, sinks: ['local'], capture: { headers: true, maxBodyBytes: 1024 } }],
    },
  }, { dir, watchFiles: false });
  cleanup.unshift(() => sidecar.stop({ drainTimeoutMs: 0 }));
  const port = sidecar.inboundAddress!.port;
  const body = 'x'.repeat(900);
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) {
    const batch = await Promise.all(Array.from({ length: 10 }, () =>
      mtlsRequest({ port, cert: o.certPem, key: o.keyPem, ca: pki.ca.certPem, method: 'POST', path: '/fill', headers: { 'content-type': 'text/plain' }, body })));
    for (const r of batch) statuses.push(r.status);
  }
  assert.equal(statuses.length, 200);
  assert.ok(statuses.every((s) => s === 200), `non-200 answers: ${statuses.filter((s) => s !== 200).length}`);
  const admin = sidecar.adminAddress!.port;
  let dropped = 0;
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    dropped = await metricValue(admin, 'audit_dropped_total', { sink: 'local' });
    const written = await metricValue(admin, 'audit_written_total', { sink: 'local' });
    if (dropped + written === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const written = await metricValue(admin, 'audit_written_total', { sink: 'local' });
  assert.ok(dropped > 0, 'drops counted');
  assert.ok(written > 0, 'some records fit');
  assert.equal(dropped + written, 200);
  assert.ok((await metricValue(admin, 'audit_errors_total', { sink: 'local' })) > 0);
});
