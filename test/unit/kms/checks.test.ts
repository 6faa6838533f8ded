import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { createRootCa, issueCert, generateKeyPair } from '../../../src/tls/dev-pki.js';
import { checkIssued } from '../../../src/identity/cert-manager-checks.js';
import { BundleState } from '../../../src/identity/bundle.js';

const TD = 'example.org';
const ID = `spiffe://${TD}/ns/a/sa/b`;

async function setup() {
  const root = await createRootCa({ commonName: 'r' });
  const int = await issueCert(root, { uris: [], isCa: true, commonName: 'i' });
  const other = await createRootCa({ commonName: 'other' });
  const keys = await generateKeyPair();
  const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  return { root, int, other, keys, spki };
}

test('checkIssued: accepts a good leaf and names the reason for each bad one', async () => {
  const { root, other, keys, spki } = await setup();
  const leaf = (opts: Parameters<typeof issueCert>[1]) => issueCert(root, { publicKey: keys.publicKey, ttlMs: 600_000, ...opts });
  const base = { ourSpkiDer: spki, spiffeId: ID, trustDomain: TD, rootsPem: [root.certPem] };

  const good = await leaf({ uris: [ID] });
  assert.equal(checkIssued({ ...base, chainPem: [good.certPem] }).ok, true);

  const cases: Array<[string, string[], string]> = [
    ['wrong_key', [(await issueCert(root, { uris: [ID] })).certPem], 'fresh key'],
    ['wrong_san', [(await leaf({ uris: [`spiffe://${TD}/ns/a/sa/c`] })).certPem], 'another id'],
    ['wrong_san', [(await leaf({ uris: [ID, `spiffe://${TD}/ns/x/sa/y`] })).certPem], 'second URI SAN'],
    ['wrong_san', [(await leaf({ uris: [] })).certPem], 'no URI SAN'],
    ['expired', [(await leaf({ uris: [ID], notBefore: new Date(Date.now() - 7200_000), notAfter: new Date(Date.now() - 3600_000) })).certPem], 'expired'],
    ['not_svid', [(await leaf({ uris: [ID], isCa: true })).certPem], 'CA leaf'],
    ['untrusted_chain', [(await issueCert(other, { uris: [ID], publicKey: keys.publicKey })).certPem], 'other root'],
    ['bad_response', ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'], 'garbage'],
  ];
  for (const [reason, chainPem, what] of cases) {
    const r = checkIssued({ ...base, chainPem });
    assert.equal(r.ok, false, what);
    if (!r.ok) assert.equal(r.reason, reason, `${what}: ${r.detail}`);
  }
});

test('checkIssued: a chain through an intermediate must link up to a bundle root', async () => {
  const root = await createRootCa({ commonName: 'r' });
  const int = await issueCert(root, { uris: [], isCa: true, commonName: 'i' });
  const keys = await generateKeyPair();
  const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  const { importPrivateKeyPem } = await import('../../../src/tls/dev-pki.js');
  const intIssuer = { cert: int.cert, keys: { privateKey: await importPrivateKeyPem(int.keyPem), publicKey: await int.cert.publicKey.export() } as CryptoKeyPair };
  const leaf = await issueCert(intIssuer, { uris: [ID], publicKey: keys.publicKey });
  const base = { ourSpkiDer: spki, spiffeId: ID, trustDomain: TD, rootsPem: [root.certPem] };
  assert.equal(checkIssued({ ...base, chainPem: [leaf.certPem, int.certPem] }).ok, true);
  const missing = checkIssued({ ...base, chainPem: [leaf.certPem] });
  assert.equal(missing.ok, false, 'without the intermediate the leaf does not reach the root');
  const other = await createRootCa({ commonName: 'o' });
  const r = checkIssued({ ...base, chainPem: [leaf.certPem, int.certPem], rootsPem: [other.certPem] });
  assert.equal(r.ok ? 'ok' : r.reason, 'untrusted_chain');
});

test('BundleState: numbered bundles never go back; same roots are no change; digest versions change on any difference', async () => {
  const a = (await createRootCa({ commonName: 'a' })).certPem;
  const b = (await createRootCa({ commonName: 'b' })).certPem;
  const s = new BundleState();
  assert.equal(s.offer({ trustDomain: TD, sequence: 2, rootsPem: [a] }).kind, 'changed');
  assert.equal(s.offer({ trustDomain: TD, sequence: 2, rootsPem: [a] }).kind, 'same');
  assert.equal(s.offer({ trustDomain: TD, sequence: 1, rootsPem: [a, b] }).kind, 'stale');
  const ch = s.offer({ trustDomain: TD, sequence: 3, rootsPem: [a, b] });
  assert.equal(ch.kind, 'changed');
  if (ch.kind === 'changed') assert.equal(ch.added.length, 1);
  const rm = s.offer({ trustDomain: TD, sequence: 4, rootsPem: [b] });
  assert.ok(rm.kind === 'changed' && rm.removed.length === 1 && rm.added.length === 0);
  assert.equal(s.offer({ trustDomain: TD, sequence: 5, rootsPem: [] }).kind, 'stale', 'an empty bundle is never taken');
  const v = new BundleState();
  v.offer({ trustDomain: TD, sequence: 'x1', rootsPem: [a] });
  assert.equal(v.offer({ trustDomain: TD, sequence: 'x2', rootsPem: [b] }).kind, 'changed');
  assert.deepEqual(v.current?.rootsPem, [b]);
});
