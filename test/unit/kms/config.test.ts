import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/load.js';

const base = (kms: string, extra = '') => `trustDomain: example.org
identity: spiffe://example.org/ns/shop/sa/orders
certificates:
  provider: kms
  kms:
${kms}
${extra}
inbound: { listen: 127.0.0.1:15006, app: http://127.0.0.1:8080 }
`;

test('kms config: the issue example validates', () => {
  const cfg = parseConfig(base(`    adapter: mock
    url: https://127.0.0.1:8443
    ca: kms-mock/state/kms-ca.pem
    tokenFile: kms-mock/state/bootstrap-token
    ttl: 1h`, '  rotation: { at: 0.5, jitter: 0.1, backoff: { initial: 1s, max: 30s } }'), 'meshguard.yaml');
  assert.equal(cfg.certificates.kms?.adapter, 'mock');
  assert.equal(cfg.certificates.rotation?.at, 0.5);
});

test('kms config: vault and pkcs11-ca keys; missing adapter keys and bad values are refused with a line', () => {
  parseConfig(base(`    adapter: vault
    url: https://vault.internal:8200
    tokenFile: /run/secrets/vault-token
    mount: pki_int
    role: meshguard`), 'a.yaml');
  parseConfig(base(`    adapter: pkcs11-ca
    module: /usr/lib/softhsm/libsofthsm2.so
    tokenLabel: meshguard-ca
    pinFile: /run/secrets/hsm-pin
    keyLabel: mg-ca
    caCert: hsm-ca.pem`), 'b.yaml');
  assert.throws(() => parseConfig(base(`    adapter: vault
    url: https://vault.internal:8200
    tokenFile: t`), 'c.yaml'), /c\.yaml.*role/s);
  assert.throws(() => parseConfig(base(`    adapter: mock
    url: http://127.0.0.1:8443
    ca: a
    tokenFile: b`), 'd.yaml'), /d\.yaml:\d+/);
  assert.throws(() => parseConfig(base(`    adapter: mock
    url: https://127.0.0.1:8443
    ca: a
    tokenFile: b`, '  rotation: { at: 1.5 }'), 'e.yaml'), /e\.yaml:\d+/);
});
