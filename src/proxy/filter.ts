import type { IncomingHttpHeaders } from 'node:http';
import type { Registry } from 'prom-client';
import type { UpstreamPool } from '../http1/upstream-pool.js';
import type { Logger } from '../log.js';
import type { MeshguardConfig } from '../config/types.js';
import type { ListenerKind, RequestContext } from './context.js';

/** A filter's decision to answer the request itself instead of letting it through. */
export interface Denial {
  status: number;
  /** Short machine-readable code, e.g. `rbac_denied`, `waf_blocked`, `body_too_large`. */
  error: string;
  /** Human-readable reason sent to the caller (keep it free of rule internals unless configured). */
  reason: string;
  /** What decided it (rule file:line, WAF rule ids); logged and audited, sent only when configured. */
  detail?: string;
  headers?: Record<string, string>;
}

/** `undefined` lets the request continue. */
export type Verdict = Denial | undefined;

/**
 * One stage of the request path. Every hook is optional; the chain only calls the hooks a filter
 * has, so a filter that is off costs nothing. Hooks run in chain order (rbac → waf → mirror).
 * A filter never knows which listener it is on beyond `ctx.listener`.
 */
export interface Filter {
  readonly name: string;
  /** Phase 1: headers received and normalized; nothing has gone upstream yet. */
  onRequestHeaders?(ctx: RequestContext): Verdict | Promise<Verdict>;
  /**
   * How many request-body bytes this filter must see before anything goes upstream (0 = none).
   * The proxy buffers up to the largest answer, then calls onRequestBody once.
   */
  requestBodyBuffer?(ctx: RequestContext): number;
  /** `complete` is false when the body was longer than the buffer (body holds the first bytes). */
  onRequestBody?(ctx: RequestContext, body: Buffer, complete: boolean): Verdict | Promise<Verdict>;
  /** Sees every request-body chunk as it passes. A tap: must not block, throw or keep the caller waiting. */
  onRequestData?(ctx: RequestContext, chunk: Buffer): void;
  /** Upstream response headers arrived; may replace the response with a denial (WAF phase 3). */
  onResponseHeaders?(ctx: RequestContext, status: number, headers: IncomingHttpHeaders): Verdict;
  /** Like requestBodyBuffer, for the response (WAF phase 4). */
  responseBodyBuffer?(ctx: RequestContext): number;
  onResponseBody?(ctx: RequestContext, body: Buffer, complete: boolean): Verdict | Promise<Verdict>;
  /** Sees every response-body chunk as it passes (tap). */
  onResponseData?(ctx: RequestContext, chunk: Buffer): void;
  /** The exchange ended (answered, denied or failed); ctx holds status, bytes, timings. Must not throw. */
  onComplete?(ctx: RequestContext): void;
  /** Facts for GET /config_dump (never secrets). */
  describe?(): Record<string, unknown>;
  /** Called when the snapshot holding this filter is retired or the sidecar stops. */
  close?(): Promise<void>;
}

/** What a filter factory gets to build its filter for one listener of one snapshot. */
export interface FilterBuildContext {
  readonly config: MeshguardConfig;
  /** Absolute path of the config file; relative paths in it resolve against its directory. */
  readonly configFile: string;
  readonly configDir: string;
  readonly listener: ListenerKind;
  readonly logger: Logger;
  /** This sidecar's metrics registry (several sidecars may share a process: never use the global one). */
  readonly metrics: Registry;
  /**
   * Survives reloads for the life of the sidecar: long-lived resources (sink connections, queues)
   * are kept here, keyed by the factory, and reused by the next snapshot.
   */
  readonly shared: Map<string, unknown>;
  /** Register work to run once when the sidecar stops (after draining), e.g. flushing a sink. */
  onShutdown(fn: () => Promise<void>): void;
  /** Files this filter read; the sidecar watches them and reloads when one changes. */
  watch(file: string): void;
  /**
   * mTLS clients for the outbound routes (by route host), with our current certificate and the
   * route's SPIFFE ID check; e.g. for shadow traffic. Undefined when no such route exists.
   */
  routeDispatcher(routeHost: string): UpstreamPool | undefined;
}

export interface FilterFactory {
  readonly name: string;
  /** The filter for this listener, or null when its config section is absent or it does not apply. */
  build(bctx: FilterBuildContext): Promise<Filter | null>;
}
