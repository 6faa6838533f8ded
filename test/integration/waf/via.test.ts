import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { makeTestPki, type TestPki } from '../../helpers/pki.js';
import { startEchoApp, type EchoApp } from '../../helpers/apps.js';
import { startTestSidecar } from '../../helpers/mesh.js';
import { sharedDir } from '../../../src/paths.js';
import type { Sidecar } from '../../../src/sidecar.js';
import { loadCorpus } from '../../../src/waf/corpus/corpus.js';
import { runCorpusVia } from '../../../src/waf/corpus/via.js';

const TD = 'example.org';
const PAYMENTS = 'spiffe://example.org/ns/shop/sa/payments';
const ORDERS = 'spiffe://example.org/ns/shop/sa/orders';
const wireFile = path.join(sharedDir, 'waf-corpus', 'crs-regression-wire.jsonl');
const IDS = new Set(['911100-1', '911100-2', '920170-1', '930100-1', '932160-1', '941100-1', '942100-1', '942100-2']);

let pki: TestPki;
let app: EchoApp;
let sidecar: Sidecar;
let client: { certPem: string; keyPem: string };

before(async () => {
  pki = await makeTestPki(TD);
  app = await startEchoApp();
  const leaf = await pki.leaf('payments', { uris: [PAYMENTS] });
  client = await pki.leaf('orders', { uris: [ORDERS] });
  sidecar = (await startTestSidecar({
    trustDomain: TD,
    identity: PAYMENTS,
    certificates: { provider: 'files', files: { cert: leaf.cert, key: leaf.key, bundle: pki.bundle } },
    inbound: { listen: '127.0.0.1:0', app: `http://127.0.0.1:${app.port}` },
    admin: { listen: '127.0.0.1:0' },
    responses: { showDenyDetail: true },
    waf: { mode: 'block', crs: path.join(sharedDir, 'crs'), paranoia: 4 },
  }, { watchFiles: false })).sidecar;
});

after(async () => {
  await sidecar?.stop({ drainTimeoutMs: 0 });
  await app?.close();
});

test('--via: the wire corpus through a running sidecar (mTLS inbound, CRS PL4, block mode)', { skip: !existsSync(wireFile) && 'no wire corpus' }, async () => {
  const tests = loadCorpus(wireFile).filter((t) => IDS.has(t.id));
  assert.equal(tests.length, IDS.size);
  const before = app.seen.length;
  const s = await runCorpusVia(`https://127.0.0.1:${sidecar.inboundAddress!.port}`, tests, new Map(), { cert: client.certPem, key: client.keyPem, ca: pki.ca.certPem });
  const failed = s.results.filter((r) => !r.pass).map((r) => `${r.id}: ${r.reason}`);
  assert.deepEqual(failed, []);
  assert.equal(s.passed, IDS.size);
  // the attacks were stopped at the sidecar: the app saw at most the benign ones
  assert.ok(app.seen.length - before <= 3, `app saw ${app.seen.length - before} requests`);
  const attacks = s.results.filter((r) => r.id.startsWith('93') || r.id.startsWith('94'));
  for (const r of attacks) assert.equal(r.stages[0]!.status, 403, r.id);
});
