// @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto, randomBytes } from 'node:crypto';
import { mkdir, writeFile, readFile, access } from 'node:fs/promises';
import path from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface Issuer {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

export interface IssuedCert {
  certPem: string;
  keyPem: string;
  cert: x509.X509Certificate;
}

function serial(): string {
  // Positive 16-byte serial (high bit cleared) as RFC 5280 §4.1.2.2 asks.
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

export async function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  const b64 = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  return webcrypto.subtle.importKey('pkcs8', Buffer.from(b64, 'base64'), EC, true, ['sign']);
}

/** A self-signed root CA. */
export async function createRootCa(opts: { commonName: string; days?: number; notBefore?: Date }): Promise<Issuer & { keyPem: string; certPem: string }> {
  const keys = await generateKeyPair();
  const notBefore = opts.notBefore ?? new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${opts.commonName}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + (opts.days ?? 3650) * 86_400_000),
    signingAlgorithm: SIGN,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys, certPem: cert.toString('pem') + '\n', keyPem: await privateKeyPem(keys.privateKey!) };
}

export interface LeafOptions {
  /** URI SANs; an X.509-SVID has exactly one `spiffe://` URI. Tests pass zero or two to build bad ones. */
  uris: string[];
  dnsNames?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** Lifetime when notAfter is absent (default 365 days). */
  ttlMs?: number;
  /** Build a CA certificate (an intermediate, or a bad leaf for tests). */
  isCa?: boolean;
  /** Default digitalSignature; tests pass keyEncipherment alone to build a bad one. */
  keyUsage?: number;
  /** Sign this public key instead of a fresh one (CSR signing). */
  publicKey?: CryptoKey;
  commonName?: string;
}

/** A certificate signed by `issuer`. */
export async function issueCert(issuer: Issuer, opts: LeafOptions): Promise<IssuedCert> {
  const keys = opts.publicKey ? null : await generateKeyPair();
  const publicKey = opts.publicKey ?? keys!.publicKey;
  const notBefore = opts.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = opts.notAfter ?? new Date(notBefore.getTime() + (opts.ttlMs ?? 365 * 86_400_000));
  const alt: x509.JsonGeneralName[] = [
    ...opts.uris.map((value) => ({ type: 'url' as const, value })),
    ...(opts.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(opts.isCa ?? false, undefined, true),
    new x509.KeyUsagesExtension(opts.keyUsage ?? (opts.isCa ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.digitalSignature), true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.cert),
  ];
  if (alt.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(alt, true));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: opts.commonName ? `CN=${opts.commonName}` : '',
    issuer: issuer.cert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: SIGN,
    publicKey,
    signingKey: issuer.keys.privateKey!,
    extensions,
  });
  return { cert, certPem: cert.toString('pem') + '\n', keyPem: keys ? await privateKeyPem(keys.privateKey!) : '' };
}

/** The last path segment of a SPIFFE ID, used to name its files (`.../sa/orders` → `orders`). */
export function fileStem(spiffeId: string): string {
  const seg = spiffeId.split('/').filter(Boolean).pop() ?? 'workload';
  return seg.replace(/[^A-Za-z0-9._-]/g, '_');
}

export interface DevPkiResult {
  dir: string;
  bundle: string;
  caKey: string;
  workloads: Array<{ id: string; cert: string; key: string }>;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** An issuer from a PEM certificate and its PEM (PKCS#8) key. */
export async function issuerFromPem(certPem: string, keyPem: string): Promise<Issuer> {
  const cert = new x509.X509Certificate(certPem);
  const privateKey = await importPrivateKeyPem(keyPem);
  return { cert, keys: { privateKey, publicKey: await cert.publicKey.export() } as CryptoKeyPair };
}

/** The root CA kept in certFile/keyFile, made (key 0600) when either is missing. */
export async function loadOrCreateRootCa(certFile: string, keyFile: string, commonName: string): Promise<Issuer> {
  if ((await exists(certFile)) && (await exists(keyFile))) return issuerFromPem(await readFile(certFile, 'utf8'), await readFile(keyFile, 'utf8'));
  const ca = await createRootCa({ commonName });
  await writeFile(keyFile, ca.keyPem, { mode: 0o600 });
  await writeFile(certFile, ca.certPem);
  return ca;
}

/**
 * `meshguard certs dev`: a dev root CA (reused when DIR already has one) and one SVID per ID.
 * Files: bundle.pem, ca-key.pem, <stem>.pem, <stem>-key.pem. Keys are written 0600.
 */
export async function makeDevPki(opts: { dir: string; trustDomain: string; ids: string[]; days?: number }): Promise<DevPkiResult> {
  await mkdir(opts.dir, { recursive: true });
  const bundle = path.join(opts.dir, 'bundle.pem');
  const caKey = path.join(opts.dir, 'ca-key.pem');
  const issuer = await loadOrCreateRootCa(bundle, caKey, `meshguard dev CA (${opts.trustDomain})`);
  const workloads: DevPkiResult['workloads'] = [];
  for (const id of opts.ids) {
    const stem = fileStem(id);
    const leaf = await issueCert(issuer, { uris: [id], ttlMs: (opts.days ?? 365) * 86_400_000 });
    const cert = path.join(opts.dir, `${stem}.pem`);
    const key = path.join(opts.dir, `${stem}-key.pem`);
    await writeFile(cert, leaf.certPem);
    await writeFile(key, leaf.keyPem, { mode: 0o600 });
    workloads.push({ id, cert, key });
  }
  return { dir: opts.dir, bundle, caKey, workloads };
}
