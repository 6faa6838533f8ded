import { connect as netConnect, type Socket } from 'node:net';
import { newParser, HTTPParser, isParseError, consumeSocket, kOnHeaders, kOnHeadersComplete, kOnBody, kOnMessageBegin, kOnMessageComplete, type LlhttpParser, type OnHeadersComplete, type ParseError, type StreamHandle } from './llhttp.js';
import type { BodySource } from './body.js';

/** Opens one connection to host:port; the mTLS connector verifies the peer before calling back. */
export type Connector = (host: string, port: number, callback: (err: Error | null, socket: Socket | null) => void) => void;

export interface UpstreamRequest {
  method: string;
  /** Origin-form target, already normalized. */
  path: string;
  /** Flat [name, value, ...], hop-by-hop headers already removed; framing headers are set here. */
  headers: string[];
  /** A complete body, a streamed one, or none. */
  body: Buffer | BodySource | null;
  /** Milliseconds from the request being sent to the response headers; 0 = none. */
  headersTimeoutMs: number;
}

export interface ExchangeController {
  pause(): void;
  resume(): void;
  abort(reason: Error): void;
  readonly aborted: boolean;
}

/** What the proxy implements for one upstream exchange: the pool calls it as the answer arrives. */
export interface ExchangeHandler {
  onRequestStart(controller: ExchangeController): void;
  /** headers: flat [name, value, ...] as received. */
  onResponseStart(controller: ExchangeController, statusCode: number, headers: string[]): void;
  onResponseData(controller: ExchangeController, chunk: Buffer): void;
  onResponseEnd(controller: ExchangeController): void;
  onResponseError(controller: ExchangeController, err: Error): void;
}

export interface PoolOptions {
  /** host:port endpoints; requests are spread round-robin over their idle connections. */
  endpoints: string[];
  /** Most connections open at once, all endpoints together; requests beyond wait in order. */
  connections: number;
  keepAliveTimeoutMs: number;
  connectTimeoutMs: number;
  /** TLS (mTLS) connector; plain TCP when absent. */
  connect?: Connector;
}

export class UpstreamTimeoutError extends Error {
  readonly code = 'UND_ERR_HEADERS_TIMEOUT';
  constructor(ms: number) {
    super(`upstream sent no response headers within ${ms} ms`);
    this.name = 'UpstreamTimeoutError';
  }
}

export class ConnectTimeoutError extends Error {
  readonly code = 'UND_ERR_CONNECT_TIMEOUT';
  constructor(endpoint: string, ms: number) {
    super(`connecting to ${endpoint} timed out after ${ms} ms`);
    this.name = 'ConnectTimeoutError';
  }
}

class PoolClosedError extends Error {
  readonly code = 'MESHGUARD_POOL_CLOSED';
  constructor() {
    super('upstream pool closed');
  }
}

const CRLF = '\r\n';
/**
 * A caller that hangs up leaves its answer owed on the upstream connection. Up to this much of it, for
 * up to this long, is read and dropped so the connection returns to the pool: closing it instead
 * would cost a new TLS handshake for the next request (HAProxy's default; nginx's proxy_ignore_client_abort).
 */
const ORPHAN_DRAIN_BYTES = 1 << 20;
const ORPHAN_DRAIN_MS = 5_000;
const ignore = (): void => undefined;

/**
 * Keep-alive HTTP/1.1 connection pool on raw sockets with llhttp parsing responses: one request per
 * connection at a time (no pipelining), bodies streamed both ways with backpressure, a connection
 * reused only after a complete exchange it can still trust. Timers: one sweep per pool every 250 ms
 * for response-header deadlines and idle expiry, not one timer per request.
 */
export class UpstreamPool {
  private readonly idle: Conn[] = [];
  private readonly waiting: Exchange[] = [];
  private readonly active = new Set<Conn>();
  private open = 0;
  private next = 0;
  private closed = false;

  get isClosed(): boolean {
    return this.closed;
  }
  private sweepTimer: NodeJS.Timeout | null = null;
  private closeWaiter: (() => void) | null = null;

  constructor(private readonly o: PoolOptions) {}

  dispatch(req: UpstreamRequest, handler: ExchangeHandler): void {
    const ex = new Exchange(this, req, handler);
    handler.onRequestStart(ex);
    if (ex.aborted) return;
    if (this.closed) return ex.fail(new PoolClosedError());
    this.acquire(ex);
  }

  /** Sends one request and discards the answer (the audit shadow sink); resolves with the status. */
  send(req: UpstreamRequest): Promise<number> {
    return new Promise((resolve, reject) => {
      let status = 0;
      this.dispatch(req, {
        onRequestStart: ignore,
        onResponseStart: (_c, s) => {
          status = s;
        },
        onResponseData: ignore,
        onResponseEnd: () => resolve(status),
        onResponseError: (_c, err) => reject(err),
      });
    });
  }

  /** @internal */
  acquire(ex: Exchange): void {
    if (this.closed) return ex.fail(new PoolClosedError());
    const conn = this.idle.pop();
    if (conn) return conn.start(ex, true);
    if (this.open < this.o.connections) return this.connect(ex);
    this.waiting.push(ex);
  }

  /** @internal An exchange given up while it waited for a connection. */
  unwait(ex: Exchange): void {
    const i = this.waiting.indexOf(ex);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  private connect(ex: Exchange): void {
    this.open++;
    const endpoint = this.o.endpoints[this.next++ % this.o.endpoints.length]!;
    const colon = endpoint.lastIndexOf(':');
    const host = endpoint.startsWith('[') ? endpoint.slice(1, colon - 1) : endpoint.slice(0, colon);
    const port = Number(endpoint.slice(colon + 1));
    const connected = (err: Error | null, socket: Socket | null) => {
      if (err || !socket) {
        this.closedOne();
        ex.fail(err ?? new Error(`connect to ${endpoint} failed`));
        this.wakeWaiter();
        return;
      }
      if (this.closed) {
        socket.destroy();
        this.closedOne();
        ex.fail(new PoolClosedError());
        return;
      }
      this.ensureSweep();
      new Conn(this, socket).start(ex, false);
    };
    if (this.o.connect) return this.o.connect(host, port, connected);
    const socket = netConnect({ host, port });
    socket.setNoDelay(true);
    let done = false;
    const timer = setTimeout(() => finish(new ConnectTimeoutError(endpoint, this.o.connectTimeoutMs)), this.o.connectTimeoutMs);
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('error', finish);
      if (err) {
        socket.destroy();
        connected(err, null);
      } else connected(null, socket);
    };
    socket.once('connect', () => finish(null));
    socket.once('error', finish);
  }

  /** @internal A connection finished an exchange and may serve the next one. */
  release(conn: Conn): void {
    this.active.delete(conn);
    if (this.closed) return conn.destroy();
    const w = this.waiting.shift();
    if (w) return conn.start(w, true);
    conn.idleSince = Date.now();
    this.idle.push(conn);
  }

  /** @internal */
  track(conn: Conn): void {
    this.active.add(conn);
  }

  /** @internal A connection is gone (closed, failed or expired). */
  gone(conn: Conn): void {
    this.active.delete(conn);
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    this.closedOne();
    this.wakeWaiter();
  }

  /** One connection (open or being opened) fewer; a closing pool resolves when the last one goes. */
  private closedOne(): void {
    this.open--;
    if (this.closed && this.open === 0) this.closeWaiter?.();
  }

  private wakeWaiter(): void {
    if (this.waiting.length === 0 || this.closed || this.open >= this.o.connections) return;
    this.connect(this.waiting.shift()!);
  }

  private ensureSweep(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => this.sweep(), 250);
    this.sweepTimer.unref();
  }

  private sweep(): void {
    const now = Date.now();
    for (const conn of this.active) conn.checkDeadline(now);
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const c = this.idle[i]!;
      if (now - c.idleSince >= this.o.keepAliveTimeoutMs) c.destroy();
    }
    if (this.open === 0 && this.sweepTimer) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = null;
    }
  }

  /** Stops taking requests; resolves when in-flight exchanges are done and connections closed. */
  close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.fail(new PoolClosedError());
    for (const c of this.idle.splice(0)) c.destroy();
    if (this.open === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.closeWaiter = resolve;
    });
  }

  destroy(): Promise<void> {
    const done = this.close();
    for (const c of [...this.active]) c.destroy(new PoolClosedError());
    return done;
  }
}

/** One request/response on the pool; the controller the proxy holds. */
class Exchange implements ExchangeController {
  aborted = false;
  /** The handler has had its last call (response ended, failed, or the proxy aborted). */
  finished = false;
  /** The response has been read to its end. */
  responseDone = false;
  conn: Conn | null = null;
  /** Response headers arrived (final, not 1xx). */
  responding = false;
  /** The request has been written entirely. */
  requestSent = false;
  deadline = 0;
  /** Sent again once already after a stale keep-alive connection; never twice. */
  retried = false;

  constructor(
    readonly pool: UpstreamPool,
    readonly req: UpstreamRequest,
    readonly handler: ExchangeHandler,
  ) {}

  private stopBody(): void {
    const body = this.req.body;
    if (body !== null && !Buffer.isBuffer(body)) body.stop();
  }

  pause(): void {
    this.conn?.pauseReading();
  }

  resume(): void {
    this.conn?.resumeReading();
  }

  /** The proxy gives up on this exchange (caller gone, response replaced): no handler call follows. */
  abort(_reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.finished = true;
    this.stopBody();
    const conn = this.conn;
    if (conn) conn.abandon(this);
    else this.pool.unwait(this);
  }

  fail(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.conn = null;
    this.stopBody();
    this.handler.onResponseError(this, err);
  }
}

/** One upstream connection and its response parser. */
class Conn {
  readonly parser: LlhttpParser;
  ex: Exchange | null = null;
  idleSince = 0;
  private keepAlive = false;
  private dead = false;
  /** Whether the current exchange runs on a connection that served before (stale keep-alive race). */
  private reused = false;
  private gotBytes = false;
  private headMethod = false;
  /** Bytes of an abandoned exchange's answer read and dropped. */
  private discarded = 0;
  /** The socket's handle when the parser reads it directly (pause = readStop). */
  private readonly handle: StreamHandle | null;

  constructor(
    private readonly pool: UpstreamPool,
    readonly socket: Socket,
  ) {
    const p = (this.parser = newParser(HTTPParser.RESPONSE, 0));
    let partial: string[] | null = null;
    p[kOnHeaders] = (headers: string[]) => {
      partial = partial ? partial.concat(headers) : headers;
    };
    const onHeadersComplete: OnHeadersComplete = (_maj, _min, headers, _m, _u, statusCode, _msg, _upgrade, shouldKeepAlive) => {
      const raw = partial ? (headers ? partial.concat(headers) : partial) : (headers ?? []);
      partial = null;
      const ex = this.ex;
      const status = statusCode ?? 0;
      if (!ex) return 0;
      // 1xx (100 Continue, 103 Early Hints) are interim: the final answer follows on the same exchange.
      if (status < 200) return 0;
      ex.responding = true;
      // An abandoned exchange keeps its drain deadline.
      if (!ex.aborted) ex.deadline = 0;
      this.keepAlive = shouldKeepAlive;
      if (!ex.finished) ex.handler.onResponseStart(ex, status, raw);
      return this.headMethod ? 1 : 0;
    };
    p[kOnHeadersComplete] = onHeadersComplete;
    p[kOnBody] = (chunk: Buffer) => {
      const ex = this.ex;
      if (!ex) return;
      if (!ex.finished) return ex.handler.onResponseData(ex, chunk);
      this.discarded += chunk.length;
      if (this.discarded > ORPHAN_DRAIN_BYTES) this.destroy();
    };
    p[kOnMessageComplete] = () => {
      const ex = this.ex;
      if (!ex || !ex.responding) return;
      this.complete(ex);
    };
    // kOnMessageBegin is set only while no request is outstanding (see start/afterExchange): an answer
    // then is unsolicited, and the connection cannot be trusted for framing any more. During an
    // exchange the callback would be one more C++-to-JS call per response, for nothing.
    p[kOnMessageBegin] = this.unsolicited;
    const afterExecute = (r: number | ParseError) => {
      this.gotBytes = true;
      if (isParseError(r)) this.destroy(new Error(`upstream sent an invalid response: ${r.reason ?? r.code}`));
    };
    this.handle = consumeSocket(p, socket, afterExecute);
    if (this.handle === null) socket.on('data', (chunk: Buffer) => afterExecute(this.parser.execute(chunk)));
    else socket.resume();
    socket.on('end', () => {
      // A close-delimited body ends here.
      const r = this.parser.finish();
      if (isParseError(r)) this.destroy(new Error(`upstream response cut short: ${r.reason ?? r.code}`));
      else this.destroy();
    });
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
    socket.on('drain', () => this.bodyDrain());
  }

  private readonly unsolicited = (): void => {
    if (!this.ex) this.destroy();
  };

  pauseReading(): void {
    if (this.handle) this.handle.readStop();
    else this.socket.pause();
  }

  resumeReading(): void {
    if (this.dead) return;
    if (this.handle) this.handle.readStart();
    else this.socket.resume();
  }

  /**
   * The proxy gave up on the exchange. A half-sent request leaves the connection unusable; an answer
   * still owed is read and dropped (within bounds) so the connection can serve again.
   */
  abandon(ex: Exchange): void {
    if (this.ex !== ex) return;
    if (!ex.requestSent || this.pool.isClosed) {
      ex.conn = null;
      this.ex = null;
      this.destroy();
      return;
    }
    const limit = Date.now() + ORPHAN_DRAIN_MS;
    if (ex.deadline === 0 || ex.deadline > limit) ex.deadline = limit;
    this.resumeReading();
  }

  start(ex: Exchange, reused: boolean): void {
    if (ex.finished) return this.pool.release(this);
    this.ex = ex;
    ex.conn = this;
    this.parser[kOnMessageBegin] = undefined;
    this.reused = reused;
    this.gotBytes = false;
    this.discarded = 0;
    this.pool.track(this);
    const req = ex.req;
    this.headMethod = req.method === 'HEAD';
    if (req.headersTimeoutMs > 0) ex.deadline = Date.now() + req.headersTimeoutMs;
    let head = `${req.method} ${req.path} HTTP/1.1${CRLF}`;
    const h = req.headers;
    for (let i = 0; i < h.length; i += 2) head += `${h[i]}: ${h[i + 1]}${CRLF}`;
    const body = req.body;
    if (body === null) {
      this.socket.write(`${head}${CRLF}`, 'latin1');
      ex.requestSent = true;
      return;
    }
    if (Buffer.isBuffer(body)) {
      head += `content-length: ${body.length}${CRLF}${CRLF}`;
      if (body.length <= 16_384) this.socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
      else {
        this.socket.cork();
        this.socket.write(head, 'latin1');
        this.socket.write(body);
        this.socket.uncork();
      }
      ex.requestSent = true;
      return;
    }
    // Streamed: a known length is kept, anything else goes chunked.
    const chunked = body.length === undefined;
    head += chunked ? `transfer-encoding: chunked${CRLF}${CRLF}` : `content-length: ${body.length}${CRLF}${CRLF}`;
    this.socket.write(head, 'latin1');
    body.start({
      write: (chunk: Buffer) => {
        if (this.ex !== ex || this.dead) return true;
        if (chunk.length === 0) return true;
        if (!chunked) return this.socket.write(chunk);
        this.socket.cork();
        this.socket.write(`${chunk.length.toString(16)}${CRLF}`, 'latin1');
        this.socket.write(chunk);
        const ok = this.socket.write(CRLF, 'latin1');
        this.socket.uncork();
        return ok;
      },
      end: () => {
        if (this.ex !== ex || this.dead) return;
        if (chunked) this.socket.write(`0${CRLF}${CRLF}`, 'latin1');
        ex.requestSent = true;
        // The answer may have come before the body was all sent.
        if (ex.responseDone) this.afterExchange();
      },
      error: (err: Error) => {
        if (this.ex !== ex) return;
        // The caller's body broke off: the upstream request cannot be completed.
        this.destroy(err);
      },
    });
  }

  private bodyDrain(): void {
    const body = this.ex?.req.body;
    if (body && !Buffer.isBuffer(body)) body.resume();
  }

  checkDeadline(now: number): void {
    const ex = this.ex;
    if (ex && ex.deadline > 0 && now >= ex.deadline) this.destroy(ex.aborted ? undefined : new UpstreamTimeoutError(ex.req.headersTimeoutMs));
  }

  private complete(ex: Exchange): void {
    ex.responseDone = true;
    if (!ex.finished) {
      ex.finished = true;
      ex.handler.onResponseEnd(ex);
    }
    if (ex.requestSent) this.afterExchange();
    // Otherwise the request body is still going out; the connection is settled when it ends.
  }

  private afterExchange(): void {
    const ex = this.ex;
    this.ex = null;
    this.parser[kOnMessageBegin] = this.unsolicited;
    if (ex) ex.conn = null;
    if (!this.keepAlive || this.dead) return this.destroy();
    this.resumeReading();
    this.pool.release(this);
  }

  destroy(err?: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.socket.destroy();
    const ex = this.ex;
    this.ex = null;
    this.pool.gone(this);
    if (!ex || ex.finished) return;
    // A reused connection the server had already closed: nothing was read, nothing can have been
    // acted on, so a request without a streamed body is sent again on a fresh connection.
    const req = ex.req;
    if (this.reused && !ex.retried && !this.gotBytes && !ex.responding && (req.body === null || Buffer.isBuffer(req.body)) && IDEMPOTENT.has(req.method)) {
      ex.retried = true;
      ex.conn = null;
      this.pool.acquire(ex);
      return;
    }
    ex.fail(err ?? new ResetError());
  }
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

class ResetError extends Error {
  readonly code = 'ECONNRESET';
  constructor() {
    super('upstream closed the connection');
  }
}
