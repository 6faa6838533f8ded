import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { createRootCa, issueCert } from '../../../src/tls/dev-pki.js';
import { SvidCache } from '../../../src/tls/svid-cache.js';

type IssueOpts = Parameters<typeof issueCert>[1];

async function pki() {
  const ca = await createRootCa({ commonName: 'svid-cache' });
  return async (o: IssueOpts) => new X509Certificate((await issueCert(ca, o)).certPem);
}

test('a verified certificate carries the identity, its DER SHA-256 and serial; a second check is a hit', async () => {
  const mk = await pki();
  const cert = await mk({ uris: ['spiffe://example.org/ns/a/sa/orders'] });
  const cache = new SvidCache('example.org');
  const first = cache.check(cert);
  assert.ok(first.ok);
  assert.equal(first.svid.spiffeId, 'spiffe://example.org/ns/a/sa/orders');
  assert.equal(first.svid.certSha256, createHash('sha256').update(cert.raw).digest('hex'));
  assert.equal(first.svid.serial, cert.serialNumber);
  assert.equal(cache.size, 1);
  // A new X509Certificate object for the same DER (what a new connection gets) hits the entry.
  const again = cache.check(new X509Certificate(cert.raw));
  assert.ok(again.ok);
  assert.equal(again.svid, first.svid);
  assert.equal(cache.size, 1);
});

test('a cached certificate is refused once it expires, and before it is valid', async () => {
  const mk = await pki();
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 3_600_000);
  const cert = await mk({ uris: ['spiffe://example.org/a'], notBefore, notAfter });
  const cache = new SvidCache('example.org');
  assert.ok(cache.check(cert).ok);
  const later = cache.check(cert, Date.parse(cert.validTo) + 1000);
  assert.equal(later.ok, false);
  assert.equal(!later.ok && later.reason, 'expired');
  const earlier = cache.check(cert, Date.parse(cert.validFrom) - 1000);
  assert.equal(!earlier.ok && earlier.reason, 'not_yet_valid');
  // Still in the cache, still valid inside its window.
  assert.ok(cache.check(cert).ok);
});

test('another certificate with the same subject and SPIFFE ID gets every check again', async () => {
  const mk = await pki();
  const id = 'spiffe://example.org/ns/a/sa/orders';
  const cache = new SvidCache('example.org');
  const good = await mk({ uris: [id], commonName: 'orders' });
  assert.ok(cache.check(good).ok);
  const asCa = await mk({ uris: [id], commonName: 'orders', isCa: true });
  const r = cache.check(asCa);
  assert.equal(!r.ok && r.reason, 'leaf_is_ca');
  const expired = await mk({ uris: [id], commonName: 'orders', notBefore: new Date(Date.now() - 7_200_000), notAfter: new Date(Date.now() - 3_600_000) });
  const e = cache.check(expired);
  assert.equal(!e.ok && e.reason, 'expired');
  const second = await mk({ uris: [id], commonName: 'orders' });
  const s = cache.check(second);
  assert.ok(s.ok);
  assert.notEqual(s.svid.certSha256, (cache.check(good) as { ok: true; svid: { certSha256: string } }).svid.certSha256);
  assert.equal(cache.size, 2, 'refusals are not cached');
});

test('a verdict belongs to its trust domain', async () => {
  const mk = await pki();
  const cert = await mk({ uris: ['spiffe://example.org/a'] });
  assert.ok(new SvidCache('example.org').check(cert).ok);
  const other = new SvidCache('other.org').check(cert);
  assert.equal(!other.ok && other.reason, 'wrong_trust_domain');
});

test('the cache is bounded and drops the least recently used certificate', async () => {
  const mk = await pki();
  const cache = new SvidCache('example.org', 2);
  const [a, b, c] = [await mk({ uris: ['spiffe://example.org/a'] }), await mk({ uris: ['spiffe://example.org/b'] }), await mk({ uris: ['spiffe://example.org/c'] })];
  const ra = cache.check(a);
  const rb = cache.check(b);
  cache.check(a); // a is now the most recently used
  cache.check(c); // evicts b
  assert.equal(cache.size, 2);
  const ra2 = cache.check(a);
  assert.ok(ra.ok && ra2.ok && rb.ok);
  assert.equal(ra2.svid, ra.svid, 'a stayed cached');
  const rb2 = cache.check(b);
  assert.ok(rb2.ok);
  assert.notEqual(rb2.svid, rb.svid, 'b was dropped and verified again');
  assert.equal(cache.size, 2);
});
