import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { makeTestPki, type TestPki } from '../../helpers/pki.js';
import { startEchoApp, type EchoApp } from '../../helpers/apps.js';
import { startTestSidecar, addr } from '../../helpers/mesh.js';
import { httpReq, metricValue } from '../../helpers/client.js';
import { repoRoot } from '../../../src/paths.js';
import type { Sidecar } from '../../../src/sidecar.js';
import { generateSigningKeyPair, loadVerifyKey } from '../../../src/audit/checkpoint.js';
import { verifyAuditDir } from '../../../src/audit/verify.js';
import { listAuditFiles } from '../../../src/audit/audit-files.js';
import type { AuditRecord } from '../../../src/audit/record.js';

const TD = 'example.org';
const ORDERS = 'spiffe://example.org/ns/shop/sa/orders';
const PAYMENTS = 'spiffe://example.org/ns/shop/sa/payments';
const SHADOW = 'spiffe://example.org/ns/shop/sa/payments-shadow';

let pki: TestPki;
let app: EchoApp;
let shadowApp: EchoApp;
let dir: string;
let payments: Sidecar;
let shadow: Sidecar;
let orders: Sidecar;
let ordersCertPem: string;

before(async () => {
  pki = await makeTestPki(TD);
  app = await startEchoApp();
  shadowApp = await startEchoApp();
  const p = await pki.leaf('payments', { uris: [PAYMENTS] });
  const o = await pki.leaf('orders', { uris: [ORDERS] });
  const s = await pki.leaf('shadow', { uris: [SHADOW] });
  ordersCertPem = o.certPem;
  dir = await mkdtemp(path.join(tmpdir(), 'meshguard-audit-e2e-'));
  await copyFile(path.join(repoRoot, 'policies/rbac/model.conf'), path.join(dir, 'model.conf'));
  await copyFile(path.join(repoRoot, 'policies/rbac/policy.csv'), path.join(dir, 'policy.csv'));
  const keys = generateSigningKeyPair();
  await writeFile(path.join(dir, 'audit-key.pem'), keys.privatePem, { mode: 0o600 });
  await writeFile(path.join(dir, 'audit-key.pub.pem'), keys.publicPem);

  payments = (await startTestSidecar({
    trustDomain: TD,
    identity: PAYMENTS,
    certificates: { provider: 'files', files: { cert: p.cert, key: p.key, bundle: pki.bundle } },
    inbound: { listen: '127.0.0.1:0', app: `http://127.0.0.1:${app.port}` },
    admin: { listen: '127.0.0.1:0' },
    rbac: { model: 'model.conf', policy: 'policy.csv', mode: 'enforce' },
    waf: { mode: 'block' },
    audit: {
      sinks: [{ name: 'local', type: 'file', dir: './audit', signingKey: './audit-key.pem', checkpoint: { records: 1000, seconds: 60 } }],
      mirror: [
        { match: { rbac: 'deny' }, sample: 1, sinks: ['local'], capture: { headers: true, maxBodyBytes: 65536 } },
        { match: { waf: 'blocked' }, sample: 1, sinks: ['local'] },
        { match: { pathPrefix: '/pay' }, sample: 1, sinks: ['local'], capture: { maxBodyBytes: 16 } },
      ],
      redact: { jsonFields: ['card'] },
    },
  }, { dir, watchFiles: false })).sidecar;

  shadow = (await startTestSidecar({
    trustDomain: TD,
    identity: SHADOW,
    certificates: { provider: 'files', files: { cert: s.cert, key: s.key, bundle: pki.bundle } },
    inbound: { listen: '127.0.0.1:0', app: `http://127.0.0.1:${shadowApp.port}` },
  }, { watchFiles: false })).sidecar;

  orders = (await startTestSidecar({
    trustDomain: TD,
    identity: ORDERS,
    certificates: { provider: 'files', files: { cert: o.cert, key: o.key, bundle: pki.bundle } },
    outbound: {
      listen: '127.0.0.1:0',
      routes: [
        { host: 'payments', endpoints: [addr(payments.inboundAddress)], spiffeIds: [PAYMENTS] },
        { host: 'payments-mirror', endpoints: [addr(shadow.inboundAddress)], spiffeIds: [SHADOW] },
      ],
    },
    admin: { listen: '127.0.0.1:0' },
    audit: {
      sinks: [{ name: 'shadow', type: 'http-shadow', route: 'payments-mirror' }],
      mirror: [{ match: { route: 'payments', method: 'POST' }, sample: 1, sinks: ['shadow'], capture: { headers: true, maxBodyBytes: 4096 } }],
    },
  }, { watchFiles: false })).sidecar;
});

after(async () => {
  await orders?.stop({ drainTimeoutMs: 0 });
  await payments?.stop({ drainTimeoutMs: 0 });
  await shadow?.stop({ drainTimeoutMs: 0 });
  await app?.close();
  await shadowApp?.close();
});

const call = (p: string, method = 'GET', body?: string, headers: Record<string, string> = {}) =>
  httpReq({ port: orders.outboundAddress!.port, path: p, method, headers: { host: 'payments:8080', ...headers }, ...(body !== undefined ? { body } : {}) });

async function shadowCount(n: number): Promise<void> {
  const end = Date.now() + 5000;
  while (shadowApp.seen.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

test('selected traffic is mirrored: RBAC-denied, WAF-blocked and prefix-selected calls on the inbound side, shadow copies on the outbound side', async () => {
  // In parallel: the shadow copies may need several connections to the shadow route.
  const [pay, refund, read, xss] = await Promise.all([
    call('/pay', 'POST', JSON.stringify({ amount: 12, card: '4111111111111111' }), { 'content-type': 'application/json', 'x-trace': 'abc' }),
    call('/payments/7/refund', 'POST', '{"why":"x"}', { 'content-type': 'application/json', authorization: 'Bearer letmein' }),
    call('/catalog/shoes'),
    call('/catalog/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E'),
  ]);
  assert.equal(pay.status, 200);
  assert.equal(refund.status, 403);
  assert.equal(read.status, 200);
  assert.equal(xss.status, 403);
  assert.equal(JSON.parse(xss.body).error, 'waf_blocked');

  // The shadow upstream (behind its own sidecar, over mTLS) receives the POSTs with Host <host>-shadow.
  await shadowCount(2);
  assert.equal(shadowApp.seen.length, 2);
  const sh = shadowApp.seen.find((x) => x.url === '/pay')!;
  assert.equal(sh.headers['host'], 'payments-shadow:8080');
  assert.equal(sh.method, 'POST');
  assert.equal(sh.headers['x-trace'], 'abc');
  assert.equal(sh.bytes, Buffer.byteLength(JSON.stringify({ amount: 12, card: '4111111111111111' })));
  const shRefund = shadowApp.seen.find((x) => x.url === '/payments/7/refund')!;
  assert.equal(shRefund.headers['authorization'], '[redacted]');
  assert.equal(shadowApp.seen.some((x) => x.url === '/catalog/shoes'), false);
  // The shadow's answer never reached the caller: the caller got the primary's.
  assert.equal(JSON.parse(pay.body).ok, true);

  // Flush: stopping the sidecar writes the shutdown checkpoint.
  await payments.stop({ drainTimeoutMs: 0 });
  const auditDir = path.join(dir, 'audit');
  const report = await verifyAuditDir(auditDir, await loadVerifyKey(path.join(dir, 'audit-key.pub.pem')));
  assert.equal(report.ok, true, JSON.stringify(report.firstBad));
  assert.equal(report.records, 3);
  const text = (await Promise.all((await listAuditFiles(auditDir)).map((f) => readFile(path.join(auditDir, f), 'utf8')))).join('');
  const recs = text.split('\n').filter((l) => l.startsWith('{"v"')).map((l) => JSON.parse(l) as AuditRecord);
  const payRec = recs.find((r) => r.path === '/pay')!;
  const refundRec = recs.find((r) => r.path === '/payments/7/refund')!;
  const certSha = createHash('sha256').update(Buffer.from(ordersCertPem.replace(/-----[^-]+-----|\s/g, ''), 'base64')).digest('hex');
  assert.deepEqual(payRec.caller, { spiffeId: ORDERS, certSha256: certSha });
  assert.equal(payRec.identity, PAYMENTS);
  assert.deepEqual([payRec.listener, payRec.rule, payRec.status, payRec.method], ['inbound', 2, 200, 'POST']);
  assert.equal(payRec.rbac?.decision, 'allow');
  assert.equal(payRec.request.body?.truncated, true);
  assert.equal(payRec.request.body?.captured, 16);
  assert.equal(refundRec.rule, 0);
  assert.equal(refundRec.status, 403);
  assert.equal(refundRec.rbac?.decision, 'deny');
  assert.equal(refundRec.request.headers?.['authorization'], '[redacted]');
  // Denied at the headers phase: the body was never read from the caller, so none is captured.
  assert.equal(refundRec.request.body, undefined);
  assert.ok(!text.includes('letmein') && !text.includes('4111111111111111'));
  assert.ok(refundRec.timings.totalMs >= 0 && typeof refundRec.requestId === 'string');
  const xssRec = recs.find((r) => r.path === '/catalog/search')!;
  assert.deepEqual([xssRec.rule, xssRec.status, xssRec.deniedBy, xssRec.waf?.action, xssRec.waf?.mode], [1, 403, 'waf', 'block', 'block']);
  assert.ok((xssRec.waf?.ruleIds.length ?? 0) > 0 && (xssRec.waf?.score ?? 0) >= 5);
  assert.equal(recs.some((r) => r.path === '/catalog/shoes'), false);
  assert.equal(await metricValue(orders.adminAddress!.port, 'audit_written_total', { sink: 'shadow' }), 2);
});
