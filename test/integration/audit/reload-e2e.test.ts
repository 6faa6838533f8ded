import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { makeTestPki } from '../../helpers/pki.js';
import { startEchoApp } from '../../helpers/apps.js';
import { startTestSidecar } from '../../helpers/mesh.js';
import { mtlsRequest } from '../../helpers/client.js';
import { generateSigningKeyPair, loadVerifyKey } from '../../../src/audit/checkpoint.js';
import { verifyAuditDir } from '../../../src/audit/verify.js';
import { listAuditFiles } from '../../../src/audit/audit-files.js';
import type { MeshguardConfig } from '../../../src/config/types.js';

const ORDERS = 'spiffe://example.org/ns/shop/sa/orders';
const PAYMENTS = 'spiffe://example.org/ns/shop/sa/payments';

test('reload: new rules apply at once, the open file sink is reused (one chain, one file); changed sink settings are refused and the running rules stay', { timeout: 60_000 }, async (t) => {
  const pki = await makeTestPki('example.org');
  const app = await startEchoApp();
  const p = await pki.leaf('payments', { uris: [PAYMENTS] });
  const o = await pki.leaf('orders', { uris: [ORDERS] });
  const dir = await mkdtemp(path.join(tmpdir(), 'mg-audit-reload-'));
  const keys = generateSigningKeyPair();
  await writeFile(path.join(dir, 'k.pem'), keys.privatePem, { mode: 0o600 });
  await writeFile(path.join(dir, 'k.pub.pem'), keys.publicPem);
  const config = (prefix: string, fsync: 'checkpoint' | 'always' = 'checkpoint'): MeshguardConfig => ({
    trustDomain: 'example.org',
    identity: PAYMENTS,
    certificates: { provider: 'files', files: { cert: p.cert, key: p.key, bundle: pki.bundle, watch: false } },
    inbound: { listen: '127.0.0.1:0', app: `http://127.0.0.1:${app.port}` },
    audit: {
      sinks: [{ name: 'local', type: 'file', dir: './audit', signingKey: './k.pem', fsync }],
      mirror: [{ match: { pathPrefix: prefix }, sample: 1, sinks: ['local'] }],
    },
  });
  const { sidecar, file } = await startTestSidecar(config('/a'), { dir, watchFiles: false });
  t.after(() => app.close());
  const get = (p: string) => mtlsRequest({ port: sidecar.inboundAddress!.port, cert: o.certPem, key: o.keyPem, ca: pki.ca.certPem, path: p });

  assert.equal((await get('/a/1')).status, 200);
  assert.equal((await get('/b/1')).status, 200);
  await writeFile(file, stringify(config('/b')));
  const ok = await sidecar.reload();
  assert.equal(ok.ok, true, JSON.stringify(ok));
  assert.equal((await get('/a/2')).status, 200);
  assert.equal((await get('/b/2')).status, 200);
  await writeFile(file, stringify(config('/a', 'always')));
  const refused = await sidecar.reload();
  assert.equal(refused.ok, false);
  assert.match((refused as { error: string }).error, /audit\.sinks\[local\]: changing the settings of a running sink needs a restart/);
  assert.equal((await get('/b/3')).status, 200); // the running rules (prefix /b) still apply
  assert.equal((await get('/a/3')).status, 200);
  await sidecar.stop({ drainTimeoutMs: 0 });

  const auditDir = path.join(dir, 'audit');
  const report = await verifyAuditDir(auditDir, await loadVerifyKey(path.join(dir, 'k.pub.pem')));
  assert.equal(report.ok, true, JSON.stringify(report.firstBad));
  assert.equal(report.files, 1);
  const files = await listAuditFiles(auditDir);
  const paths = (await readFile(path.join(auditDir, files[0]!), 'utf8')).split('\n').filter((l) => l.startsWith('{"v"')).map((l) => JSON.parse(l).path);
  assert.deepEqual(paths, ['/a/1', '/b/2', '/b/3']);
});
