import { durationSchema } from './duration.js';
import { rbacSchema } from '../rbac/config-schema.js';
import { wafSchema } from '../waf/config-schema.js';
import { auditSchema } from '../audit/config-schema.js';
import { kmsSchema, rotationSchema } from '../kms/config-schema.js';

const SPIFFE_ID = '^spiffe://[a-z0-9._-]+(/[A-Za-z0-9._~!$&\'()*+,;=:@%-]+)+$';
const HOST_PORT = '^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9._-]+):[0-9]{1,5}$';

const listen = { type: 'string', pattern: HOST_PORT, description: 'host:port to listen on' } as const;

/** The root JSON Schema of meshguard.yaml. Sections owned by other areas are embedded from their modules. */
export const configSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://meshguard.dev/schema/meshguard.schema.json',
  title: 'meshguard sidecar configuration',
  type: 'object',
  additionalProperties: false,
  required: ['trustDomain', 'identity', 'certificates'],
  properties: {
    trustDomain: { type: 'string', pattern: '^[a-z0-9._-]+$', description: 'SPIFFE trust domain of this mesh' },
    identity: { type: 'string', pattern: SPIFFE_ID, description: 'SPIFFE ID of this workload' },
    certificates: {
      type: 'object',
      additionalProperties: false,
      required: ['provider'],
      properties: {
        provider: { enum: ['files', 'kms'] },
        files: {
          type: 'object',
          additionalProperties: false,
          required: ['cert', 'key', 'bundle'],
          properties: {
            cert: { type: 'string', description: 'PEM certificate chain (leaf first)' },
            key: { type: 'string', description: 'PEM private key' },
            bundle: { type: 'string', description: 'PEM trust bundle (CA roots)' },
            watch: { type: 'boolean', default: true, description: 'Reload when the files change' },
          },
        },
        kms: kmsSchema,
        rotation: rotationSchema,
      },
      if: { properties: { provider: { const: 'files' } } },
      then: { required: ['files'] },
      else: { required: ['kms'] },
    },
    inbound: {
      type: 'object',
      additionalProperties: false,
      required: ['listen', 'app'],
      properties: {
        listen,
        app: { type: 'string', pattern: '^http://', description: 'URL of the local app (plain HTTP on loopback)' },
      },
    },
    outbound: {
      type: 'object',
      additionalProperties: false,
      required: ['listen', 'routes'],
      properties: {
        listen,
        routes: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['host', 'endpoints', 'spiffeIds'],
            properties: {
              host: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
              endpoints: { type: 'array', minItems: 1, items: { type: 'string', pattern: HOST_PORT } },
              spiffeIds: { type: 'array', minItems: 1, items: { type: 'string', pattern: SPIFFE_ID } },
              sni: { type: 'string' },
            },
          },
        },
      },
    },
    admin: {
      type: 'object',
      additionalProperties: false,
      required: ['listen'],
      properties: { listen },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        headersTimeout: { ...durationSchema, description: 'Time allowed for the request headers (default 10s)' },
        requestTimeout: { ...durationSchema, description: 'Time allowed for the whole request (default 300s; 0 = none)' },
        keepAliveTimeout: { ...durationSchema, description: 'Idle keep-alive connections close after this (default 60s)' },
        upstreamTimeout: { ...durationSchema, description: 'Time allowed for upstream response headers (default 30s)' },
        drainTimeout: { ...durationSchema, description: 'On SIGTERM, in-flight requests get this long (default 15s)' },
        maxHeaderSize: { type: 'integer', minimum: 1024, description: 'Bytes of request headers (default 16384)' },
        maxConnections: { type: 'integer', minimum: 1, description: 'Per listener (default 10000)' },
        maxRequestsPerSocket: { type: 'integer', minimum: 0, description: '0 = unlimited (default 10000)' },
        upstreamConnections: { type: 'integer', minimum: 1, description: 'Pooled connections per upstream endpoint (default 256)' },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      properties: {
        level: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] },
        access: { type: 'boolean', default: true },
      },
    },
    responses: {
      type: 'object',
      additionalProperties: false,
      properties: { showDenyDetail: { type: 'boolean', default: false } },
    },
    workers: { anyOf: [{ type: 'integer', minimum: 1, maximum: 64 }, { const: 'auto' }] },
    rbac: rbacSchema,
    waf: wafSchema,
    audit: auditSchema,
  },
} as const;
