import type { IncomingHttpHeaders } from 'node:http';
import type { ProxyRequest } from '../http1/request.js';
import type { ProxyResponse, ResponseWatcher } from '../http1/response.js';
import type { BodySink, BodySource } from '../http1/body.js';
import { UpstreamTimeoutError, ConnectTimeoutError, type UpstreamPool, type ExchangeController, type ExchangeHandler } from '../http1/upstream-pool.js';
import type { Logger } from '../log.js';
import type { Snapshot } from '../snapshot.js';
import type { CoreMetrics } from '../admin/core-metrics.js';
import type { RequestTally } from '../admin/request-tally.js';
import { RequestContext, type ListenerKind, type PeerIdentity, type Outcome } from './context.js';
import type { FilterChain, Decision } from './chain.js';
import type { Denial } from './filter.js';
import { answer } from './answer.js';
import { normalizePath, splitTarget } from './normalize.js';
import { requestIdFrom } from './request-id.js';
import { upstreamHeaders, downstreamHeaders, downstreamDrop, xfccValue } from './headers.js';
import { headersObject } from '../http1/llhttp.js';
import { UpstreamIdentityError } from './connector.js';
import type { AccessLog } from './access-log.js';

/** Where the verified peer identity of an inbound TLS socket is kept (set at secureConnection). */
export const PEER = Symbol('meshguard.peer');
export type PeerSocket = { [PEER]?: PeerIdentity };

/** Per-listener state the handler reads; one object, created once, so the hot path allocates little. */
export interface ListenerRuntime {
  readonly kind: ListenerKind;
  readonly ourId: string;
  readonly log: Logger;
  readonly accessLog: AccessLog;
  readonly metrics: CoreMetrics;
  /** The snapshot in force; read once per request. */
  snapshot: Snapshot;
  inflight: number;
  draining: boolean;
  /** Resolves waiters when inflight drops to 0 during a drain. */
  onIdle: (() => void) | null;
  /** Request count and duration of this listener, handed to prom-client when metrics are read. */
  readonly tally: RequestTally;
  xfccByPeer?: WeakMap<PeerIdentity, string>;
}

function hostCount(raw: string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') n++;
  return n;
}

/** `payments:8080` → `payments`; `[::1]:80` → `::1`. */
function hostOnly(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return (end > 0 ? authority.slice(1, end) : authority).toLowerCase();
  }
  const colon = authority.indexOf(':');
  return (colon < 0 ? authority : authority.slice(0, colon)).toLowerCase();
}

function denial(status: number, error: string, reason: string): Denial {
  return { status, error, reason };
}

/** Every value of Connection (repeats joined, as `http` does). */
function connectionHeader(raw: readonly string[]): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === 10 && n.toLowerCase() === 'connection') v = v === undefined ? raw[i + 1]! : `${v}, ${raw[i + 1]!}`;
  }
  return v;
}

/**
 * The request body as it goes upstream: counted and shown to the filters' data taps on the way,
 * after an already-read prefix.
 */
class TappedBody implements BodySource {
  constructor(
    private readonly req: ProxyRequest,
    private readonly ctx: RequestContext,
    private readonly chain: FilterChain,
    private prefix: Buffer | null,
  ) {}

  get length(): number | undefined {
    return this.req.length;
  }

  start(sink: BodySink): void {
    const { ctx, chain } = this;
    const taps = chain.requestTaps.length > 0;
    const prefix = this.prefix;
    this.prefix = null;
    if (prefix !== null && prefix.length > 0) {
      ctx.bytesIn += prefix.length;
      if (taps) chain.requestData(ctx, prefix);
      sink.write(prefix);
    }
    this.req.start({
      write(chunk: Buffer): boolean {
        ctx.bytesIn += chunk.length;
        if (taps) chain.requestData(ctx, chunk);
        return sink.write(chunk);
      },
      end: () => sink.end(),
      error: (err: Error) => sink.error(err),
    });
  }

  resume(): void {
    this.req.resume();
  }

  stop(): void {
    this.req.stop();
  }
}

function classify(err: unknown): { status: number; outcome: Outcome; error: string; reason: string; metric: string } {
  const e = err as { code?: string; cause?: { code?: string }; name?: string };
  if (err instanceof UpstreamIdentityError || e.cause instanceof UpstreamIdentityError) {
    return { status: 502, outcome: 'upstream_identity', error: 'upstream_identity', reason: 'upstream identity not accepted for this route', metric: 'identity' };
  }
  if (err instanceof UpstreamTimeoutError || err instanceof ConnectTimeoutError || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { status: 504, outcome: 'upstream_timeout', error: 'upstream_timeout', reason: 'upstream did not answer in time', metric: 'timeout' };
  }
  const code = e.code ?? e.cause?.code ?? 'unknown';
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND') {
    return { status: 503, outcome: 'upstream_error', error: 'upstream_unavailable', reason: 'upstream connection failed', metric: 'connect' };
  }
  if (typeof code === 'string' && code.startsWith('ERR_SSL')) {
    return { status: 502, outcome: 'upstream_error', error: 'upstream_tls', reason: 'upstream TLS handshake failed', metric: 'tls' };
  }
  return { status: 502, outcome: 'upstream_error', error: 'upstream_error', reason: 'upstream request failed', metric: 'other' };
}

/**
 * One request through one listener: validate and normalize, run the filter chain, forward with
 * streaming and backpressure, pass the response back, log. Both listeners use it; they differ only
 * in how the route is chosen and which identity headers are set. A request no filter has to look at
 * before it goes upstream (no header filters, no body) takes no promise on its way.
 */
export function handleRequest(rt: ListenerRuntime, req: ProxyRequest, res: ProxyResponse): void {
  const startNs = process.hrtime.bigint();
  const snap = rt.snapshot;
  rt.inflight++;
  const requestId = requestIdFrom(req.header('x-meshguard-request-id'));
  const chain = rt.kind === 'inbound' ? snap.inbound : snap.outbound;

  const target = req.url;
  const { path: rawPath, query } = splitTarget(target);
  const norm = normalizePath(rawPath);
  const authority = req.header('host') ?? '';
  const peer = rt.kind === 'inbound' ? ((req.socket as unknown as PeerSocket)[PEER] ?? null) : null;
  const ctx = new RequestContext({
    requestId,
    listener: rt.kind,
    req,
    peer,
    ourIdentity: rt.ourId,
    path: norm.ok ? norm.path : rawPath,
    query,
    authority,
    startNs,
  });
  const t: Turn = { rt, ctx, chain, req, res, snap, pool: null as unknown as UpstreamPool, ended: false };

  try {
    if (rt.draining) res.shouldKeepAlive = false;
    // Ambiguities a proxy must refuse rather than guess (Node accepts a duplicate Host).
    let bad: string | null = null;
    if (!norm.ok) bad = norm.reason;
    else if (hostCount(req.rawHeaders) !== 1) bad = 'exactly one Host header is required';
    else if (rt.kind === 'inbound' && peer === null) bad = 'no verified peer identity';
    if (bad !== null) {
      rt.metrics.badRequests.inc({ listener: rt.kind, reason: bad === 'exactly one Host header is required' ? 'host' : 'target' });
      finishDenied(rt, ctx, res, snap, 'proxy', denial(400, 'bad_request', bad), 'bad_request', true);
      return end(t);
    }

    if (rt.kind === 'outbound') {
      const entry = snap.routes.get(hostOnly(authority));
      if (!entry) {
        finishDenied(rt, ctx, res, snap, 'router', denial(404, 'no_route', `no route for host ${hostOnly(authority)}`), 'not_found', req.hasBody);
        return end(t);
      }
      ctx.route = entry.info;
      t.pool = entry.dispatcher;
    } else {
      if (!snap.app) {
        finishDenied(rt, ctx, res, snap, 'router', denial(404, 'no_route', 'no inbound app'), 'not_found', req.hasBody);
        return end(t);
      }
      ctx.route = snap.app.info;
      t.pool = snap.app.dispatcher;
    }

    if (chain.hasRequestHeaders || req.hasBody) return void filterThenForward(t);
    forward(t, null);
  } catch (err) {
    failed(t, err);
  }
}

/** The XFCC value depends only on the verified peer, whose identity object its connections share. */
function xfccFor(rt: ListenerRuntime, peer: PeerIdentity): string {
  const cache = (rt.xfccByPeer ??= new WeakMap());
  let v = cache.get(peer);
  if (v === undefined) {
    v = xfccValue(rt.ourId, peer.certSha256, peer.spiffeId);
    cache.set(peer, v);
  }
  return v;
}

/** What one request's handling carries between its steps. */
interface Turn {
  readonly rt: ListenerRuntime;
  readonly ctx: RequestContext;
  readonly chain: FilterChain;
  readonly req: ProxyRequest;
  readonly res: ProxyResponse;
  readonly snap: Snapshot;
  pool: UpstreamPool;
  /** complete() ran: metrics, filters' onComplete and the access log happen once per request. */
  ended: boolean;
}

/** The request-headers and request-body phases of the filters, then the upstream exchange. */
async function filterThenForward(t: Turn): Promise<void> {
  const { rt, ctx, chain, req, res, snap } = t;
  try {
    let decision: Decision | undefined = chain.hasRequestHeaders ? await chain.requestHeaders(ctx) : undefined;
    if (decision) {
      finishDenied(rt, ctx, res, snap, decision.filter.name, decision.denial, 'denied', req.hasBody);
      return end(t);
    }

    let body: BodySource | Buffer | null = null;
    if (req.hasBody) {
      const limit = chain.empty ? 0 : chain.requestBufferSize(ctx);
      if (limit > 0) {
        const { prefix, complete } = await req.readPrefix(limit);
        decision = await chain.requestBody(ctx, prefix, complete);
        if (decision) {
          finishDenied(rt, ctx, res, snap, decision.filter.name, decision.denial, 'denied', !complete);
          return end(t);
        }
        if (complete) {
          ctx.bytesIn = prefix.length;
          if (chain.requestTaps.length > 0 && prefix.length > 0) chain.requestData(ctx, prefix);
          body = prefix;
        } else {
          body = new TappedBody(req, ctx, chain, prefix);
        }
      } else {
        body = new TappedBody(req, ctx, chain, null);
      }
    }
    forward(t, body);
  } catch (err) {
    failed(t, err);
  }
}

function forward(t: Turn, body: BodySource | Buffer | null): void {
  const { rt, ctx, req } = t;
  const peer = ctx.peer;
  const headers = upstreamHeaders({
    rawHeaders: req.rawHeaders,
    connection: connectionHeader(req.rawHeaders),
    host: ctx.authority,
    requestId: ctx.requestId,
    remoteAddress: ctx.remoteAddress,
    proto: rt.kind === 'inbound' ? 'https' : 'http',
    xfcc: peer ? xfccFor(rt, peer) : undefined,
    // The pool sets the framing (Content-Length or chunked) from the body it is given.
    contentLength: undefined,
  });

  ctx.upstream = ctx.route!.endpoints[0];
  ctx.upstreamStartNs = process.hrtime.bigint();
  const exchange = new Exchange(t);
  t.pool.dispatch(
    {
      method: req.method,
      path: ctx.query ? `${ctx.path}?${ctx.query}` : ctx.path,
      headers,
      body,
      headersTimeoutMs: t.snap.upstreamTimeoutMs,
    },
    exchange,
  );
}

/** An error inside the proxy while handling the request: a 500 if nothing was answered yet, else a cut connection. */
function failed(t: Turn, err: unknown): void {
  const { rt, ctx, res } = t;
  try {
    if (!res.headersSent && !res.destroyed) {
      rt.log.error({ requestId: ctx.requestId, err: (err as Error).message }, 'request failed inside the proxy');
      finishDenied(rt, ctx, res, t.snap, 'proxy', denial(500, 'internal_error', 'the proxy failed to handle this request'), 'upstream_error', true);
    } else {
      ctx.outcome = ctx.outcome === 'ok' ? 'client_aborted' : ctx.outcome;
      res.destroy();
    }
  } finally {
    end(t);
  }
}

function end(t: Turn): void {
  if (t.ended) return;
  t.ended = true;
  complete(t.rt, t.ctx, t.chain, t.snap, t.res);
}

/**
 * One upstream exchange on the pool: the response goes straight from the parser's
 * callbacks to the caller's socket, with no intermediate stream, pipe or promise per chunk. The last
 * chunk is held until the next event, so a small response leaves in one write with its headers.
 * Backpressure: a full caller socket pauses the upstream connection until it drains.
 */
class Exchange implements ExchangeHandler, ResponseWatcher {
  private controller: ExchangeController | null = null;
  /** The upstream is paused until the caller's socket drains. */
  private drainWanted = false;
  private held: Buffer | null = null;
  private started = false;
  private finished = false;
  /** Response-body inspection: chunks kept until the filters' prefix is complete. */
  private buffering = 0;
  private buffered: Buffer[] | null = null;
  private bufferedSize = 0;
  /** While the filters decide: chunks that still arrived, and whether the body already ended. */
  private inspecting = false;
  private late: Buffer[] = [];
  private endedWhileInspecting = false;
  private status = 0;
  private raw: string[] = [];
  private headers: IncomingHttpHeaders | null = null;

  private readonly rt: ListenerRuntime;
  private readonly ctx: RequestContext;
  private readonly chain: FilterChain;
  private readonly req: ProxyRequest;
  private readonly res: ProxyResponse;
  private readonly snap: Snapshot;

  constructor(private readonly turn: Turn) {
    this.rt = turn.rt;
    this.ctx = turn.ctx;
    this.chain = turn.chain;
    this.req = turn.req;
    this.res = turn.res;
    this.snap = turn.snap;
    this.res.watcher = this;
  }

  callerClosed(): void {
    if (this.finished) return;
    // The caller went away before the answer was complete: stop the upstream exchange too.
    this.ctx.outcome = 'client_aborted';
    this.controller?.abort(new Error('caller closed the connection'));
    this.finish();
  }

  callerDrained(): void {
    if (!this.drainWanted) return;
    this.drainWanted = false;
    this.controller?.resume();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.res.watcher = null;
    end(this.turn);
  }

  onRequestStart(controller: ExchangeController): void {
    this.controller = controller;
    if (this.res.destroyed) controller.abort(new Error('caller closed the connection'));
  }

  onResponseStart(controller: ExchangeController, statusCode: number, raw: string[]): void {
    const ctx = this.ctx;
    ctx.responseStartNs = process.hrtime.bigint();
    this.status = statusCode;
    this.raw = raw;
    if (!this.chain.empty) {
      // Filters read headers by name; without filters the list goes back as it came (less the hop-by-hop ones).
      const headers = headersObject(raw) as IncomingHttpHeaders;
      ctx.responseHeaders = headers;
      this.headers = headers;
      const decision = this.chain.responseHeaders(ctx, statusCode, headers);
      if (decision) return this.deny(controller, decision);
      this.buffering = this.chain.responseBufferSize(ctx);
      if (this.buffering > 0) {
        this.buffered = [];
        return;
      }
    }
    this.start();
  }

  private start(): void {
    this.started = true;
    this.ctx.status = this.status;
    if (this.headers !== null) this.res.writeHead(this.status, downstreamHeaders(this.headers, this.ctx.requestId));
    else this.res.writeHeadRaw(this.status, this.raw, downstreamDrop(this.raw), 'x-meshguard-request-id', this.ctx.requestId);
  }

  private deny(controller: ExchangeController, decision: Decision): void {
    finishDenied(this.rt, this.ctx, this.res, this.snap, decision.filter.name, decision.denial, 'denied', !this.req.complete);
    this.finish();
    if (!controller.aborted) controller.abort(new Error('response replaced by a filter'));
  }

  onResponseData(controller: ExchangeController, chunk: Buffer): void {
    if (this.finished) return;
    if (this.inspecting) {
      this.late.push(chunk);
      return;
    }
    if (this.buffered !== null) {
      this.buffered.push(chunk);
      this.bufferedSize += chunk.length;
      if (this.bufferedSize > this.buffering) {
        controller.pause();
        void this.inspect(false);
      }
      return;
    }
    this.ctx.bytesOut += chunk.length;
    if (this.chain.responseTaps.length > 0) this.chain.responseData(this.ctx, chunk);
    const held = this.held;
    this.held = chunk;
    if (held !== null && !this.res.write(held)) {
      controller.pause();
      this.drainWanted = true;
    }
  }

  onResponseEnd(): void {
    if (this.finished) return;
    if (this.inspecting) {
      this.endedWhileInspecting = true;
      return;
    }
    if (this.buffered !== null) {
      void this.inspect(true);
      return;
    }
    const held = this.held;
    this.held = null;
    if (held !== null) this.res.end(held);
    else this.res.end();
    this.finish();
  }

  /** The response-body phase: runs once the prefix is complete (or the body ended within it). */
  private async inspect(complete: boolean): Promise<void> {
    const chunks = this.buffered!;
    this.buffered = null;
    this.inspecting = true;
    const all = Buffer.concat(chunks);
    const prefix = complete ? all : all.subarray(0, this.buffering);
    let decision: Decision | undefined;
    try {
      decision = await this.chain.responseBody(this.ctx, prefix, complete);
    } catch (err) {
      this.rt.log.error({ requestId: this.ctx.requestId, err: (err as Error).message }, 'response filter failed');
      decision = { filter: { name: 'proxy' }, denial: denial(502, 'internal_error', 'the proxy failed to inspect the response') };
    }
    if (this.finished) return;
    if (decision) return this.deny(this.controller!, decision);
    this.inspecting = false;
    this.start();
    // What was read so far goes out as one chunk, then what arrived meanwhile, then the rest as it comes.
    const late = this.late;
    this.late = [];
    this.onResponseData(this.controller!, late.length ? Buffer.concat([all, ...late]) : all);
    if (complete || this.endedWhileInspecting) return this.onResponseEnd();
    this.controller!.resume();
  }

  onResponseError(_controller: ExchangeController, err: Error): void {
    if (this.finished) return;
    const { rt, ctx, res } = this;
    if (this.started || res.headersSent) {
      // Mid-body: nothing can be said any more. What arrived goes out, then the caller's connection
      // is cut so it sees a short body.
      ctx.outcome = 'upstream_error';
      rt.metrics.upstreamErrors.inc({ listener: rt.kind, reason: 'body' });
      const held = this.held;
      this.held = null;
      if (held !== null) res.write(held);
      res.cut();
      this.finish();
      return;
    }
    const c = classify(err);
    rt.metrics.upstreamErrors.inc({ listener: rt.kind, reason: c.metric });
    ctx.denyDetail = err.message;
    if (c.outcome === 'upstream_identity') rt.log.warn({ requestId: ctx.requestId, route: ctx.route?.name, err: err.message }, 'upstream identity refused');
    finishDenied(rt, ctx, res, this.snap, 'upstream', denial(c.status, c.error, c.reason), c.outcome, !this.req.complete);
    this.finish();
  }
}

function finishDenied(rt: ListenerRuntime, ctx: RequestContext, res: ProxyResponse, snap: Snapshot, by: string, d: Denial, outcome: Outcome, close: boolean): void {
  ctx.outcome = outcome;
  ctx.status = d.status;
  ctx.deniedBy = by;
  if (d.detail) ctx.denyDetail = d.detail;
  if (outcome === 'denied') rt.metrics.denials.inc({ listener: rt.kind, filter: by });
  answer(res, ctx.requestId, d, snap.showDenyDetail, close || rt.draining);
}

function complete(rt: ListenerRuntime, ctx: RequestContext, chain: FilterChain, snap: Snapshot, res: ProxyResponse): void {
  ctx.endNs = process.hrtime.bigint();
  if (ctx.status === 0) ctx.status = res.statusCode;
  rt.tally.record(ctx.status, Number(ctx.endNs - ctx.startNs) / 1e9);
  if (!chain.empty) chain.completed(ctx, (filter, err) => rt.log.error({ filter, err: (err as Error).message }, 'filter onComplete failed'));
  if (snap.accessLog && rt.accessLog.enabled) rt.accessLog.write(ctx);
  rt.inflight--;
  if (rt.inflight === 0 && rt.onIdle) rt.onIdle();
}
