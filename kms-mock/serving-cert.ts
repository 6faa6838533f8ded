// @peculiar/x509 needs the Reflect metadata polyfill loaded before it (tsyringe throws otherwise).
import 'reflect-metadata';
import { isIP } from 'node:net';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { generateKeyPair, loadOrCreateRootCa, privateKeyPem, type Issuer } from '../src/tls/dev-pki.js';
import { randomBytes } from 'node:crypto';

/**
 * kms-mock's own HTTPS identity. Its CA (DIR/kms-ca.pem) is separate from the SVID CA: the file a
 * sidecar uses to trust the KMS must not also let the KMS pose as a workload, and the reverse.
 * The server certificate itself is made fresh at every start for the names it listens on.
 */
export async function servingIdentity(dir: string, host: string): Promise<{ certPem: string; keyPem: string; caFile: string }> {
  const caFile = path.join(dir, 'kms-ca.pem');
  const caKeyFile = path.join(dir, 'kms-ca-key.pem');
  const ca: Issuer = await loadOrCreateRootCa(caFile, caKeyFile, 'kms-mock serving CA');
  const names: x509.JsonGeneralName[] = [
    { type: 'dns', value: 'localhost' },
    { type: 'ip', value: '127.0.0.1' },
    { type: 'ip', value: '::1' },
  ];
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare && bare !== '0.0.0.0' && bare !== '::' && !names.some((n) => n.value === bare)) {
    names.push(isIP(bare) ? { type: 'ip', value: bare } : { type: 'dns', value: bare });
  }
  const keys = await generateKeyPair();
  const sn = randomBytes(16);
  sn[0] = sn[0]! & 0x7f;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: sn.toString('hex'),
    subject: 'CN=kms-mock',
    issuer: ca.cert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * 86_400_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey!,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await privateKeyPem(keys.privateKey), caFile };
}
