import { UpstreamPool } from '../http1/upstream-pool.js';
import type { RouteConfig } from '../config/types.js';
import type { TlsState } from '../tls/state.js';
import { spiffeConnector } from './connector.js';

export interface PoolSettings {
  connections: number;
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  connectTimeoutMs: number;
  onHandshake?: (resumed: boolean) => void;
}

/**
 * Long-lived upstream connection pools, shared by snapshots: a reload that keeps a route keeps its
 * warm connections; a route that disappears has its pool closed once its requests are done.
 */
export class Upstreams {
  private readonly pools = new Map<string, UpstreamPool>();

  constructor(
    private readonly tls: TlsState | null,
    private readonly trustDomain: string,
    private readonly settings: PoolSettings,
  ) {}

  /** Plain keep-alive HTTP to the local app. */
  app(url: string): UpstreamPool {
    const key = `app|${url}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new UpstreamPool({
        endpoints: [appEndpoint(url)],
        connections: this.settings.connections,
        keepAliveTimeoutMs: this.settings.keepAliveTimeoutMs,
        connectTimeoutMs: this.settings.connectTimeoutMs,
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** mTLS to a route's endpoints, accepting only the route's SPIFFE IDs. */
  route(route: RouteConfig): UpstreamPool {
    if (!this.tls) throw new Error('outbound routes need certificates');
    const ids = [...route.spiffeIds].sort();
    const endpoints = [...route.endpoints].sort();
    const key = `route|${route.host}|${route.sni ?? ''}|${endpoints.join(',')}|${ids.join(',')}`;
    let pool = this.pools.get(key);
    if (!pool) {
      const connect = spiffeConnector(this.tls, {
        trustDomain: this.trustDomain,
        spiffeIds: new Set(ids),
        sni: route.sni ?? route.host,
        connectTimeoutMs: this.settings.connectTimeoutMs,
        ...(this.settings.onHandshake ? { onHandshake: this.settings.onHandshake } : {}),
      });
      pool = new UpstreamPool({
        endpoints,
        // limits.upstreamConnections is per endpoint.
        connections: this.settings.connections * endpoints.length,
        keepAliveTimeoutMs: this.settings.keepAliveTimeoutMs,
        connectTimeoutMs: this.settings.connectTimeoutMs,
        connect,
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Closes pools that no current key uses (after their in-flight requests). */
  async retain(keep: Set<UpstreamPool>): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [key, pool] of this.pools) {
      if (!keep.has(pool)) {
        this.pools.delete(key);
        closing.push(pool.close().catch(() => undefined));
      }
    }
    await Promise.all(closing);
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((p) => p.destroy().catch(() => undefined)));
  }
}

/** host:port of the app URL, with the scheme's default port filled in. */
function appEndpoint(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new Error(`inbound.app must be an http:// URL (got ${u.protocol})`);
  return `${u.hostname}:${u.port || '80'}`;
}
