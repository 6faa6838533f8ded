// @peculiar/x509 needs the Reflect metadata polyfill loaded before it (tsyringe throws otherwise).
import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { issueCert } from '../src/tls/dev-pki.js';
import { parseSpiffeId } from '../src/tls/spiffe.js';
import type { CaStore } from './ca-store.js';
import type { FaultMode } from './faults.js';

export class SignRefused extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface Issued {
  chain: string[];
  serial: string;
  notAfter: Date;
}

const MAX_TTL_S = 30 * 86_400;

/**
 * Checks a CSR and signs it: the CSR's signature must verify, its only URI SAN must be the SPIFFE
 * ID asked for, and that ID must be in our trust domain. Fault modes that corrupt the certificate
 * (wrong-san, expired, wrong-key) are applied here, after the checks, as a broken KMS would.
 */
export async function signCsr(store: CaStore, args: { csrPem: string; spiffeId: string; ttlSeconds: number; fault?: FaultMode }): Promise<Issued> {
  const parsed = parseSpiffeId(args.spiffeId);
  if ('error' in parsed) throw new SignRefused(400, `not a SPIFFE ID: ${parsed.error}`);
  if (parsed.trustDomain !== store.trustDomain) throw new SignRefused(403, `trust domain ${parsed.trustDomain} is not ${store.trustDomain}`);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(args.csrPem);
  } catch {
    throw new SignRefused(400, 'csr is not a PEM PKCS#10 request');
  }
  if (!(await csr.verify())) throw new SignRefused(400, 'csr signature does not verify');
  const uris = csrUriSans(csr);
  if (uris.length !== 1 || uris[0] !== args.spiffeId) throw new SignRefused(400, 'csr must carry exactly one URI SAN, the SPIFFE ID asked for');
  if (!Number.isFinite(args.ttlSeconds) || args.ttlSeconds <= 0) throw new SignRefused(400, 'ttl must be a positive number of seconds');

  const { issuer, intPem, n, intNotAfter } = await store.signingIssuer();
  // X.509 times have one-second resolution: start on a whole second so the lifetime is exact.
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
  let notAfter = new Date(Math.min(notBefore.getTime() + Math.min(args.ttlSeconds, MAX_TTL_S) * 1000, intNotAfter.getTime()));
  let uris2 = [args.spiffeId];
  let publicKey: CryptoKey | undefined = await csr.publicKey.export();
  let nb = notBefore;
  if (args.fault === 'wrong-san') uris2 = [`spiffe://${store.trustDomain}/ns/kms-mock/sa/not-you`];
  if (args.fault === 'expired') {
    nb = new Date(notBefore.getTime() - 7_200_000);
    notAfter = new Date(notBefore.getTime() - 3_600_000);
  }
  if (args.fault === 'wrong-key') publicKey = undefined;
  const leaf = await issueCert(issuer, { uris: uris2, notBefore: nb, notAfter, ...(publicKey ? { publicKey } : {}) });
  if (!args.fault) await store.recordLeaf(n, notAfter);
  return { chain: [leaf.certPem, intPem], serial: leaf.cert.serialNumber, notAfter };
}

/** Remembers successful answers per idempotency key for a while, so a retried request gets the same certificate. */
export class IdempotencyCache {
  private entries = new Map<string, { csrHash: string; issued: Issued; expires: number }>();
  constructor(private readonly ttlMs = 10 * 60_000) {}

  get(key: string, csrPem: string): Issued | 'conflict' | undefined {
    this.sweep();
    const e = this.entries.get(key);
    if (!e) return undefined;
    return e.csrHash === hash(csrPem) ? e.issued : 'conflict';
  }

  put(key: string, csrPem: string, issued: Issued): void {
    this.entries.set(key, { csrHash: hash(csrPem), issued, expires: Date.now() + this.ttlMs });
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.entries) if (e.expires < now) this.entries.delete(k);
  }
}

function hash(s: string): string {
  return createHash('sha256').update(s.replace(/\s+/g, '')).digest('hex');
}

export function requestId(): string {
  return randomUUID();
}

/** URI SANs of a CSR's extensionRequest (every SAN extension, should a CSR carry two). */
export function csrUriSans(csr: x509.Pkcs10CertificateRequest): string[] {
  const out: string[] = [];
  for (const ext of csr.extensions) {
    if (ext.type !== '2.5.29.17') continue;
    const san = new x509.SubjectAlternativeNameExtension(ext.rawData);
    for (const n of san.names.items) if (n.type === 'url') out.push(n.value);
  }
  return out;
}
