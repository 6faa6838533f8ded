import type { Server as NetServer, Socket } from 'node:net';
import { newParser, HTTPParser, METHODS, isParseError, consumeSocket, kOnHeaders, kOnHeadersComplete, kOnBody, kOnMessageComplete, type LlhttpParser, type OnHeadersComplete, type ParseError, type StreamHandle } from './llhttp.js';
import { ProxyRequest, type BodyFlow } from './request.js';
import { ProxyResponse, type ResponseOwner } from './response.js';

export interface Http1Options {
  maxHeaderSize: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxRequestsPerSocket: number;
}

export type RequestHandler = (req: ProxyRequest, res: ProxyResponse) => void;
/** A request the parser refused (or a timeout): code is llhttp's (HPE_*) or ERR_HTTP_REQUEST_TIMEOUT. */
export type ClientErrorHandler = (err: Error & { code?: string }, socket: Socket) => void;

const SWEEP_MS = 250;

/**
 * A lean HTTP/1.1 server on Node's llhttp: requests are parsed straight from the socket into
 * `ProxyRequest`s, one exchange at a time per connection (pipelined requests wait their turn), with
 * Node's limits kept: header size, headers and request timeouts, keep-alive idle timeout, requests
 * per socket. It serves connections handed to it by a net or TLS server.
 */
export class Http1Server {
  private readonly conns = new Set<ServerConn>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private closing = false;
  onClientError: ClientErrorHandler | null = null;

  constructor(
    readonly o: Http1Options,
    readonly handler: RequestHandler,
  ) {}

  /** Serves every connection `server` accepts (after the TLS handshake for a TLS server). */
  attach(server: NetServer, event: 'connection' | 'secureConnection'): void {
    server.on(event, (socket: Socket) => {
      if (socket.destroyed) return;
      this.serve(socket);
    });
    server.on('close', () => this.stopSweep());
  }

  serve(socket: Socket): void {
    socket.setNoDelay(true);
    const conn = new ServerConn(this, socket);
    this.conns.add(conn);
    socket.once('close', () => {
      this.conns.delete(conn);
      conn.closed();
    });
    if (this.closing) conn.closeWhenIdle();
    if (!this.sweepTimer) {
      this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
      this.sweepTimer.unref();
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const c of this.conns) c.check(now);
    if (this.conns.size === 0) this.stopSweep();
  }

  private stopSweep(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  /** Draining: idle connections close now, busy ones after their current response. */
  closeIdleConnections(): void {
    this.closing = true;
    for (const c of this.conns) c.closeWhenIdle();
  }

  closeAllConnections(): void {
    for (const c of this.conns) c.socket.destroy();
  }

  get connections(): number {
    return this.conns.size;
  }
}

/** One caller connection. */
class ServerConn implements BodyFlow, ResponseOwner {
  private readonly parser: LlhttpParser;
  /** The request being answered, and pipelined ones parsed meanwhile. */
  private active: ProxyRequest | null = null;
  private readonly queue: ProxyRequest[] = [];
  /** The request whose body the parser is reading now. */
  private parsing: ProxyRequest | null = null;
  private served = 0;
  /** Bytes of a message arrived (while no request was being read) but its head is not complete yet. */
  private headersStart = 0;
  /** When the request whose body the parser is reading started; 0 otherwise. */
  private messageStart = 0;
  /** A request head completed during the parser's current run over a read. */
  private headSeen = false;
  private idleSince = Date.now();
  private paused = false;
  private closeAfter = false;
  private dead = false;
  private pendingError: ParseError | null = null;
  private partialHeaders: string[] | null = null;
  private partialUrl = '';
  /** The socket's handle when the parser reads it directly (pause = readStop). */
  private readonly handle: StreamHandle | null;
  private readonly remoteAddress: string;
  private readonly remotePort: number;

  constructor(
    private readonly server: Http1Server,
    readonly socket: Socket,
  ) {
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    const p = (this.parser = newParser(HTTPParser.REQUEST, server.o.maxHeaderSize));
    // No kOnMessageBegin and, for requests without a body, no kOnMessageComplete: each callback is a
    // C++-to-JS call per request. When a message starts is read off the reads instead (afterExecute).
    p[kOnHeaders] = (headers: string[], url: string) => {
      this.partialHeaders = this.partialHeaders ? this.partialHeaders.concat(headers) : headers;
      this.partialUrl += url;
    };
    const onHeadersComplete: OnHeadersComplete = (major, minor, headers, method, url, _s, _m, upgrade, shouldKeepAlive) => {
      let raw = headers ?? [];
      if (this.partialHeaders) raw = this.partialHeaders.concat(raw);
      const target = this.partialUrl + (url ?? '');
      this.partialHeaders = null;
      this.partialUrl = '';
      this.headSeen = true;
      const started = this.headersStart;
      this.headersStart = 0;
      const methodName = METHODS[method ?? -1] ?? 'GET';
      let length: number | undefined;
      let chunked = false;
      for (let i = 0; i < raw.length; i += 2) {
        const n = raw[i]!;
        if (n.length === 14 && n.toLowerCase() === 'content-length') length = Number(raw[i + 1]);
        else if (n.length === 17 && n.toLowerCase() === 'transfer-encoding') chunked = true;
      }
      const hasBody = chunked || (length !== undefined && length > 0);
      const req = new ProxyRequest(this, socket, methodName, target, major === 1 && minor === 1 ? '1.1' : `${major}.${minor}`, raw, shouldKeepAlive, chunked ? undefined : length, hasBody);
      req.remoteAddress = this.remoteAddress;
      req.remotePort = this.remotePort;
      if (hasBody) {
        this.parsing = req;
        this.messageStart = started !== 0 ? started : Date.now();
        p[kOnMessageComplete] = this.onMessageComplete;
      }
      if (upgrade && methodName === 'CONNECT') {
        // A tunnel is not something this proxy offers; the connection cannot be parsed past it.
        this.pendingError = Object.assign(new Error('CONNECT is not supported'), { code: 'HPE_CONNECT', bytesParsed: 0 });
        return 2;
      }
      if (this.active === null) this.begin(req);
      else {
        this.queue.push(req);
        // Do not read further pipelined requests until the current one is answered.
        this.pause();
      }
      return 0;
    };
    p[kOnHeadersComplete] = onHeadersComplete;
    p[kOnBody] = (chunk: Buffer) => {
      this.parsing?.pushBody(chunk);
    };
    this.handle = consumeSocket(p, socket, (ret) => this.afterExecute(ret));
    if (this.handle === null) socket.on('data', (chunk: Buffer) => this.afterExecute(this.parser.execute(chunk)));
    // Flowing, so the end of the stream is still reported as 'end' when the parser reads the handle.
    else socket.resume();
    socket.on('end', () => {
      // The caller finished sending; an answer in progress still goes out (half-close).
      this.parsing?.failBody(new Error('caller closed the connection before the body ended'));
      if (this.active === null) socket.end();
      else this.closeAfter = true;
    });
    socket.on('error', () => socket.destroy());
  }

  /** Set only while a request body is being read: the end of a body-less request needs no callback. */
  private readonly onMessageComplete = (): void => {
    const req = this.parsing;
    this.parsing = null;
    this.messageStart = 0;
    this.parser[kOnMessageComplete] = undefined;
    req?.endBody();
  };

  private afterExecute(r: number | ParseError): void {
    if (this.dead) return;
    if (isParseError(r)) return this.parseFailed(r);
    if (this.pendingError) return this.parseFailed(this.pendingError);
    // Bytes that completed no request head while none was being read or answered: a message has
    // started, and the headers timeout runs from now. (Partial bytes of a pipelined request that came
    // in the same read as an earlier one are timed from the next read, or by the keep-alive timeout
    // when nothing more comes.)
    if (!this.headSeen && this.parsing === null && this.active === null && this.headersStart === 0) this.headersStart = Date.now();
    this.headSeen = false;
  }

  private parseFailed(err: ParseError): void {
    this.pause();
    this.dead = true;
    this.parsing?.failBody(err);
    if (this.active !== null) {
      // Answer the request in progress, then close: nothing after the bad bytes can be trusted.
      this.closeAfter = true;
      this.pendingError = err;
      return;
    }
    this.refuse(err);
  }

  private refuse(err: Error & { code?: string }): void {
    const h = this.server.onClientError;
    if (h) h(err, this.socket);
    else this.socket.destroy();
  }

  private begin(req: ProxyRequest): void {
    this.active = req;
    this.served++;
    const keepAlive = req.keepAlive && !this.closeAfter && this.served < this.server.o.maxRequestsPerSocket;
    const res = new ProxyResponse(this, this.socket, req, keepAlive);
    this.activeRes = res;
    const expect = req.header('expect');
    if (expect !== undefined) {
      // As Node's http server does: 100-continue is answered at once, any other expectation refused.
      if (expect.trim().toLowerCase() === '100-continue' && req.httpVersion === '1.1') {
        if (!req.complete) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
      } else {
        const body = JSON.stringify({ error: 'expectation_failed', reason: 'only Expect: 100-continue is supported' });
        res.writeHead(417, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
        res.end(body);
        return;
      }
    }
    this.server.handler(req, res);
  }

  private activeRes: ProxyResponse | null = null;

  responseDone(res: ProxyResponse, keepAlive: boolean): void {
    if (res !== this.activeRes) return;
    const req = this.active!;
    this.active = null;
    this.activeRes = null;
    if (!keepAlive || this.closeAfter || !req.complete || this.socket.destroyed) {
      if (this.pendingError && !this.socket.destroyed && res.headersSent === false) return this.refuse(this.pendingError);
      this.socket.end();
      this.socket.destroySoon();
      this.dead = true;
      return;
    }
    const next = this.queue.shift();
    if (next) return this.begin(next);
    this.idleSince = Date.now();
    this.resume();
  }

  pauseReading(req: ProxyRequest): void {
    if (req === this.parsing) this.pause();
  }

  resumeReading(req: ProxyRequest): void {
    // Pipelined requests stay unread while an earlier one is being answered.
    if (req === this.parsing && this.queue.length === 0) this.resume();
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    if (this.handle) this.handle.readStop();
    else this.socket.pause();
  }

  private resume(): void {
    if (!this.paused || this.dead || this.socket.destroyed) return;
    this.paused = false;
    if (this.handle) this.handle.readStart();
    else this.socket.resume();
  }

  /** Timeouts, checked by the server's sweep. */
  check(now: number): void {
    if (this.dead || this.socket.destroyed) return;
    const o = this.server.o;
    if (this.headersStart !== 0 && o.headersTimeoutMs > 0 && now - this.headersStart > o.headersTimeoutMs) return this.timedOut();
    if (this.messageStart !== 0 && this.parsing !== null && o.requestTimeoutMs > 0 && now - this.messageStart > o.requestTimeoutMs) return this.timedOut();
    if (this.active === null && this.headersStart === 0 && this.messageStart === 0 && o.keepAliveTimeoutMs > 0 && now - this.idleSince > o.keepAliveTimeoutMs) this.socket.destroy();
  }

  private timedOut(): void {
    this.dead = true;
    this.pause();
    this.parsing?.failBody(new Error('request not received in time'));
    if (this.active !== null && this.activeRes?.headersSent) return void this.socket.destroy();
    this.refuse(Object.assign(new Error('request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }));
  }

  closeWhenIdle(): void {
    this.closeAfter = true;
    if (this.active === null && this.headersStart === 0 && this.messageStart === 0) this.socket.destroy();
    else if (this.activeRes) this.activeRes.shouldKeepAlive = false;
  }

  closed(): void {
    this.dead = true;
    this.parsing?.failBody(new Error('caller closed the connection'));
    this.activeRes?.closed();
    for (const q of this.queue) q.failBody(new Error('caller closed the connection'));
  }
}
