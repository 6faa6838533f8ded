import type { RbacConfig } from '../rbac/config-schema.js';
import type { WafConfig } from '../waf/config-schema.js';
import type { AuditConfig } from '../audit/config-schema.js';
import type { KmsConfig, RotationConfig } from '../kms/config-schema.js';

export type Duration = string | number;

export interface RouteConfig {
  /** The Host the local app sends (port ignored, case-insensitive). */
  host: string;
  /** `host:port` of the peer's inbound listener; several are balanced. */
  endpoints: string[];
  /** Accepted peer SPIFFE IDs (any-of). */
  spiffeIds: string[];
  /** TLS server name sent in SNI; defaults to the route host. */
  sni?: string;
}

export interface LimitsConfig {
  headersTimeout?: Duration;
  requestTimeout?: Duration;
  keepAliveTimeout?: Duration;
  upstreamTimeout?: Duration;
  drainTimeout?: Duration;
  maxHeaderSize?: number;
  maxConnections?: number;
  maxRequestsPerSocket?: number;
  upstreamConnections?: number;
}

export interface MeshguardConfig {
  trustDomain: string;
  identity: string;
  certificates: {
    provider: 'files' | 'kms';
    files?: { cert: string; key: string; bundle: string; watch?: boolean };
    kms?: KmsConfig;
    rotation?: RotationConfig;
  };
  inbound?: { listen: string; app: string };
  outbound?: { listen: string; routes: RouteConfig[] };
  admin?: { listen: string };
  limits?: LimitsConfig;
  log?: { level?: string; access?: boolean };
  /** Whether a denial's body names the deciding rule (off by default: callers may be hostile). */
  responses?: { showDenyDetail?: boolean };
  workers?: number | 'auto';
  rbac?: RbacConfig;
  waf?: WafConfig;
  audit?: AuditConfig;
}
