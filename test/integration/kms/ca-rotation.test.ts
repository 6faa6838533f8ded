import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { startMock, kmsConfig, provider, waitFor, sleep, TD } from './helpers.js';
import { splitPemCerts } from '../../../src/kms/pem.js';
import type { CertificateMaterial } from '../../../src/identity/provider.js';

const A = `spiffe://${TD}/ns/shop/sa/orders`;
const B = `spiffe://${TD}/ns/shop/sa/payments`;

function serverOptions(m: CertificateMaterial): tls.SecureContextOptions {
  return { cert: m.certChainPem, key: m.keyPem, ca: m.trustBundlePem };
}

function rootOf(m: CertificateMaterial): string {
  const chain = splitPemCerts(m.certChainPem).map((c) => new X509Certificate(c));
  const top = chain[chain.length - 1]!;
  return splitPemCerts(m.trustBundlePem).map((r) => new X509Certificate(r)).find((r) => top.checkIssued(r))!.fingerprint256;
}

test('CA root rotation: new root published first, leaves move to it, old root retired after its last leaf; zero failed mTLS handshakes', async () => {
  const env = await startMock(3);
  const a = provider(kmsConfig(env, A, { ttl: 3, bundleRefresh: '200ms' }));
  const b = provider(kmsConfig(env, B, { ttl: 3, bundleRefresh: '200ms' }));
  let server: tls.Server | undefined;
  let running = true;
  try {
    await Promise.all([a.p.start(), b.p.start()]);
    const oldRoot = rootOf(a.p.current()!);
    // A real mTLS server on A's identity, swapped with setSecureContext as the sidecar does.
    server = tls.createServer({ ...serverOptions(a.p.current()!), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, (s) => s.end('ok'));
    a.p.subscribe((m) => server!.setSecureContext(serverOptions(m)));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    let ok = 0;
    const failures: string[] = [];
    const load = (async () => {
      while (running) {
        const m = b.p.current()!;
        await new Promise<void>((resolve) => {
          const s = tls.connect({ host: '127.0.0.1', port, cert: m.certChainPem, key: m.keyPem, ca: m.trustBundlePem, checkServerIdentity: () => undefined }, () => {
            s.once('data', () => {
              ok++;
              s.end();
              resolve();
            });
          });
          s.once('error', (e) => {
            failures.push(e.message);
            resolve();
          });
        });
        await sleep(15);
      }
    })();

    // A handshake must succeed in every phase of the rotation (a count would only measure the machine).
    const phases: string[] = [];
    const handshakeIn = async (phase: string): Promise<void> => {
      const mark = ok;
      if (await waitFor(() => ok > mark || failures.length > 0, 5000)) phases.push(phase);
    };
    await handshakeIn('old root only');
    const seqBefore = a.p.current()!.bundleVersion as number;
    await env.mock.rotateCa(1.5);
    // Both roots are published before anything is signed by the new one.
    assert.ok(await waitFor(() => splitPemCerts(a.p.current()!.trustBundlePem).length === 2 && splitPemCerts(b.p.current()!.trustBundlePem).length === 2, 1500), 'both sides trust old and new root');
    assert.ok((a.p.current()!.bundleVersion as number) > seqBefore);
    assert.equal(rootOf(a.p.current()!), oldRoot, 'still signed by the old root during the delay');
    await handshakeIn('both roots trusted');
    // After the switch, renewals chain to the new root.
    assert.ok(await waitFor(() => rootOf(a.p.current()!) !== oldRoot && rootOf(b.p.current()!) !== oldRoot, 5000), 'leaves move to the new root');
    await handshakeIn('leaves on the new root');
    // The old root leaves once its last leaf expired (at most one TTL after the switch).
    assert.ok(await waitFor(() => splitPemCerts(a.p.current()!.trustBundlePem).length === 1, 5000), 'old root retired');
    assert.notEqual(rootOf(a.p.current()!), oldRoot);
    await handshakeIn('old root retired');
    running = false;
    await load;
    assert.deepEqual(failures, [], 'no handshake failed across the rotation');
    assert.deepEqual(phases, ['old root only', 'both roots trusted', 'leaves on the new root', 'old root retired'], `handshakes kept going (${ok} in all)`);
  } finally {
    running = false;
    server?.close();
    await a.p.stop();
    await b.p.stop();
    await env.close();
  }
});

test('bundle changes arrive by watch (long poll) without waiting for the refresh interval', async () => {
  const env = await startMock(30);
  const a = provider(kmsConfig(env, A, { ttl: 30, bundleRefresh: '60s' }));
  try {
    await a.p.start();
    const seq = a.p.current()!.bundleVersion as number;
    const seen: Array<number | string | undefined> = [];
    a.p.subscribe((m) => seen.push(m.bundleVersion));
    // Let the watch settle into its long poll before the change.
    await sleep(300);
    const t0 = Date.now();
    await env.mock.rotateCa(60);
    assert.ok(await waitFor(() => splitPemCerts(a.p.current()!.trustBundlePem).length === 2, 2000), 'new root pushed to the watcher');
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(a.p.current()!.bundleVersion, seq + 1);
    assert.deepEqual(seen, [seq + 1], 'one material with the new bundle, same certificate');
  } finally {
    await a.p.stop();
    await env.close();
  }
});
