import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type ConnectionOptions } from 'node:tls';
import { makeTestPki, type TestPki } from '../helpers/pki.js';
import { startEchoApp, type EchoApp } from '../helpers/apps.js';
import { startTestSidecar } from '../helpers/mesh.js';
import type { Sidecar } from '../../src/sidecar.js';

const TD = 'example.org';
let pki: TestPki;
let app: EchoApp;
let sidecar: Sidecar;
let client: { certPem: string; keyPem: string };

before(async () => {
  pki = await makeTestPki(TD);
  app = await startEchoApp();
  const svc = await pki.leaf('svc', { uris: ['spiffe://example.org/svc'] });
  client = await pki.leaf('client', { uris: ['spiffe://example.org/client'] });
  sidecar = (await startTestSidecar({ trustDomain: TD, identity: 'spiffe://example.org/svc', certificates: { provider: 'files', files: { cert: svc.cert, key: svc.key, bundle: pki.bundle } }, inbound: { listen: '127.0.0.1:0', app: `http://127.0.0.1:${app.port}` } })).sidecar;
});
after(async () => {
  await sidecar?.stop({ drainTimeoutMs: 0 });
  await app?.close();
});

function handshake(opts: Partial<ConnectionOptions>): Promise<{ ok: boolean; protocol?: string | null; cipher?: string; error?: string }> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: sidecar.inboundAddress!.port, ca: pki.ca.certPem, cert: client.certPem, key: client.keyPem, checkServerIdentity: () => undefined, ...opts }, () => {
      const r = { ok: true, protocol: s.getProtocol(), cipher: s.getCipher().standardName };
      s.destroy();
      resolve(r);
    });
    s.on('error', (err) => resolve({ ok: false, error: err.message }));
  });
}

test('TLS 1.3 is preferred; TLS 1.2 works with ECDHE AEAD suites only', async () => {
  const best = await handshake({});
  assert.equal(best.protocol, 'TLSv1.3');
  const t12 = await handshake({ maxVersion: 'TLSv1.2' });
  assert.equal(t12.protocol, 'TLSv1.2');
  assert.match(t12.cipher ?? '', /^TLS_ECDHE_ECDSA_WITH_(AES_128_GCM|AES_256_GCM|CHACHA20_POLY1305)/);
});

test('TLS 1.1 and non-ECDHE or CBC suites are refused', async () => {
  const old = await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
  assert.equal(old.ok, false);
  for (const c of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA384', 'AES128-GCM-SHA256']) {
    const r = await handshake({ maxVersion: 'TLSv1.2', ciphers: c });
    assert.equal(r.ok, false, `${c} must be refused (got ${r.cipher})`);
  }
});

test('client-initiated renegotiation is refused', async () => {
  const result = await new Promise<string>((resolve) => {
    const s = connect({ host: '127.0.0.1', port: sidecar.inboundAddress!.port, ca: pki.ca.certPem, cert: client.certPem, key: client.keyPem, maxVersion: 'TLSv1.2', checkServerIdentity: () => undefined }, () => {
      s.renegotiate({ rejectUnauthorized: true }, (err) => {
        resolve(err ? `refused: ${err.message}` : 'renegotiated');
        s.destroy();
      });
    });
    s.on('error', (err) => resolve(`refused: ${err.message}`));
    s.on('close', () => resolve('refused: closed'));
  });
  assert.match(result, /^refused/);
});
