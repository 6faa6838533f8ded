import type { X509Certificate } from 'node:crypto';
import { checkSvid, type SvidCheck } from './svid.js';

/** What an inbound connection learns from a peer certificate that passed the X.509-SVID rules. */
export interface VerifiedSvid {
  readonly spiffeId: string;
  /** Hex SHA-256 of the DER certificate (the XFCC `Hash`). */
  readonly certSha256: string;
  readonly serial: string;
}

export type CachedSvidCheck = { ok: true; svid: VerifiedSvid } | Extract<SvidCheck, { ok: false }>;

interface Entry {
  readonly svid: VerifiedSvid;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly validFrom: string;
  readonly validTo: string;
}

/**
 * The X.509-SVID verdicts of recently seen peer certificates, keyed by the SHA-256 of the whole DER
 * certificate. A peer reconnects with the same certificate many times; its URI SAN, CA flag and key
 * usage cannot change without the DER (and so the key) changing, so only the validity window is
 * checked again on a hit. Chain verification is not cached: OpenSSL does it in every handshake and
 * the caller still reads its verdict first. Refusals are not cached, so each carries its own reason.
 *
 * One cache belongs to one trust domain (a verdict depends on it); LRU, bounded by `capacity`.
 */
export class SvidCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly trustDomain: string,
    private readonly capacity = 1024,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  check(cert: X509Certificate, now: number = Date.now()): CachedSvidCheck {
    // X509_digest over the DER: the same value as createHash('sha256').update(cert.raw), in one native call.
    const fingerprint = cert.fingerprint256;
    const hit = this.entries.get(fingerprint);
    if (hit !== undefined) {
      if (now > hit.notAfter) return { ok: false, reason: 'expired', detail: `expired at ${hit.validTo}` };
      if (now < hit.notBefore) return { ok: false, reason: 'not_yet_valid', detail: `not valid before ${hit.validFrom}` };
      this.entries.delete(fingerprint);
      this.entries.set(fingerprint, hit);
      return { ok: true, svid: hit.svid };
    }
    const r = checkSvid(cert, this.trustDomain, new Date(now));
    if (!r.ok) return r;
    const svid: VerifiedSvid = Object.freeze({
      spiffeId: r.spiffeId,
      certSha256: fingerprint.replaceAll(':', '').toLowerCase(),
      serial: cert.serialNumber,
    });
    const { validFrom, validTo } = cert;
    this.entries.set(fingerprint, { svid, notBefore: Date.parse(validFrom), notAfter: Date.parse(validTo), validFrom, validTo });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return { ok: true, svid };
  }
}
