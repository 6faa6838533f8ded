import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo } from '../../../src/cli/up.js';
import { httpReq } from '../../helpers/client.js';
import path from 'node:path';
import { repoRoot } from '../../../src/paths.js';

test('the demo mesh: KMS-issued SVIDs, an allowed call with the caller identity, RBAC denials, 404 for unknown hosts', async () => {
  const demo = await startDemo({ logLevel: 'silent' });
  try {
    const out = demo.orders.outboundAddress!.port;
    const pay = await httpReq({ port: out, method: 'POST', path: '/pay', headers: { host: 'payments' }, body: '{}' });
    assert.equal(pay.status, 200);
    assert.equal(JSON.parse(pay.body).caller, 'spiffe://example.org/ns/shop/sa/orders');
    const checkout = await httpReq({ port: 18081, path: '/checkout' });
    assert.equal(JSON.parse(checkout.body).paymentsStatus, 200);
    const admin = await httpReq({ port: out, path: '/admin/users', headers: { host: 'payments' } });
    assert.equal(admin.status, 403);
    assert.equal(JSON.parse(admin.body).error, 'rbac_denied');
    const refund = await httpReq({ port: out, method: 'POST', path: '/payments/42/refund', headers: { host: 'payments' } });
    assert.equal(refund.status, 403);
    assert.equal((await httpReq({ port: out, headers: { host: 'evil.example' } })).status, 404);
    const sqli = await httpReq({ port: out, method: 'POST', path: "/pay?id=1%27%20OR%201%3D1--", headers: { host: 'payments' }, body: '{}' });
    assert.equal(sqli.status, 403);
    assert.equal(JSON.parse(sqli.body).error, 'waf_blocked');
    const certs = JSON.parse((await httpReq({ port: demo.payments.adminAddress!.port, path: '/certs' })).body);
    assert.equal(certs.spiffeId, 'spiffe://example.org/ns/shop/sa/payments');
    assert.equal(certs.provider, 'kms');
    assert.ok(certs.secondsToExpiry > 0 && certs.secondsToExpiry <= 600);
  } finally {
    await demo.stop();
  }
  // The denied and blocked calls above were mirrored; after the stop the trail is sealed and verifies.
  const { verifyAuditTree } = await import('../../../src/audit/verify.js');
  const { loadVerifyKey } = await import('../../../src/audit/checkpoint.js');
  const tree = await verifyAuditTree(path.join(repoRoot, 'audit'), await loadVerifyKey(path.join(repoRoot, '.meshguard', 'audit-key.pub.pem')), { live: false });
  assert.equal(tree.ok, true, JSON.stringify(tree).slice(0, 500));
});
