import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRootCa, issueCert, type Issuer, type LeafOptions } from '../../src/tls/dev-pki.js';

export interface TestPki {
  dir: string;
  ca: Issuer & { certPem: string; keyPem: string };
  bundle: string;
  /** Writes a leaf for `id` (or custom options) to DIR/<name>.pem and DIR/<name>-key.pem. */
  leaf(name: string, opts: Partial<LeafOptions> & { uris?: string[] }, issuer?: Issuer): Promise<{ cert: string; key: string; certPem: string; keyPem: string }>;
}

/** A throwaway PKI in a temp dir: a root CA plus whatever leaves a test asks for. */
export async function makeTestPki(trustDomain = 'example.org'): Promise<TestPki> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meshguard-pki-'));
  const ca = await createRootCa({ commonName: `test CA ${trustDomain}` });
  const bundle = path.join(dir, 'bundle.pem');
  await writeFile(bundle, ca.certPem);
  return {
    dir,
    ca,
    bundle,
    async leaf(name, opts, issuer = ca) {
      const issued = await issueCert(issuer, { uris: opts.uris ?? [], ...opts });
      const cert = path.join(dir, `${name}.pem`);
      const key = path.join(dir, `${name}-key.pem`);
      await writeFile(cert, issued.certPem);
      await writeFile(key, issued.keyPem, { mode: 0o600 });
      return { cert, key, certPem: issued.certPem, keyPem: issued.keyPem };
    },
  };
}

