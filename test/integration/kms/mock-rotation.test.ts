import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { startMock, kmsConfig, provider, metricValue, waitFor, TD } from './helpers.js';
import { splitPemCerts } from '../../../src/kms/pem.js';
import { chainsTo } from '../../../src/identity/cert-manager-checks.js';

const ID = `spiffe://${TD}/ns/shop/sa/orders`;

test('first SVID by bootstrap token, then at least three renewals over mTLS with a TTL of 2 s', async () => {
  const env = await startMock(2);
  const { p, metrics } = provider(kmsConfig(env, ID, { ttl: 2 }));
  try {
    assert.equal(p.current(), undefined, 'no identity before start');
    await p.start();
    const first = p.current();
    assert.ok(first);
    assert.equal(first.spiffeId, ID);
    assert.equal(first.notAfter.getTime() - first.notBefore.getTime(), 2000, 'lifetime is the TTL asked for, in seconds');
    // Renewals must not need the token: they authenticate with the SVID in force (mTLS).
    await writeFile(env.mock.tokenFile, '');
    const seen: string[] = [];
    const keys = new Set<string>();
    p.subscribe((m) => {
      if (!seen.includes(m.serial)) seen.push(m.serial);
      keys.add(m.keyPem);
      const chain = splitPemCerts(m.certChainPem).map((c) => new X509Certificate(c));
      assert.ok(chainsTo(chain, splitPemCerts(m.trustBundlePem).map((c) => new X509Certificate(c))), 'every material chains to its own bundle');
    });
    assert.ok(await waitFor(() => seen.length >= 3, 6000), `three renewals expected, saw ${seen.length}`);
    assert.equal(keys.size, seen.length, 'a new key for every rotation');
    assert.ok(!seen.includes(first.serial));
    assert.ok((await metricValue(metrics, 'meshguard_rotations_total')) >= 4);
    assert.equal(await metricValue(metrics, 'meshguard_rotation_failures_total'), 0);
    const expiry = await metricValue(metrics, 'meshguard_cert_expiry_seconds');
    assert.ok(expiry > 0 && expiry <= 2, `cert_expiry_seconds ${expiry}`);
    const st = p.status();
    assert.equal(st.provider, 'kms');
    assert.ok(st.nextRenewal instanceof Date && st.nextRenewal.getTime() > Date.now() - 100);
    assert.equal(st.lastError, null);
  } finally {
    await p.stop();
    await env.close();
  }
});

test('renewal at the configured fraction of the lifetime', async () => {
  const env = await startMock(4);
  const { p } = provider(kmsConfig(env, ID, { ttl: 4 }, { at: 0.75, jitter: 0 }));
  try {
    await p.start();
    const m = p.current()!;
    const next = p.status().nextRenewal as Date;
    assert.equal(next.getTime(), m.notBefore.getTime() + 3000);
  } finally {
    await p.stop();
    await env.close();
  }
});

test('kms-mock refuses an identity outside its trust domain and a request without credentials', async () => {
  const env = await startMock(3);
  const cfg = kmsConfig(env, 'spiffe://other.org/ns/x/sa/y', { startTimeout: '600ms' });
  cfg.trustDomain = 'other.org';
  const { p, metrics } = provider(cfg);
  try {
    await assert.rejects(p.start(), /no certificate from the KMS/);
    assert.ok((await metricValue(metrics, 'meshguard_bundle_refresh_failures_total', { reason: 'bad_response' })) + (await metricValue(metrics, 'meshguard_rotation_failures_total')) > 0);
  } finally {
    await p.stop();
  }
  await writeFile(env.mock.tokenFile, 'not-the-token\n');
  const { p: p2, metrics: m2 } = provider(kmsConfig(env, ID, { startTimeout: '600ms' }));
  try {
    await assert.rejects(p2.start());
    assert.ok((await metricValue(m2, 'meshguard_rotation_failures_total', { reason: 'unauthorized' })) > 0);
    assert.match(String(p2.status().lastError), /unauthorized/);
  } finally {
    await p2.stop();
    await env.close();
  }
});
