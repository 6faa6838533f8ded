import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server } from 'node:tls';
import { makeTestPki } from '../../helpers/pki.js';
import { TlsState } from '../../../src/tls/state.js';
import { TicketKeys } from '../../../src/tls/ticket-keys.js';
import { buildMaterial } from '../../../src/identity/material.js';
import type { CertificateMaterial, CertificateProvider } from '../../../src/identity/provider.js';

const TD = 'example.org';
const SVC = 'spiffe://example.org/ns/t/sa/svc';

/** A provider the test drives by hand. */
class HandProvider implements CertificateProvider {
  readonly kind = 'test';
  private readonly listeners = new Set<(m: CertificateMaterial) => void>();
  constructor(private material: CertificateMaterial) {}
  async start(): Promise<void> {}
  current(): CertificateMaterial {
    return this.material;
  }
  subscribe(l: (m: CertificateMaterial) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  status() {
    return { provider: 'test', lastError: null };
  }
  async stop(): Promise<void> {}
  rotate(m: CertificateMaterial): void {
    this.material = m;
    for (const l of this.listeners) l(m);
  }
}

function open(port: number, ca: string, session?: Buffer): Promise<{ reused: boolean; session: Buffer | undefined }> {
  return new Promise((resolve, reject) => {
    let ticket: Buffer | undefined;
    const s = connect({ port, host: '127.0.0.1', ca, checkServerIdentity: () => undefined, ...(session ? { session } : {}) });
    s.on('session', (t: Buffer) => (ticket = t));
    s.on('error', reject);
    s.on('secureConnect', () => s.write('ping'));
    s.once('data', () => {
      const reused = s.isSessionReused();
      s.destroy();
      resolve({ reused, session: ticket });
    });
  });
}

test('session tickets survive a certificate rotation; new ticket keys end them', async () => {
  const pki = await makeTestPki(TD);
  const material = async (name: string) => {
    const l = await pki.leaf(name, { uris: [SVC] });
    return buildMaterial({ certChainPem: l.certPem, keyPem: l.keyPem, trustBundlePem: pki.ca.certPem, trustDomain: TD, expectedId: SVC });
  };
  const provider = new HandProvider(await material('a'));
  const keys = new TicketKeys(0);
  const state = new TlsState(provider, keys);
  const server: Server = createServer(state.serverOptions, (s) => s.once('data', () => s.write('pong')));
  state.attach(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  try {
    const first = await open(port, pki.ca.certPem);
    assert.equal(first.reused, false);
    assert.ok(first.session);
    assert.equal((await open(port, pki.ca.certPem, first.session)).reused, true, 'resumed');

    provider.rotate(await material('b'));
    assert.equal((await open(port, pki.ca.certPem, first.session)).reused, true, 'still resumed after the certificate changed');

    keys.set(randomBytes(48));
    assert.equal((await open(port, pki.ca.certPem, first.session)).reused, false, 'a ticket under the old keys is refused');
    assert.throws(() => keys.set(randomBytes(16)), /48 bytes/);
  } finally {
    state.close();
    server.close();
  }
});
