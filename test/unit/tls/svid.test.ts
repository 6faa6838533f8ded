import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createRootCa, issueCert } from '../../../src/tls/dev-pki.js';
import { checkSvid, keyUsage, uriSans } from '../../../src/tls/svid.js';
import { parseSpiffeId } from '../../../src/tls/spiffe.js';
import * as x509 from '@peculiar/x509';

test('SPIFFE ID syntax', () => {
  assert.deepEqual(parseSpiffeId('spiffe://example.org/ns/a/sa/b'), { trustDomain: 'example.org', path: '/ns/a/sa/b' });
  for (const bad of ['https://example.org/a', 'spiffe://', 'spiffe://example.org', 'spiffe://Example.org/a', 'spiffe://example.org//a', 'spiffe://example.org/a/../b', 'spiffe://example.org/a?x', 'spiffe://example.org/a b', 'spiffe://example.org:80/a']) {
    assert.ok('error' in parseSpiffeId(bad), bad);
  }
});

test('X.509-SVID rules', async () => {
  const ca = await createRootCa({ commonName: 't' });
  const mk = async (o: Parameters<typeof issueCert>[1]) => new X509Certificate((await issueCert(ca, o)).certPem);
  const ok = await mk({ uris: ['spiffe://example.org/a'] });
  assert.deepEqual(checkSvid(ok, 'example.org'), { ok: true, spiffeId: 'spiffe://example.org/a' });
  assert.deepEqual(keyUsage(ok), { digitalSignature: true, keyCertSign: false });
  const reason = async (o: Parameters<typeof issueCert>[1], td = 'example.org') => {
    const r = checkSvid(await mk(o), td);
    return r.ok ? 'ok' : r.reason;
  };
  assert.equal(await reason({ uris: [] , dnsNames: ['a.example.org'] }), 'no_uri_san');
  assert.equal(await reason({ uris: ['spiffe://example.org/a', 'spiffe://example.org/b'] }), 'multiple_uri_sans');
  assert.equal(await reason({ uris: ['https://example.org/a'] }), 'not_spiffe');
  assert.equal(await reason({ uris: ['spiffe://example.org/a'] }, 'other.org'), 'wrong_trust_domain');
  assert.equal(await reason({ uris: ['spiffe://example.org/a'], isCa: true }), 'leaf_is_ca');
  assert.equal(await reason({ uris: ['spiffe://example.org/a'], keyUsage: x509.KeyUsageFlags.keyEncipherment }), 'no_digital_signature');
  assert.equal(await reason({ uris: ['spiffe://example.org/a'], notBefore: new Date(Date.now() - 7200_000), notAfter: new Date(Date.now() - 3600_000) }), 'expired');
});

test('uriSans reads Node subjectAltName strings', () => {
  assert.deepEqual(uriSans('DNS:a, URI:spiffe://x/y, IP Address:1.2.3.4'), ['spiffe://x/y']);
  assert.deepEqual(uriSans(undefined), []);
});
