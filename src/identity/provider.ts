import type { X509Certificate } from 'node:crypto';

/** One usable identity: our SVID, its key and the roots we trust for peers. Held in memory only. */
export interface CertificateMaterial {
  /** PEM chain, leaf first (intermediates follow). */
  readonly certChainPem: string;
  /** PEM private key. Never logged, never written by meshguard outside the files provider's own files. */
  readonly keyPem: string;
  /** PEM roots trusted for peers (all roots of the current bundle, old and new during a CA rotation). */
  readonly trustBundlePem: string;
  readonly leaf: X509Certificate;
  readonly spiffeId: string;
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Trust bundle version / sequence, when the provider has one. */
  readonly bundleVersion?: string | number;
}

/** What GET /certs shows beside the certificate itself. */
export interface ProviderStatus {
  provider: string;
  nextRenewal?: Date | null;
  lastError?: string | null;
  lastErrorAt?: Date | null;
  rotations?: number;
  [key: string]: unknown;
}

/**
 * A source of certificates: files on disk, or a KMS that signs our CSRs. The sidecar subscribes and
 * swaps every new material into its TLS contexts; open connections keep the context they started with.
 */
export interface CertificateProvider {
  readonly kind: string;
  /** Begin loading / fetching / watching. Resolves when the first material is in hand, rejects if it cannot be had. */
  start(): Promise<void>;
  /** The material in force, or undefined before the first one. */
  current(): CertificateMaterial | undefined;
  /** Called with every new material after start(); returns an unsubscribe function. */
  subscribe(listener: (material: CertificateMaterial) => void): () => void;
  status(): ProviderStatus;
  stop(): Promise<void>;
}
