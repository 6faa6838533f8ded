import { durationSchema } from '../config/duration.js';

/** `certificates.kms` and `certificates.rotation`. Owned by the KMS area; the root schema embeds them. */
export interface KmsConfig {
  adapter: 'mock' | 'vault' | 'pkcs11-ca';
  url?: string;
  ca?: string;
  tokenFile?: string;
  ttl?: string | number;
  [key: string]: unknown;
}

export interface RotationConfig {
  at?: number;
  jitter?: number;
}

export const kmsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['adapter'],
  properties: {
    adapter: { enum: ['mock', 'vault', 'pkcs11-ca'] },
    url: { type: 'string', description: 'KMS base URL (https)' },
    ca: { type: 'string', description: 'CA file that verifies the KMS server certificate' },
    tokenFile: { type: 'string', description: 'File holding the bootstrap / Vault token (never logged)' },
    ttl: durationSchema,
  },
} as const;

export const rotationSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    at: { type: 'number', exclusiveMinimum: 0, maximum: 0.95, default: 0.5, description: 'Renew at this fraction of the lifetime' },
    jitter: { type: 'number', minimum: 0, maximum: 0.5, default: 0.1, description: '± this fraction of the lifetime' },
  },
} as const;
