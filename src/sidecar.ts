import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { Registry, Gauge, collectDefaultMetrics } from 'prom-client';
import { createLogger, type Logger } from './log.js';
import { AccessLog } from './proxy/access-log.js';
import type { MeshguardConfig } from './config/types.js';
import { loadConfig } from './config/load.js';
import type { CertificateProvider } from './identity/provider.js';
import { createCertificateProvider } from './identity/providers.js';
import { TlsState } from './tls/state.js';
import { resolveLimits, type Limits } from './proxy/limits.js';
import { Upstreams } from './proxy/upstreams.js';
import { FilterChain } from './proxy/chain.js';
import type { Filter, FilterBuildContext, FilterFactory } from './proxy/filter.js';
import { filterFactories } from './proxy/filters.js';
import type { ListenerKind } from './proxy/context.js';
import type { ListenerRuntime } from './proxy/forward.js';
import { createInboundServer } from './proxy/inbound.js';
import { createOutboundServer } from './proxy/outbound.js';
import { createAdminServer, registryText, snapshotDump, certsView, type ReloadResult } from './admin/server.js';
import { coreMetrics, type CoreMetrics } from './admin/core-metrics.js';
import type { Snapshot, RouteEntry } from './snapshot.js';
import type { UpstreamPool } from './http1/upstream-pool.js';
import type { ProxyListener } from './proxy/listener.js';
import type { TicketKeys } from './tls/ticket-keys.js';

export interface SidecarOptions {
  config: MeshguardConfig;
  /** The config file (relative paths resolve against its directory; reload re-reads it). */
  configFile: string;
  /** The config text, for the snapshot version; read from configFile when absent. */
  configText?: string;
  logger?: Logger;
  /** A provider built elsewhere (e.g. shared by workers); created from the config otherwise. */
  provider?: CertificateProvider;
  /** Session-ticket keys shared with other processes (a worker gets the primary's); default: the sidecar's own, rotated hourly. */
  ticketKeys?: TicketKeys;
  /** Watch the config and policy files and reload on change (default true). */
  watchFiles?: boolean;
  /** Serve admin.listen (default true; a worker leaves it to the primary). */
  admin?: boolean;
  /** The filter factories, in chain order (default: rbac, waf, mirror). */
  filters?: readonly FilterFactory[];
}

/** Keys that name sockets or identity: changing them needs a restart, so a reload refuses them. */
const RESTART_KEYS = ['trustDomain', 'identity', 'certificates', 'inbound', 'outbound.listen', 'admin', 'workers'] as const;

function pick(config: MeshguardConfig, key: string): unknown {
  return key.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), config);
}

function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[|\]$/g, '');
  return { host, port: Number(listen.slice(i + 1)) };
}

async function listen(server: Server, addr: string): Promise<AddressInfo> {
  const { host, port } = parseListen(addr);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/**
 * One sidecar: certificate provider, TLS contexts, listeners, admin, and the snapshot they share.
 * Several can run in one process (tests, the demo); nothing here touches process-wide state.
 */
export class Sidecar {
  readonly metrics = new Registry();
  readonly log: Logger;
  provider!: CertificateProvider;
  inboundAddress: AddressInfo | null = null;
  outboundAddress: AddressInfo | null = null;
  adminAddress: AddressInfo | null = null;

  private readonly core: CoreMetrics;
  private readonly configFile: string;
  private readonly configDir: string;
  private tls: TlsState | null = null;
  private upstreams!: Upstreams;
  private limits!: Limits;
  private current!: Snapshot;
  private readonly runtimes: ListenerRuntime[] = [];
  private readonly servers: ProxyListener[] = [];
  private adminServer: HttpServer | null = null;
  private readonly shared = new Map<string, unknown>();
  private readonly shutdownHooks: Array<() => Promise<void>> = [];
  private watchers: FSWatcher[] = [];
  private reloadTimer: NodeJS.Timeout | undefined;
  private reloading: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: SidecarOptions) {
    this.log = opts.logger ?? createLogger({ level: opts.config.log?.level });
    this.configFile = path.resolve(opts.configFile);
    this.configDir = path.dirname(this.configFile);
    this.core = coreMetrics(this.metrics);
    collectDefaultMetrics({ register: this.metrics, prefix: 'meshguard_process_' });
  }

  get snapshot(): Snapshot {
    return this.current;
  }

  /** Ready: a certificate in force and not expired, a snapshot built, listeners bound. */
  ready(): boolean {
    const m = this.provider.current();
    return !this.stopped && m !== undefined && m.notAfter.getTime() > Date.now() && this.current !== undefined && this.servers.every((s) => s.server.listening);
  }

  async start(): Promise<void> {
    const config = this.opts.config;
    this.limits = resolveLimits(config.limits);
    this.provider = this.opts.provider ?? (await createCertificateProvider({ config, configDir: this.configDir, logger: this.log, metrics: this.metrics }));
    // Admin first, so /ready answers (503) while the first certificate is awaited.
    if (config.admin && this.opts.admin !== false) {
      const { host } = parseListen(config.admin.listen);
      if (host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') this.log.warn({ listen: config.admin.listen }, 'admin listener is not on loopback: anyone who reaches it can read config and trigger reloads');
      this.adminServer = createAdminServer({
        metricsText: () => registryText(this.metrics),
        configDump: async () => snapshotDump(this.current),
        certs: () => certsView(this.provider),
        ready: () => ({ ok: this.ready() }),
        reload: () => this.reload(),
      });
      this.adminAddress = await listen(this.adminServer, config.admin.listen);
    }
    const provider = this.provider;
    if (!this.metrics.getSingleMetric('meshguard_cert_expiry_seconds')) {
      new Gauge({
        name: 'meshguard_cert_expiry_seconds',
        help: 'Seconds until the current certificate expires (0 before the first one)',
        registers: [this.metrics],
        collect() {
          const m = provider.current();
          this.set(m ? Math.floor((m.notAfter.getTime() - Date.now()) / 1000) : 0);
        },
      });
    }

    const runtimes = this.runtimes;
    new Gauge({
      name: 'meshguard_requests_inflight',
      help: 'Requests in progress by listener',
      labelNames: ['listener'],
      registers: [this.metrics],
      collect() {
        for (const rt of runtimes) this.set({ listener: rt.kind }, rt.inflight);
      },
    });

    await this.provider.start();
    this.tls = new TlsState(this.provider, this.opts.ticketKeys);
    this.upstreams = new Upstreams(this.tls, config.trustDomain, {
      connections: this.limits.upstreamConnections,
      keepAliveTimeoutMs: this.limits.keepAliveTimeoutMs,
      headersTimeoutMs: this.limits.upstreamTimeoutMs,
      connectTimeoutMs: 10_000,
      onHandshake: (resumed) => this.core.upstreamHandshakes.inc({ resumed: resumed ? 'true' : 'false' }),
    });
    this.current = await this.build(config, this.opts.configText);
    if (config.inbound && !config.rbac) this.log.warn('no rbac section: inbound requests are authenticated by mTLS but not authorized by any policy');

    const runtime = (kind: ListenerKind): ListenerRuntime => ({
      kind,
      ourId: config.identity,
      log: this.log,
      accessLog: new AccessLog(this.log),
      metrics: this.core,
      tally: this.core.tally(kind),
      snapshot: this.current,
      inflight: 0,
      draining: false,
      onIdle: null,
    });
    if (config.inbound) {
      const rt = runtime('inbound');
      const server = createInboundServer(rt, this.tls, this.limits, config.trustDomain);
      this.inboundAddress = await listen(server.server, config.inbound.listen);
      this.runtimes.push(rt);
      this.servers.push(server);
    }
    if (config.outbound) {
      const rt = runtime('outbound');
      const server = createOutboundServer(rt, this.limits);
      this.outboundAddress = await listen(server.server, config.outbound.listen);
      this.runtimes.push(rt);
      this.servers.push(server);
    }
    if (this.opts.watchFiles !== false) this.rewatch();
    this.log.info(
      {
        event: 'started',
        identity: config.identity,
        inbound: this.inboundAddress ? `${this.inboundAddress.address}:${this.inboundAddress.port}` : null,
        app: config.inbound?.app ?? null,
        outbound: this.outboundAddress ? `${this.outboundAddress.address}:${this.outboundAddress.port}` : null,
        routes: config.outbound?.routes.map((r) => r.host) ?? [],
        admin: this.adminAddress ? `${this.adminAddress.address}:${this.adminAddress.port}` : null,
        certificate: { provider: this.provider.kind, serial: this.provider.current()?.serial, notAfter: this.provider.current()?.notAfter },
        filters: { inbound: this.current.inbound.filters.map((f) => f.name), outbound: this.current.outbound.filters.map((f) => f.name) },
        snapshot: this.current.version,
      },
      'meshguard sidecar started',
    );
  }

  private watchedFiles = new Set<string>();

  private async build(config: MeshguardConfig, text: string | undefined): Promise<Snapshot> {
    const watched = new Set<string>([this.configFile]);
    const hooks: Array<() => Promise<void>> = [];
    const chainFor = async (listener: ListenerKind): Promise<FilterChain> => {
      const filters: Filter[] = [];
      const bctx: FilterBuildContext = {
        config,
        configFile: this.configFile,
        configDir: this.configDir,
        listener,
        logger: this.log.child({ listener }),
        metrics: this.metrics,
        shared: this.shared,
        onShutdown: (fn) => hooks.push(fn),
        watch: (file) => watched.add(path.resolve(this.configDir, file)),
        routeDispatcher: (host) => {
          const route = config.outbound?.routes.find((r) => r.host.toLowerCase() === host.toLowerCase());
          return route ? this.upstreams.route(route) : undefined;
        },
      };
      try {
        for (const factory of this.opts.filters ?? filterFactories) {
          const f = await factory.build(bctx);
          if (f) filters.push(f);
        }
      } catch (err) {
        await Promise.all(filters.map((f) => f.close?.().catch(() => undefined)));
        throw err;
      }
      return new FilterChain(filters);
    };
    const inbound = config.inbound ? await chainFor('inbound') : new FilterChain([]);
    let outbound: FilterChain;
    try {
      outbound = config.outbound ? await chainFor('outbound') : new FilterChain([]);
    } catch (err) {
      await inbound.close();
      throw err;
    }
    const routes = new Map<string, RouteEntry>();
    for (const r of config.outbound?.routes ?? []) {
      routes.set(r.host.toLowerCase(), {
        info: { name: r.host, host: r.host, endpoints: r.endpoints, spiffeIds: r.spiffeIds },
        dispatcher: this.upstreams.route(r),
      });
    }
    const app = config.inbound
      ? { info: { name: 'app', host: new URL(config.inbound.app).host, endpoints: [new URL(config.inbound.app).host], spiffeIds: [] }, dispatcher: this.upstreams.app(config.inbound.app) }
      : null;
    const describe = (c: FilterChain) => c.filters.map((f) => ({ name: f.name, ...(f.describe?.() ?? {}) }));
    const version = createHash('sha256')
      .update(text ?? JSON.stringify(config))
      .update(JSON.stringify({ i: describe(inbound), o: describe(outbound) }))
      .digest('hex')
      .slice(0, 16);
    this.shutdownHooks.push(...hooks);
    this.watchedFiles = watched;
    return {
      version,
      builtAt: new Date(),
      config,
      inbound,
      outbound,
      routes,
      app,
      showDenyDetail: config.responses?.showDenyDetail ?? false,
      upstreamTimeoutMs: this.limits.upstreamTimeoutMs,
      accessLog: config.log?.access !== false,
    };
  }

  /**
   * Re-reads the config and every file the filters use, builds a whole new snapshot and swaps it in.
   * On any error the running snapshot stays, the error (with file and line) is logged and counted.
   */
  reload(): Promise<ReloadResult> {
    const run = async (): Promise<ReloadResult> => {
      if (this.stopped) return { ok: false, error: 'sidecar is stopping' };
      try {
        const loaded = await loadConfig(this.configFile);
        for (const key of RESTART_KEYS) {
          if (JSON.stringify(pick(loaded.config, key)) !== JSON.stringify(pick(this.opts.config, key))) {
            throw new Error(`${this.configFile}: ${key}: changing it needs a restart; reload refused`);
          }
        }
        const next = await this.build(loaded.config, loaded.text);
        const old = this.current;
        this.current = next;
        for (const rt of this.runtimes) rt.snapshot = next;
        const keep = new Set<UpstreamPool>([...next.routes.values()].map((r) => r.dispatcher));
        if (next.app) keep.add(next.app.dispatcher);
        for (const r of old.routes.values()) if (!keep.has(r.dispatcher)) void this.retire(r.dispatcher);
        // Requests still running keep the old filters; close them once those have had time to finish.
        setTimeout(() => void old.inbound.close().then(() => old.outbound.close()), this.limits.drainTimeoutMs).unref();
        this.core.reloads.inc({ result: 'ok' });
        this.log.info({ event: 'reloaded', snapshot: next.version, previous: old.version }, 'configuration reloaded');
        if (this.opts.watchFiles !== false) this.rewatch();
        return { ok: true, version: next.version };
      } catch (err) {
        this.core.reloads.inc({ result: 'error' });
        const message = (err as Error).message;
        this.log.error({ event: 'reload_failed', err: message }, 'reload failed; the running configuration stays');
        return { ok: false, error: message };
      }
    };
    const p = this.reloading.then(run, run);
    this.reloading = p;
    return p;
  }

  private async retire(d: UpstreamPool): Promise<void> {
    const keep = new Set<UpstreamPool>([...this.current.routes.values()].map((r) => r.dispatcher));
    if (this.current.app) keep.add(this.current.app.dispatcher);
    if (!keep.has(d)) await this.upstreams.retain(keep);
  }

  private rewatch(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    const byDir = new Map<string, Set<string>>();
    for (const f of this.watchedFiles) {
      const dir = path.dirname(f);
      if (!byDir.has(dir)) byDir.set(dir, new Set());
      byDir.get(dir)!.add(path.basename(f));
    }
    for (const [dir, names] of byDir) {
      try {
        const w = watch(dir, (_e, name) => {
          if (name !== null && !names.has(name.toString())) return;
          if (this.reloadTimer) clearTimeout(this.reloadTimer);
          this.reloadTimer = setTimeout(() => void this.reload(), 300);
        });
        w.on('error', () => undefined);
        this.watchers.push(w);
      } catch (err) {
        this.log.warn({ dir, err: (err as Error).message }, 'cannot watch directory; reload with SIGHUP or POST /reload');
      }
    }
  }

  /**
   * Stops accepting, lets in-flight requests finish within the drain timeout (answering them with
   * Connection: close), then closes everything and flushes the filters' sinks.
   */
  async stop(opts: { drainTimeoutMs?: number } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const drainMs = opts.drainTimeoutMs ?? this.limits?.drainTimeoutMs ?? 15_000;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    for (const w of this.watchers) w.close();
    for (const rt of this.runtimes) rt.draining = true;
    const closed = this.servers.map((s) => new Promise<void>((resolve) => s.server.close(() => resolve())));
    for (const s of this.servers) s.http.closeIdleConnections();
    const idle = Promise.all(
      this.runtimes.map((rt) =>
        rt.inflight === 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              rt.onIdle = resolve;
            }),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([idle.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), drainMs)))]);
    clearTimeout(timer);
    if (timedOut) this.log.warn({ inflight: this.runtimes.reduce((n, rt) => n + rt.inflight, 0) }, 'drain timeout: closing remaining connections');
    for (const s of this.servers) s.http.closeAllConnections();
    await Promise.all(closed);
    for (const rt of this.runtimes) rt.accessLog.flush();
    if (this.current) {
      await this.current.inbound.close();
      await this.current.outbound.close();
    }
    for (const hook of this.shutdownHooks) await hook().catch((err: Error) => this.log.error({ err: err.message }, 'shutdown hook failed'));
    await this.upstreams?.close();
    this.tls?.close();
    await this.provider?.stop();
    if (this.adminServer) {
      this.adminServer.closeAllConnections();
      await new Promise<void>((r) => this.adminServer!.close(() => r()));
    }
    this.log.info({ event: 'stopped', drained: !timedOut }, 'meshguard sidecar stopped');
  }
}

export async function startSidecar(opts: SidecarOptions): Promise<Sidecar> {
  const s = new Sidecar(opts);
  try {
    await s.start();
  } catch (err) {
    await s.stop({ drainTimeoutMs: 0 }).catch(() => undefined);
    throw err;
  }
  return s;
}
