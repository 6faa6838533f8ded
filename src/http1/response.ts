import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ProxyRequest } from './request.js';

export type HeaderValue = string | number | readonly string[];
export type ResponseHeaders = Record<string, HeaderValue | undefined>;

/** Who is told when the caller's connection goes away or drains (the upstream exchange feeding it). */
export interface ResponseWatcher {
  /** The caller's connection went away before the response was complete (called once). */
  callerClosed(): void;
  /** A write that returned false has drained. */
  callerDrained(): void;
}

/** What the response reports back to its connection. */
export interface ResponseOwner {
  responseDone(res: ProxyResponse, keepAlive: boolean): void;
}

const CRLF = '\r\n';
/** Small bodies go out in one write with the head; larger ones are corked together with it. */
const COPY_LIMIT = 16_384;

/** Header names (lower-cased) a response must not pass on. */
export interface HeaderDrop {
  has(lowerName: string): boolean;
}

let dateSecond = 0;
let dateHeader = '';
/** The whole `date:` line, made once a second. */
function dateLine(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateHeader = `date: ${new Date(now).toUTCString()}${CRLF}`;
  }
  return dateHeader;
}

const statusLines = new Map<number, string>();
function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}${CRLF}`;
    // Statuses are 3-digit numbers the parser or the proxy produced; the map stays small.
    if (statusLines.size < 1000) statusLines.set(status, line);
  }
  return line;
}

function validHeader(name: string, value: string): boolean {
  // A value with CR/LF (or a name with anything odd) would split the response: refuse it.
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 13 || c === 10 || c === 0) return false;
  }
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 32 || c >= 127 || c === 58) return false;
  }
  return name.length > 0;
}

/**
 * The answer to one request on the lean server: the subset of `http.ServerResponse` the proxy uses
 * (writeHead, write, end, destroy), with framing chosen here: the upstream's Content-Length is kept,
 * otherwise chunked for HTTP/1.1 callers, close-delimited for HTTP/1.0 ones.
 */
export class ProxyResponse {
  statusCode = 200;
  headersSent = false;
  finished = false;
  /** Set false to close the connection after this response. */
  shouldKeepAlive: boolean;
  /** Told when the caller goes away or a full socket drains; an object, so no closure per response. */
  watcher: ResponseWatcher | null = null;
  private drainListening = false;
  private head: string | null = null;
  private chunked = false;
  private noBody = false;

  constructor(
    private readonly owner: ResponseOwner,
    readonly socket: Socket,
    readonly req: ProxyRequest,
    keepAlive: boolean,
  ) {
    this.shouldKeepAlive = keepAlive;
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  writeHead(status: number, headers: ResponseHeaders): void {
    const flat: string[] = [];
    for (const name in headers) {
      const v = headers[name];
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v as readonly string[]) flat.push(name, item);
      else flat.push(name, typeof v === 'number' ? String(v) : (v as string));
    }
    this.writeHeadRaw(status, flat);
  }

  /**
   * The head from a flat [name, value, ...] list (an upstream answer's headers). `drop` names the
   * headers (lower-cased) that must not reach the caller, and `extraName`/`extraValue` one header
   * added at the end: one pass over the list, no filtered copy of it.
   */
  writeHeadRaw(status: number, headers: readonly string[], drop?: HeaderDrop | null, extraName?: string, extraValue?: string): void {
    if (this.headersSent) throw new Error('response headers already sent');
    this.statusCode = status;
    this.headersSent = true;
    this.noBody = this.req.method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
    let head = statusLine(status);
    let hasLength = false;
    let hasDate = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      const v = headers[i + 1]!;
      const lower = name.toLowerCase();
      if (drop && drop.has(lower)) continue;
      if (lower === 'connection') {
        // The proxy's own answers ask for the close this way; the framing below then says so.
        if (v.toLowerCase().includes('close')) this.shouldKeepAlive = false;
        continue;
      }
      if (lower === 'transfer-encoding' || lower === 'keep-alive') continue;
      if (lower === 'content-length') hasLength = true;
      else if (lower === 'date') hasDate = true;
      if (validHeader(name, v)) head += `${name}: ${v}${CRLF}`;
    }
    if (extraName !== undefined && extraValue !== undefined && validHeader(extraName, extraValue)) head += `${extraName}: ${extraValue}${CRLF}`;
    if (!hasDate) head += dateLine();
    if (!hasLength && !this.noBody) {
      if (this.req.httpVersion === '1.1') {
        this.chunked = true;
        head += `transfer-encoding: chunked${CRLF}`;
      } else this.shouldKeepAlive = false;
    }
    if (!this.shouldKeepAlive) head += `connection: close${CRLF}`;
    else if (this.req.httpVersion === '1.0') head += `connection: keep-alive${CRLF}`;
    this.head = head + CRLF;
  }

  /** Writes a body chunk; false means the caller's socket is full (wait for onDrain). */
  write(chunk: Buffer): boolean {
    if (this.finished || this.socket.destroyed) return true;
    if (!this.headersSent) this.writeHead(this.statusCode, {});
    if (this.noBody || chunk.length === 0) return this.flushHead();
    let ok: boolean;
    if (this.chunked) {
      const s = this.socket;
      s.cork();
      if (this.head !== null) s.write(this.head, 'latin1');
      this.head = null;
      s.write(`${chunk.length.toString(16)}${CRLF}`, 'latin1');
      s.write(chunk);
      ok = s.write(CRLF, 'latin1');
      s.uncork();
    } else ok = this.out(chunk);
    if (!ok && !this.drainListening) {
      this.drainListening = true;
      this.socket.once('drain', () => {
        this.drainListening = false;
        this.watcher?.callerDrained();
      });
    }
    return ok;
  }

  end(chunk?: Buffer | string): void {
    if (this.finished) return;
    if (!this.headersSent) this.writeHead(this.statusCode, {});
    this.finished = true;
    const body = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.socket.destroyed) return this.owner.responseDone(this, false);
    if (this.noBody || body === undefined || body.length === 0) {
      if (this.chunked) {
        const tail = `0${CRLF}${CRLF}`;
        this.socket.write(this.head !== null ? this.head + tail : tail, 'latin1');
        this.head = null;
      } else this.flushHead();
    } else if (this.chunked) {
      const s = this.socket;
      s.cork();
      if (this.head !== null) s.write(this.head, 'latin1');
      this.head = null;
      s.write(`${body.length.toString(16)}${CRLF}`, 'latin1');
      s.write(body);
      s.write(`${CRLF}0${CRLF}${CRLF}`, 'latin1');
      s.uncork();
    } else this.out(body);
    this.owner.responseDone(this, this.shouldKeepAlive);
  }

  private flushHead(): boolean {
    if (this.head === null) return true;
    const h = this.head;
    this.head = null;
    return this.socket.write(h, 'latin1');
  }

  /** The head (if not sent yet) and a body chunk, in one write when small. */
  private out(body: Buffer): boolean {
    const h = this.head;
    if (h === null) return this.socket.write(body);
    this.head = null;
    if (body.length <= COPY_LIMIT) {
      const buf = Buffer.allocUnsafe(h.length + body.length);
      buf.write(h, 0, "latin1");
      body.copy(buf, h.length);
      return this.socket.write(buf);
    }
    this.socket.cork();
    this.socket.write(h, 'latin1');
    const ok = this.socket.write(body);
    this.socket.uncork();
    return ok;
  }

  destroy(): void {
    this.finished = true;
    this.socket.destroy();
  }

  /**
   * Ends the connection after what was written so far: the caller sees a body shorter than announced
   * (or an unterminated chunked one), never a clean end.
   */
  cut(): void {
    this.finished = true;
    if (this.head !== null) {
      // Nothing of this response went out: closing says more than a head for a body that will not come.
      this.head = null;
      this.socket.destroy();
      return;
    }
    this.socket.end();
    this.socket.destroySoon();
  }

  /** @internal the caller's connection closed */
  closed(): void {
    if (this.finished) return;
    const w = this.watcher;
    this.watcher = null;
    w?.callerClosed();
  }
}
