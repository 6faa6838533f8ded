import { Pool, BalancedPool, type Dispatcher } from 'undici';
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
  private readonly pools = new Map<string, Dispatcher>();

  constructor(
    private readonly tls: TlsState | null,
    private readonly trustDomain: string,
    private readonly settings: PoolSettings,
  ) {}

  /** Plain keep-alive HTTP to the local app. */
  app(url: string): Dispatcher {
    const key = `app|${url}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool(new URL(url).origin, {
        connections: this.settings.connections,
        keepAliveTimeout: this.settings.keepAliveTimeoutMs,
        keepAliveMaxTimeout: this.settings.keepAliveTimeoutMs,
        headersTimeout: this.settings.headersTimeoutMs,
        bodyTimeout: 0,
        connectTimeout: this.settings.connectTimeoutMs,
        pipelining: 1,
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** mTLS to a route's endpoints, accepting only the route's SPIFFE IDs. */
  route(route: RouteConfig): Dispatcher {
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
      const opts = {
        connections: this.settings.connections,
        keepAliveTimeout: this.settings.keepAliveTimeoutMs,
        keepAliveMaxTimeout: this.settings.keepAliveTimeoutMs,
        headersTimeout: this.settings.headersTimeoutMs,
        bodyTimeout: 0,
        pipelining: 1,
        connect,
      };
      const origins = endpoints.map((e) => `https://${e}`);
      pool = origins.length === 1 ? new Pool(origins[0]!, opts) : new BalancedPool(origins, { ...opts, factory: (origin: string | URL, o: object) => new Pool(origin, { ...opts, ...o }) } as never);
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Closes pools that no current key uses (after their in-flight requests). */
  async retain(keep: Set<Dispatcher>): Promise<void> {
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
