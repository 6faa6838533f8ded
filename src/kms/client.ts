/**
 * The KMS client interface: everything the certificate manager needs from a KMS, whatever it is
 * (kms-mock, Vault's PKI engine, a CA whose key sits in a PKCS#11 token). One adapter per file.
 */

/** What we ask the KMS to sign. The private key never leaves the process: only the CSR does. */
export interface SignRequest {
  /** PKCS#10 CSR in PEM, carrying the SPIFFE ID as its only URI SAN. */
  csrPem: string;
  /** The SPIFFE ID we ask for (the same as the CSR's URI SAN). */
  spiffeId: string;
  /** Requested lifetime in seconds; the KMS may shorten it. */
  ttlSeconds: number;
  /** Same key + same CSR → the KMS answers with the same certificate (a retried request is not a second issuance). */
  idempotencyKey: string;
}

export interface SignResult {
  /** PEM certificates, leaf first, then intermediates (no root). */
  chainPem: string[];
}

export interface TrustBundle {
  trustDomain: string;
  /** PEM roots, every one currently trusted (old and new during a CA rotation). */
  rootsPem: string[];
  /**
   * Monotonic version of the bundle when the KMS publishes one (kms-mock); otherwise a digest of
   * the roots, so a change is still visible. Numbers compare, strings only differ.
   */
  sequence: number | string;
}

/** The SVID we hold, so adapters that renew over mTLS (kms-mock, as SPIRE does) can present it. */
export interface CurrentIdentity {
  certChainPem: string;
  keyPem: string;
  notAfter: Date;
}

export interface KmsClient {
  readonly adapter: string;
  sign(req: SignRequest): Promise<SignResult>;
  fetchBundle(): Promise<TrustBundle>;
  /** Optional push of bundle changes; returns a function that stops watching. Polling is the fallback. */
  watchBundle?(onChange: (bundle: TrustBundle) => void): () => void;
  /** Adapters that authenticate renewals with the current SVID get it through this. */
  setIdentity?(identity: CurrentIdentity | undefined): void;
  close(): Promise<void>;
}

/**
 * Why a KMS call failed. These are metric label values (`rotation_failures_total{reason}`), so the
 * set is small and fixed. `unavailable`: no answer (refused, reset, timeout); `error`: an HTTP or
 * KMS error; `bad_response`: an answer we cannot read.
 */
export type KmsFailureReason = 'unavailable' | 'error' | 'bad_response' | 'unauthorized';

export class KmsError extends Error {
  readonly reason: KmsFailureReason;
  readonly status: number | undefined;
  constructor(reason: KmsFailureReason, message: string, status?: number) {
    super(message);
    this.name = 'KmsError';
    this.reason = reason;
    this.status = status;
  }
}
