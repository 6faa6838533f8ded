import { durationSchema } from '../config/duration.js';

/** `audit:` config section. Owned by the audit/mirror filter; the root schema embeds it. */
export interface AuditSinkConfig {
  name: string;
  type: 'file' | 'nats' | 'http-shadow';
  /** Records held in memory for this sink before `onFull` applies (default 10000). */
  queue?: number;
  /** What happens when the queue is full or the sink fails: spool to disk, or drop and count. */
  onFull?: 'spool' | 'drop';
  /** Directory of the disk spool (default: `<dir>/.spool` for file sinks, `./audit-spool/<name>` otherwise). */
  spoolDir?: string;
  /** Cap on the spool's size in bytes (default 256 MiB); beyond it records are dropped and counted. */
  spoolMaxBytes?: number;
  /** How long shutdown waits for this sink to write what is queued (default 5s). */
  flushTimeout?: string | number;
  [key: string]: unknown;
}

export interface FileSinkConfig extends AuditSinkConfig {
  type: 'file';
  dir: string;
  /** ES256 private key, PEM (PKCS#8 or SEC1). */
  signingKey: string;
  checkpoint?: { records?: number; seconds?: number | string };
  rotate?: { maxBytes?: number; maxAge?: number | string };
  /** always: after every write; checkpoint: at checkpoints and rotation (default); never: leave it to the OS. */
  fsync?: 'always' | 'checkpoint' | 'never';
}

export interface NatsSinkConfig extends AuditSinkConfig {
  type: 'nats';
  url: string;
  stream: string;
  subject: string;
  /** Create the stream when it does not exist (default true). */
  createStream?: boolean;
  /** Time to wait for each JetStream ack (default 2s). */
  ackTimeout?: number | string;
  /** Publish attempts before the batch is spooled (default 3). */
  retries?: number;
}

export interface ShadowSinkConfig extends AuditSinkConfig {
  type: 'http-shadow';
  /** Host of the outbound route the shadow traffic goes to (its mTLS and SPIFFE check apply). */
  route: string;
  /** Time a shadow request may take before it is abandoned (default 5s). */
  timeout?: number | string;
}

export interface MirrorMatch {
  listener?: 'inbound' | 'outbound';
  route?: string;
  host?: string;
  /** RE2 pattern matched against the normalized path. */
  path?: string;
  pathPrefix?: string;
  method?: string | string[];
  spiffeId?: string | string[];
  /** RE2 pattern matched against the caller's SPIFFE ID. */
  spiffeIdPattern?: string;
  /** Any of these roles (as resolved by the RBAC filter). */
  role?: string | string[];
  rbac?: 'deny' | 'allow' | 'shadow-diff';
  waf?: 'matched' | 'blocked';
  wafScoreAtLeast?: number;
  /** `2xx`, `4xx`, ... or an exact code such as `404`; a list is any-of. */
  status?: string | number | Array<string | number>;
}

export interface MirrorRule {
  match?: MirrorMatch;
  sample: number;
  sinks: string[];
  capture?: { headers?: boolean; maxBodyBytes?: number };
}

export interface AuditConfig {
  sinks: AuditSinkConfig[];
  mirror: MirrorRule[];
  redact?: { headers?: string[]; query?: string[]; jsonFields?: string[] };
}

const stringOrList = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }] } as const;
const statusItem = { anyOf: [{ type: 'string', pattern: '^([1-5]xx|[1-5][0-9][0-9])$' }, { type: 'integer', minimum: 100, maximum: 599 }] } as const;

const commonSinkProps = {
  name: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9._-]+$' },
  type: { enum: ['file', 'nats', 'http-shadow'] },
  queue: { type: 'integer', minimum: 1, description: 'Records held in memory for this sink (default 10000)' },
  onFull: { enum: ['spool', 'drop'], description: 'When the queue is full or the sink fails' },
  spoolDir: { type: 'string', minLength: 1 },
  spoolMaxBytes: { type: 'integer', minimum: 1024 },
  flushTimeout: durationSchema,
} as const;

export const auditSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sinks', 'mirror'],
  properties: {
    sinks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'type'],
        properties: commonSinkProps,
        allOf: [
          {
            if: { properties: { type: { const: 'file' } } },
            then: {
              required: ['dir', 'signingKey'],
              additionalProperties: false,
              properties: {
                ...commonSinkProps,
                dir: { type: 'string', minLength: 1 },
                signingKey: { type: 'string', minLength: 1, description: 'ES256 private key (PEM) that signs checkpoints' },
                checkpoint: {
                  type: 'object',
                  additionalProperties: false,
                  properties: { records: { type: 'integer', minimum: 1 }, seconds: durationSchema },
                },
                rotate: {
                  type: 'object',
                  additionalProperties: false,
                  properties: { maxBytes: { type: 'integer', minimum: 1024 }, maxAge: durationSchema },
                },
                fsync: { enum: ['always', 'checkpoint', 'never'] },
              },
            },
          },
          {
            if: { properties: { type: { const: 'nats' } } },
            then: {
              required: ['url', 'stream', 'subject'],
              additionalProperties: false,
              properties: {
                ...commonSinkProps,
                url: { type: 'string', pattern: '^(nats|tls)://' },
                stream: { type: 'string', pattern: '^[A-Za-z0-9_-]+$' },
                subject: { type: 'string', minLength: 1 },
                createStream: { type: 'boolean' },
                ackTimeout: durationSchema,
                retries: { type: 'integer', minimum: 1 },
              },
            },
          },
          {
            if: { properties: { type: { const: 'http-shadow' } } },
            then: {
              required: ['route'],
              additionalProperties: false,
              properties: {
                ...commonSinkProps,
                route: { type: 'string', minLength: 1 },
                timeout: durationSchema,
              },
            },
          },
        ],
      },
    },
    mirror: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['sample', 'sinks'],
        properties: {
          match: {
            type: 'object',
            additionalProperties: false,
            properties: {
              listener: { enum: ['inbound', 'outbound'] },
              route: { type: 'string', minLength: 1 },
              host: { type: 'string', minLength: 1 },
              path: { type: 'string', minLength: 1, description: 'RE2 pattern on the normalized path' },
              pathPrefix: { type: 'string', pattern: '^/' },
              method: stringOrList,
              spiffeId: stringOrList,
              spiffeIdPattern: { type: 'string', minLength: 1, description: 'RE2 pattern on the caller SPIFFE ID' },
              role: stringOrList,
              rbac: { enum: ['deny', 'allow', 'shadow-diff'] },
              waf: { enum: ['matched', 'blocked'] },
              wafScoreAtLeast: { type: 'number', minimum: 0 },
              status: { anyOf: [statusItem, { type: 'array', minItems: 1, items: statusItem }] },
            },
          },
          sample: { type: 'number', minimum: 0, maximum: 1, description: 'Fraction of matching requests mirrored (required: no hidden default)' },
          sinks: { type: 'array', items: { type: 'string' }, minItems: 1 },
          capture: {
            type: 'object',
            additionalProperties: false,
            properties: {
              headers: { type: 'boolean' },
              maxBodyBytes: { type: 'integer', minimum: 0 },
            },
          },
        },
      },
    },
    redact: {
      type: 'object',
      additionalProperties: false,
      properties: {
        headers: { type: 'array', items: { type: 'string' } },
        query: { type: 'array', items: { type: 'string' } },
        jsonFields: { type: 'array', items: { type: 'string' } },
      },
    },
  },
} as const;
