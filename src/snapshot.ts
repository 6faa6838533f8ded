import type { UpstreamPool } from './http1/upstream-pool.js';
import type { MeshguardConfig } from './config/types.js';
import type { FilterChain } from './proxy/chain.js';
import type { RouteInfo } from './proxy/context.js';

export interface RouteEntry {
  info: RouteInfo;
  dispatcher: UpstreamPool;
}

/**
 * Everything a request needs, built whole from one config and swapped by one reference. A request
 * keeps the snapshot it started with; a snapshot that failed to build never replaces the old one.
 */
export interface Snapshot {
  readonly version: string;
  readonly builtAt: Date;
  readonly config: MeshguardConfig;
  readonly inbound: FilterChain;
  readonly outbound: FilterChain;
  /** Outbound routes by lower-cased host. */
  readonly routes: ReadonlyMap<string, RouteEntry>;
  readonly app: RouteEntry | null;
  readonly showDenyDetail: boolean;
  readonly upstreamTimeoutMs: number;
  readonly accessLog: boolean;
}
