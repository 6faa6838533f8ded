import { durationSchema } from '../config/duration.js';

/** `certificates.kms` and `certificates.rotation`. Owned by the KMS area; the root schema embeds them. */
export interface KmsConfig {
  adapter: 'mock' | 'vault' | 'pkcs11-ca';
  /** mock, vault: base URL (https). */
  url?: string;
  /** mock, vault: CA file that verifies the KMS server certificate. */
  ca?: string;
  /** mock: bootstrap token file (first issuance); vault: the Vault token file. */
  tokenFile?: string;
  /** Requested SVID lifetime (default 1h). */
  ttl?: string | number;
  /** Deadline of one KMS call (default 10s). */
  timeout?: string | number;
  /** How often the trust bundle is fetched again (default 60s). */
  bundleRefresh?: string | number;
  /** How long startup waits for the first SVID before failing (default 60s). */
  startTimeout?: string | number;
  /** vault: PKI mount (default `pki`), role, optional common name and namespace. */
  mount?: string;
  role?: string;
  commonName?: string;
  namespace?: string;
  /** pkcs11-ca: the PKCS#11 module, the token (slot index or token label), PIN file and CA key label. */
  module?: string;
  slot?: number;
  tokenLabel?: string;
  pinFile?: string;
  keyLabel?: string;
  /** pkcs11-ca: PEM of the CA certificate whose key is in the token, then its intermediates (leaf-most first). */
  caCert?: string;
  /** pkcs11-ca: PEM roots peers are checked against (default: the self-signed end of caCert). */
  bundle?: string;
}

export interface RotationConfig {
  at?: number;
  jitter?: number;
  backoff?: { initial?: string | number; max?: string | number };
}

export const kmsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['adapter'],
  properties: {
    adapter: { enum: ['mock', 'vault', 'pkcs11-ca'] },
    url: { type: 'string', pattern: '^https://', description: 'KMS base URL (https)' },
    ca: { type: 'string', description: 'CA file that verifies the KMS server certificate' },
    tokenFile: { type: 'string', description: 'File holding the bootstrap / Vault token (never logged)' },
    ttl: { ...durationSchema, description: 'Requested SVID lifetime (default 1h)' },
    timeout: { ...durationSchema, description: 'Deadline of one KMS call (default 10s)' },
    bundleRefresh: { ...durationSchema, description: 'Trust bundle refresh interval (default 60s)' },
    startTimeout: { ...durationSchema, description: 'How long startup waits for the first SVID (default 60s)' },
    mount: { type: 'string', pattern: '^[A-Za-z0-9._/-]+$', description: 'vault: PKI secrets engine mount (default pki)' },
    role: { type: 'string', pattern: '^[A-Za-z0-9._-]+$', description: 'vault: PKI role that signs' },
    commonName: { type: 'string', description: 'vault: common_name sent when the role requires one' },
    namespace: { type: 'string', description: 'vault: X-Vault-Namespace' },
    module: { type: 'string', description: 'pkcs11-ca: path of the PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so)' },
    slot: { type: 'integer', minimum: 0, description: 'pkcs11-ca: slot index (of the slots with a token)' },
    tokenLabel: { type: 'string', description: 'pkcs11-ca: token label (instead of slot)' },
    pinFile: { type: 'string', description: 'pkcs11-ca: file holding the user PIN (never logged)' },
    keyLabel: { type: 'string', description: 'pkcs11-ca: CKA_LABEL of the CA private key' },
    caCert: { type: 'string', description: 'pkcs11-ca: PEM of the CA certificate (key in the token), then its intermediates' },
    bundle: { type: 'string', description: 'pkcs11-ca: PEM trust bundle (default: the root at the end of caCert)' },
  },
  allOf: [
    { if: { properties: { adapter: { const: 'mock' } } }, then: { required: ['url', 'ca', 'tokenFile'] } },
    { if: { properties: { adapter: { const: 'vault' } } }, then: { required: ['url', 'tokenFile', 'role'] } },
    { if: { properties: { adapter: { const: 'pkcs11-ca' } } }, then: { required: ['module', 'pinFile', 'keyLabel', 'caCert'] } },
  ],
} as const;

export const rotationSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    at: { type: 'number', exclusiveMinimum: 0, maximum: 0.95, default: 0.5, description: 'Renew at this fraction of the lifetime' },
    jitter: { type: 'number', minimum: 0, maximum: 0.5, default: 0.1, description: '± this fraction of the lifetime' },
    backoff: {
      type: 'object',
      additionalProperties: false,
      properties: {
        initial: { ...durationSchema, description: 'First retry delay after a failed renewal (default 1s)' },
        max: { ...durationSchema, description: 'Longest retry delay (default 30s)' },
      },
    },
  },
} as const;
