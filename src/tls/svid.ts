import { X509Certificate } from 'node:crypto';
import { parseSpiffeId } from './spiffe.js';

export type SvidCheck = { ok: true; spiffeId: string } | { ok: false; reason: SvidRejectReason; detail: string };

/** Reasons are metric label values: a small fixed set. */
export type SvidRejectReason =
  | 'no_uri_san'
  | 'multiple_uri_sans'
  | 'not_spiffe'
  | 'wrong_trust_domain'
  | 'leaf_is_ca'
  | 'no_digital_signature'
  | 'expired'
  | 'not_yet_valid';

/**
 * The URI entries of a subjectAltName as Node prints it (`URI:a, DNS:b`). Node escapes entries
 * that contain `,` or `"` by quoting them (CVE-2021-44532); a quoted URI is taken verbatim and then
 * fails SPIFFE parsing, which is what we want.
 */
export function uriSans(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  const out: string[] = [];
  for (const part of subjectAltName.split(', ')) if (part.startsWith('URI:')) out.push(part.slice(4));
  return out;
}

/**
 * X.509-SVID rules (SPIFFE X509-SVID spec §4, §5): exactly one URI SAN, a valid SPIFFE ID in our
 * trust domain, the leaf is not a CA, and it may sign (digitalSignature). Chain verification is
 * OpenSSL's job during the handshake; this is what OpenSSL does not know about.
 */
export function checkSvid(cert: X509Certificate, trustDomain: string, now: Date = new Date()): SvidCheck {
  const uris = uriSans(cert.subjectAltName);
  if (uris.length === 0) return { ok: false, reason: 'no_uri_san', detail: 'certificate has no URI SAN' };
  if (uris.length > 1) return { ok: false, reason: 'multiple_uri_sans', detail: `certificate has ${uris.length} URI SANs` };
  const id = uris[0]!;
  const parsed = parseSpiffeId(id);
  if ('error' in parsed) return { ok: false, reason: 'not_spiffe', detail: `URI SAN is not a SPIFFE ID: ${parsed.error}` };
  if (parsed.trustDomain !== trustDomain) return { ok: false, reason: 'wrong_trust_domain', detail: `trust domain ${parsed.trustDomain} is not ${trustDomain}` };
  if (cert.ca) return { ok: false, reason: 'leaf_is_ca', detail: 'leaf certificate is a CA' };
  const usage = keyUsage(cert);
  if (usage === null || !usage.digitalSignature) return { ok: false, reason: 'no_digital_signature', detail: 'key usage missing or lacks digitalSignature' };
  if (now.getTime() > Date.parse(cert.validTo)) return { ok: false, reason: 'expired', detail: `expired at ${cert.validTo}` };
  if (now.getTime() < Date.parse(cert.validFrom)) return { ok: false, reason: 'not_yet_valid', detail: `not valid before ${cert.validFrom}` };
  return { ok: true, spiffeId: id };
}

/**
 * The keyUsage extension, or null when absent. node:crypto does not expose it on X509Certificate,
 * so the DER is walked just far enough to find extension 2.5.29.15.
 */
export function keyUsage(cert: X509Certificate): { digitalSignature: boolean; keyCertSign: boolean } | null {
  const der = cert.raw;
  // OID 2.5.29.15 encoded: 06 03 55 1D 0F
  for (let i = 0; i + 5 < der.length; i++) {
    if (der[i] === 0x06 && der[i + 1] === 0x03 && der[i + 2] === 0x55 && der[i + 3] === 0x1d && der[i + 4] === 0x0f) {
      let j = i + 5;
      if (der[j] === 0x01) j += 3; // critical BOOLEAN
      if (der[j] !== 0x04) return null; // OCTET STRING wrapping the BIT STRING
      j += 2;
      if (der[j] !== 0x03) return null;
      const len = der[j + 1]!;
      const bits = len >= 2 ? der[j + 3]! : 0;
      return { digitalSignature: (bits & 0x80) !== 0, keyCertSign: (bits & 0x04) !== 0 };
    }
  }
  return null;
}
