import { X509Certificate } from 'node:crypto';
import { checkSvid, uriSans } from '../tls/svid.js';

/** Why an issued certificate was refused; a metric label value. */
export type RefusalReason = 'bad_response' | 'wrong_key' | 'wrong_san' | 'expired' | 'not_svid' | 'untrusted_chain';

export type IssuedCheck =
  | { ok: true; leaf: X509Certificate; chain: X509Certificate[] }
  | { ok: false; reason: RefusalReason; detail: string };

function validAt(c: X509Certificate, now: number): boolean {
  return Date.parse(c.validFrom) <= now && now <= Date.parse(c.validTo);
}

/**
 * Does `chain` end in one of `roots`? Each certificate must be issued and signed by the next, every
 * issuer must be a CA and in its validity period, and the top must be signed by (or be) a root.
 */
export function chainsTo(chain: X509Certificate[], roots: X509Certificate[], now = Date.now()): boolean {
  for (let i = 0; i + 1 < chain.length; i++) {
    const c = chain[i]!;
    const issuer = chain[i + 1]!;
    if (!issuer.ca || !validAt(issuer, now) || !c.checkIssued(issuer) || !c.verify(issuer.publicKey)) return false;
  }
  const top = chain[chain.length - 1]!;
  return roots.some((r) => validAt(r, now) && (r.fingerprint256 === top.fingerprint256 || (r.ca && top.checkIssued(r) && top.verify(r.publicKey))));
}

/**
 * What the certificate manager checks before it swaps in a certificate the KMS returned: it is for
 * our key, carries exactly our SPIFFE ID as its one URI SAN, is in force, follows the X.509-SVID
 * rules, and chains to the trust bundle we hold. A KMS that is wrong, compromised or confused
 * must not be able to hand us an identity we would then present.
 */
export function checkIssued(input: { chainPem: string[]; ourSpkiDer: Buffer; spiffeId: string; trustDomain: string; rootsPem: string[]; now?: number }): IssuedCheck {
  const now = input.now ?? Date.now();
  let chain: X509Certificate[];
  try {
    chain = input.chainPem.map((p) => new X509Certificate(p));
  } catch (err) {
    return { ok: false, reason: 'bad_response', detail: `certificate cannot be parsed: ${(err as Error).message}` };
  }
  if (chain.length === 0) return { ok: false, reason: 'bad_response', detail: 'empty chain' };
  const leaf = chain[0]!;
  const spki = leaf.publicKey.export({ type: 'spki', format: 'der' });
  if (!spki.equals(input.ourSpkiDer)) return { ok: false, reason: 'wrong_key', detail: 'certificate is not for the key we generated' };
  const uris = uriSans(leaf.subjectAltName);
  if (uris.length !== 1) return { ok: false, reason: 'wrong_san', detail: `certificate carries ${uris.length} URI SANs, not exactly one` };
  if (uris[0] !== input.spiffeId) return { ok: false, reason: 'wrong_san', detail: `certificate is for ${uris[0]}, not ${input.spiffeId}` };
  if (Date.parse(leaf.validTo) <= now) return { ok: false, reason: 'expired', detail: `certificate expired at ${leaf.validTo}` };
  const svid = checkSvid(leaf, input.trustDomain, new Date(now));
  if (!svid.ok) return { ok: false, reason: svid.reason === 'expired' || svid.reason === 'not_yet_valid' ? 'expired' : 'not_svid', detail: svid.detail };
  let roots: X509Certificate[];
  try {
    roots = input.rootsPem.map((p) => new X509Certificate(p));
  } catch {
    return { ok: false, reason: 'untrusted_chain', detail: 'trust bundle cannot be parsed' };
  }
  if (!chainsTo(chain, roots, now)) return { ok: false, reason: 'untrusted_chain', detail: 'certificate does not chain to the current trust bundle' };
  return { ok: true, leaf, chain };
}
