/**
 * Bench certificates: a dev CA and two ECDSA P-256 leaves whose SAN carries the SPIFFE ID (what
 * meshguard checks) and DNS:localhost (nginx and HAProxy cannot match URI SANs, so they verify the
 * chain plus this DNS name). All four sidecar kinds use the same files. Made once per run directory
 * with the system openssl; nothing here is secret beyond the bench.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, readFileSync, chmodSync } from 'node:fs';
import path from 'node:path';

export const TRUST_DOMAIN = 'example.org';
export const SERVER_ID = `spiffe://${TRUST_DOMAIN}/ns/default/sa/server`;
export const CLIENT_ID = `spiffe://${TRUST_DOMAIN}/ns/default/sa/client`;

export interface BenchCerts {
  dir: string;
  ca: string;
  server: { crt: string; key: string; pem: string };
  client: { crt: string; key: string; pem: string };
  /** ES256 key that signs the audit file sink's checkpoints. */
  auditKey: string;
}

function ossl(cwd: string, args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function leaf(dir: string, name: string, id: string): void {
  ossl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  ossl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/O=${TRUST_DOMAIN}/CN=${name}`, '-out', `${name}.csr`]);
  writeFileSync(
    path.join(dir, `${name}.ext`),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyAgreement',
      'extendedKeyUsage=serverAuth,clientAuth',
      `subjectAltName=URI:${id},DNS:localhost`,
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'),
  );
  ossl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-sha256', '-days', '365', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
  // HAProxy takes certificate and key in one file.
  writeFileSync(path.join(dir, `${name}.pem`), readFileSync(path.join(dir, `${name}.crt`), 'utf8') + readFileSync(path.join(dir, `${name}.key`), 'utf8'));
  chmodSync(path.join(dir, `${name}.key`), 0o600);
  chmodSync(path.join(dir, `${name}.pem`), 0o600);
}

export function ensureCerts(dir: string): BenchCerts {
  const certs: BenchCerts = {
    dir,
    ca: path.join(dir, 'ca.crt'),
    server: { crt: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key'), pem: path.join(dir, 'server.pem') },
    client: { crt: path.join(dir, 'client.crt'), key: path.join(dir, 'client.key'), pem: path.join(dir, 'client.pem') },
    auditKey: path.join(dir, 'audit-signing.key'),
  };
  if ([certs.ca, certs.server.pem, certs.client.pem, certs.auditKey].every((f) => existsSync(f))) return certs;
  mkdirSync(dir, { recursive: true });
  ossl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key']);
  ossl(dir, [
    'req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '365', '-subj', `/O=${TRUST_DOMAIN}/CN=bench-ca`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.crt',
  ]);
  leaf(dir, 'server', SERVER_ID);
  leaf(dir, 'client', CLIENT_ID);
  ossl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'audit-signing.key']);
  chmodSync(certs.auditKey, 0o600);
  return certs;
}
