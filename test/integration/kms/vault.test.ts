import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startMock, kmsConfig, provider, metricValue, waitFor, TD } from './helpers.js';
import { VaultKmsClient } from '../../../src/kms/vault-adapter.js';
import { httpsCall } from '../../../src/kms/https-request.js';
import { readFile } from 'node:fs/promises';
import { splitPemCerts } from '../../../src/kms/pem.js';

const ID = `spiffe://${TD}/ns/shop/sa/orders`;

test('vault adapter against kms-mock Vault routes: sign/<role> with X-Vault-Token, ca_chain for the bundle, renewals', async () => {
  const env = await startMock(2);
  const { p, metrics } = provider(kmsConfig(env, ID, { adapter: 'vault', mount: 'pki', role: 'svid', ttl: 2 }));
  try {
    await p.start();
    const m = p.current()!;
    assert.equal(m.spiffeId, ID);
    const roots = splitPemCerts(m.trustBundlePem).map((r) => new X509Certificate(r));
    assert.equal(roots.length, 1);
    assert.ok(roots[0]!.checkIssued(roots[0]!), 'the bundle holds the self-signed root from ca_chain');
    assert.equal(splitPemCerts(m.certChainPem).length, 2, 'leaf + intermediate, no root in the chain');
    assert.equal(typeof m.bundleVersion, 'string', 'Vault has no sequence: a digest of the roots');
    assert.ok(await waitFor(() => p.current()?.serial !== m.serial, 3000), 'renewed');
    assert.ok((await metricValue(metrics, 'meshguard_rotations_total')) >= 2);
  } finally {
    await p.stop();
  }
  try {
    // The request on the wire is Vault's: uri_sans and a ttl string, the token in X-Vault-Token.
    const ca = await readFile(env.mock.caFile, 'utf8');
    const token = (await readFile(env.mock.tokenFile, 'utf8')).trim();
    const denied = await httpsCall({ method: 'POST', url: new URL('/v1/pki/sign/svid', env.mock.url), ca, body: { csr: 'x', uri_sans: ID }, timeoutMs: 2000 });
    assert.equal(denied.status, 403);
    const chain = await httpsCall({ method: 'GET', url: new URL('/v1/pki/ca_chain', env.mock.url), ca, headers: { 'x-vault-token': token }, timeoutMs: 2000 });
    assert.equal(chain.status, 200);
    assert.equal(splitPemCerts(chain.text).length, 2);

    const badTokenFile = path.join(env.dir, 'wrong-token');
    await writeFile(badTokenFile, 'hvs.not-it\n');
    const client = new VaultKmsClient({ url: env.mock.url, caPem: ca, tokenFile: badTokenFile, mount: 'pki', role: 'svid', trustDomain: TD, timeoutMs: 2000 });
    await assert.rejects(client.fetchBundle(), (e: Error & { reason?: string }) => e.reason === 'unauthorized');
  } finally {
    await env.close();
  }
});

test('vault adapter: a Vault fault keeps the certificate and is counted', async () => {
  const env = await startMock(4);
  const { p, metrics } = provider(kmsConfig(env, ID, { adapter: 'vault', role: 'svid', ttl: 4, bundleRefresh: '10s' }));
  try {
    await p.start();
    const first = p.current()!;
    env.mock.setFault('wrong-key', 3);
    assert.ok(await waitFor(async () => (await metricValue(metrics, 'meshguard_rotation_failures_total', { reason: 'wrong_key' })) > 0, 3500));
    assert.equal(p.current()?.serial, first.serial);
    assert.ok(await waitFor(() => p.current() !== undefined && p.current()!.serial !== first.serial, 3500));
  } finally {
    await p.stop();
    await env.close();
  }
});
