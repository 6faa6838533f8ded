import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { checkSvid } from '../tls/svid.js';
import type { CertificateMaterial } from './provider.js';

/** Splits a PEM file into its certificates (in file order). */
export function splitPemCerts(pem: string): string[] {
  const out: string[] = [];
  const begin = '-----BEGIN CERTIFICATE-----';
  const end = '-----END CERTIFICATE-----';
  let i = pem.indexOf(begin);
  while (i >= 0) {
    const j = pem.indexOf(end, i);
    if (j < 0) break;
    out.push(pem.slice(i, j + end.length) + '\n');
    i = pem.indexOf(begin, j);
  }
  return out;
}

/**
 * Checks that a chain, a key and a bundle make a usable identity for `expectedId`, and builds the
 * material. Throws with a plain reason otherwise; callers keep the material they had.
 */
export function buildMaterial(input: {
  certChainPem: string;
  keyPem: string;
  trustBundlePem: string;
  trustDomain: string;
  expectedId: string;
  bundleVersion?: string | number;
}): CertificateMaterial {
  const certs = splitPemCerts(input.certChainPem);
  if (certs.length === 0) throw new Error('no certificate in the chain');
  const leaf = new X509Certificate(certs[0]!);
  const svid = checkSvid(leaf, input.trustDomain);
  if (!svid.ok) throw new Error(`not a valid X.509-SVID: ${svid.detail}`);
  if (svid.spiffeId !== input.expectedId) throw new Error(`certificate is for ${svid.spiffeId}, not ${input.expectedId}`);
  let key;
  try {
    key = createPrivateKey(input.keyPem);
  } catch (err) {
    throw new Error(`private key cannot be read: ${(err as Error).message}`);
  }
  const fromKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const fromCert = leaf.publicKey.export({ type: 'spki', format: 'der' });
  if (!fromKey.equals(fromCert)) throw new Error('private key does not match the certificate');
  const roots = splitPemCerts(input.trustBundlePem);
  if (roots.length === 0) throw new Error('trust bundle holds no certificate');
  const rootCerts = roots.map((r) => new X509Certificate(r));
  // The leaf (or its last intermediate) must chain to one of the roots we hand to OpenSSL.
  const chain = certs.map((c) => new X509Certificate(c));
  const top = chain[chain.length - 1]!;
  if (!rootCerts.some((r) => top.checkIssued(r) && top.verify(r.publicKey)) && !rootCerts.some((r) => r.fingerprint256 === top.fingerprint256)) {
    throw new Error('certificate does not chain to the trust bundle');
  }
  return {
    certChainPem: certs.join(''),
    keyPem: input.keyPem,
    trustBundlePem: roots.join(''),
    leaf,
    spiffeId: svid.spiffeId,
    serial: leaf.serialNumber,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    ...(input.bundleVersion !== undefined ? { bundleVersion: input.bundleVersion } : {}),
  };
}
