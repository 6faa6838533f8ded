import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { headersObject } from './llhttp.js';
import type { BodySink, BodySource } from './body.js';
import type { RequestHead } from '../proxy/context.js';

/** What the proxy's connection does for a request's body flow. */
export interface BodyFlow {
  pauseReading(req: ProxyRequest): void;
  resumeReading(req: ProxyRequest): void;
}

/** Buffered body bytes of a request nobody reads yet, before the connection stops reading. */
const PENDING_LIMIT = 65_536;

/**
 * One request as the lean server parsed it. It has the fields of `http.IncomingMessage` the proxy and
 * its filters read (method, url, httpVersion, rawHeaders, headers, socket, complete), and it is the
 * source of the body that is streamed upstream.
 */
export class ProxyRequest implements BodySource, RequestHead {
  complete = false;
  /** The body arrived broken (bad chunk framing, connection lost). */
  failed: Error | null = null;
  private headersCache: Record<string, string | string[]> | null = null;
  private pending: Buffer[] = [];
  private pendingSize = 0;
  private sink: BodySink | null = null;
  private stopped = false;

  constructor(
    private readonly flow: BodyFlow,
    readonly socket: Socket,
    readonly method: string,
    readonly url: string,
    readonly httpVersion: string,
    readonly rawHeaders: string[],
    /** llhttp's verdict: the caller wants the connection kept open after this exchange. */
    readonly keepAlive: boolean,
    /** Content-Length, or undefined when the body is chunked or absent. */
    readonly length: number | undefined,
    readonly hasBody: boolean,
  ) {
    if (!hasBody) this.complete = true;
  }

  get headers(): IncomingHttpHeaders {
    return (this.headersCache ??= headersObject(this.rawHeaders)) as IncomingHttpHeaders;
  }

  /** The first value of a header, looked up without building the header object. */
  header(lowerName: string): string | undefined {
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const n = raw[i]!;
      if (n.length === lowerName.length && n.toLowerCase() === lowerName) return raw[i + 1];
    }
    return undefined;
  }

  /** @internal from the parser */
  pushBody(chunk: Buffer): void {
    if (this.stopped) return;
    if (this.sink) {
      if (!this.sink.write(chunk)) this.flow.pauseReading(this);
      return;
    }
    this.pending.push(chunk);
    this.pendingSize += chunk.length;
    if (this.pendingSize > PENDING_LIMIT) this.flow.pauseReading(this);
    this.wake?.();
  }

  /** @internal from the parser */
  endBody(): void {
    this.complete = true;
    if (this.stopped) return;
    if (this.sink) this.sink.end();
    else this.wake?.();
  }

  /** @internal the connection broke mid-body */
  failBody(err: Error): void {
    if (this.complete || this.failed) return;
    this.failed = err;
    if (this.stopped) return;
    if (this.sink) this.sink.error(err);
    else this.wake?.();
  }

  private wake: (() => void) | null = null;
  /** The connection's peer, read once per connection rather than per request (a getpeername each). */
  remoteAddress = '';
  remotePort = 0;

  /**
   * Reads up to `limit` bytes of the body for the filters: the prefix, and whether the body ended
   * within it. Bytes past the limit stay queued for `start`.
   */
  readPrefix(limit: number): Promise<{ prefix: Buffer; complete: boolean }> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.failed) {
          this.wake = null;
          reject(this.failed);
          return;
        }
        if (this.pendingSize > limit) {
          this.wake = null;
          this.flow.pauseReading(this);
          const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
          this.pending = [all.subarray(limit)];
          this.pendingSize = all.length - limit;
          resolve({ prefix: all.subarray(0, limit), complete: false });
          return;
        }
        if (this.complete) {
          this.wake = null;
          const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
          this.pending = [];
          this.pendingSize = 0;
          resolve({ prefix: all, complete: true });
          return;
        }
        this.flow.resumeReading(this);
      };
      this.wake = check;
      check();
    });
  }

  start(sink: BodySink): void {
    if (this.stopped) return;
    this.sink = sink;
    const pending = this.pending;
    this.pending = [];
    this.pendingSize = 0;
    let ok = true;
    for (const chunk of pending) ok = sink.write(chunk) && ok;
    if (this.failed) return sink.error(this.failed);
    if (this.complete) return sink.end();
    if (ok) this.flow.resumeReading(this);
  }

  resume(): void {
    if (!this.stopped) this.flow.resumeReading(this);
  }

  stop(): void {
    this.stopped = true;
    this.sink = null;
    this.pending = [];
    this.pendingSize = 0;
    // Whatever still arrives is parsed and dropped so the connection's framing stays known.
    this.flow.resumeReading(this);
  }
}
