import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { createKmsProvider } from '../../../src/identity/kms-provider.js';
import { Pkcs11Token } from '../../../src/kms/pkcs11-token.js';
import { selfSignedTokenCa } from '../../../src/kms/pkcs11-ca-adapter.js';
import { silentLogger } from '../../../src/log.js';
import type { MeshguardConfig } from '../../../src/config/types.js';
import type { CertManager } from '../../../src/identity/cert-manager.js';
import { splitPemCerts } from '../../../src/kms/pem.js';
import { chainsTo } from '../../../src/identity/cert-manager-checks.js';
import { waitFor } from './helpers.js';
import { webcrypto } from 'node:crypto';
import { createRootCa, issueCert } from '../../../src/tls/dev-pki.js';

// Debian's softhsm2 package; `.ci/run` installs it. MESHGUARD_SOFTHSM_MODULE points elsewhere if needed.
const MODULE = process.env['MESHGUARD_SOFTHSM_MODULE'] ?? '/usr/lib/softhsm/libsofthsm2.so';
const TD = 'example.org';
const ID = `spiffe://${TD}/ns/shop/sa/orders`;
const PIN = '246810';

/** A fresh SoftHSM2 token in a temp dir (SOFTHSM2_CONF is read when the module initialises). */
async function freshToken(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mg-hsm-'));
  await mkdir(path.join(dir, 'tokens'));
  const conf = path.join(dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${path.join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env['SOFTHSM2_CONF'] = conf;
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', 'meshguard-ca', '--pin', PIN, '--so-pin', '13579135'], { env: process.env, stdio: 'pipe' });
  return dir;
}

test('pkcs11-ca on SoftHSM2: the CA key is not extractable, SVIDs are signed by the token and renewed', async () => {
  const dir = await freshToken();
  const token = Pkcs11Token.open({ module: MODULE, tokenLabel: 'meshguard-ca', pin: PIN });
  let p: CertManager | undefined;
  try {
    token.generateCaKey('mg-ca');
    const attrs = token.privateKeyAttributes('mg-ca');
    assert.equal(attrs.extractable, false, 'CKA_EXTRACTABLE is false');
    assert.equal(attrs.sensitive, true, 'CKA_SENSITIVE is true');
    assert.throws(() => attrs.readValue(), /CKR_ATTRIBUTE_SENSITIVE/, 'C_GetAttributeValue(CKA_VALUE) is refused');

    const caPem = await selfSignedTokenCa(token, 'mg-ca', { commonName: 'meshguard HSM CA' });
    const ca = new X509Certificate(caPem);
    assert.ok(ca.ca && ca.verify(ca.publicKey), 'the token signed its own CA certificate');
    await writeFile(path.join(dir, 'ca.pem'), caPem);
    await writeFile(path.join(dir, 'pin'), `${PIN}\n`, { mode: 0o600 });

    const config: MeshguardConfig = {
      trustDomain: TD,
      identity: ID,
      certificates: {
        provider: 'kms',
        kms: { adapter: 'pkcs11-ca', module: MODULE, tokenLabel: 'meshguard-ca', pinFile: 'pin', keyLabel: 'mg-ca', caCert: 'ca.pem', ttl: 2, startTimeout: '5s' },
        rotation: { at: 0.5, jitter: 0, backoff: { initial: '100ms', max: '300ms' } },
      },
    };
    p = createKmsProvider({ config, configDir: dir, logger: silentLogger, metrics: new Registry() }) as CertManager;
    await p.start();
    const m = p.current()!;
    assert.equal(m.spiffeId, ID);
    const chain = splitPemCerts(m.certChainPem).map((c) => new X509Certificate(c));
    assert.equal(chain.length, 1, 'the root CA signs leaves directly; no root in the chain');
    assert.ok(chain[0]!.verify(ca.publicKey), 'leaf signed by the token key');
    assert.ok(chainsTo(chain, [ca]));
    assert.equal(m.trustBundlePem.trim(), caPem.trim());
    assert.ok(await waitFor(() => p!.current() !== undefined && p!.current()!.serial !== m.serial, 3000), 'renewed by the token');
  } finally {
    await p?.stop();
    token.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('pkcs11-ca as an intermediate on the token under an offline root: chain leaf → intermediate, bundle = the root', async () => {
  const dir = await freshToken();
  const token = Pkcs11Token.open({ module: MODULE, tokenLabel: 'meshguard-ca', pin: PIN });
  let p: CertManager | undefined;
  try {
    const { spki } = token.generateCaKey('mg-int');
    // The offline root lives in software here; it signs a CA certificate for the token's public key.
    const root = await createRootCa({ commonName: 'offline root' });
    const pub = await webcrypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
    const int = await issueCert(root, { uris: [], isCa: true, commonName: 'HSM intermediate', publicKey: pub, ttlMs: 86_400_000 });
    await writeFile(path.join(dir, 'int.pem'), int.certPem + root.certPem);
    await writeFile(path.join(dir, 'pin'), PIN);
    const config: MeshguardConfig = {
      trustDomain: TD,
      identity: ID,
      certificates: { provider: 'kms', kms: { adapter: 'pkcs11-ca', module: MODULE, tokenLabel: 'meshguard-ca', pinFile: 'pin', keyLabel: 'mg-int', caCert: 'int.pem', ttl: 60, startTimeout: '5s' } },
    };
    p = createKmsProvider({ config, configDir: dir, logger: silentLogger, metrics: new Registry() }) as CertManager;
    await p.start();
    const m = p.current()!;
    const chain = splitPemCerts(m.certChainPem).map((c) => new X509Certificate(c));
    assert.equal(chain.length, 2, 'leaf and the HSM intermediate');
    assert.equal(chain[1]!.fingerprint256, new X509Certificate(int.certPem).fingerprint256);
    assert.ok(chain[0]!.verify(chain[1]!.publicKey), 'leaf signed by the token key');
    assert.equal(m.trustBundlePem.trim(), root.certPem.trim(), 'the bundle is the offline root alone');
  } finally {
    await p?.stop();
    token.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('pkcs11-ca refuses a CA certificate that is not for the token key', async () => {
  const dir = await freshToken();
  const token = Pkcs11Token.open({ module: MODULE, slot: 0, pin: PIN });
  let p: CertManager | undefined;
  try {
    token.generateCaKey('key-a');
    token.generateCaKey('key-b');
    await writeFile(path.join(dir, 'ca-b.pem'), await selfSignedTokenCa(token, 'key-b', { commonName: 'B' }));
    await writeFile(path.join(dir, 'pin'), PIN);
    const config: MeshguardConfig = {
      trustDomain: TD,
      identity: ID,
      certificates: { provider: 'kms', kms: { adapter: 'pkcs11-ca', module: MODULE, slot: 0, pinFile: 'pin', keyLabel: 'key-a', caCert: 'ca-b.pem', startTimeout: '300ms' }, rotation: { backoff: { initial: '100ms', max: '100ms' } } },
    };
    p = createKmsProvider({ config, configDir: dir, logger: silentLogger, metrics: new Registry() }) as CertManager;
    await assert.rejects(p.start(), /caCert is not the certificate of the token key "key-a"/);
  } finally {
    await p?.stop();
    token.close();
    await rm(dir, { recursive: true, force: true });
  }
});
