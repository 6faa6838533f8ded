import type { IncomingHttpHeaders } from 'node:http';
import type { Filter, Verdict, Denial } from './filter.js';
import type { RequestContext } from './context.js';

export interface Decision {
  filter: Filter;
  denial: Denial;
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as Promise<T> | undefined)?.then === 'function';
}

/**
 * The filters of one listener, with each hook's filters listed once at build time: a request pays
 * only for the hooks some filter has, and nothing at all when the chain is empty.
 */
export class FilterChain {
  readonly filters: readonly Filter[];
  private readonly headers: Filter[];
  private readonly reqBuffer: Filter[];
  private readonly reqBody: Filter[];
  readonly requestTaps: Filter[];
  private readonly respHeaders: Filter[];
  private readonly respBuffer: Filter[];
  private readonly respBody: Filter[];
  readonly responseTaps: Filter[];
  private readonly complete: Filter[];

  constructor(filters: Filter[]) {
    this.filters = filters;
    this.headers = filters.filter((f) => f.onRequestHeaders);
    this.reqBuffer = filters.filter((f) => f.requestBodyBuffer && f.onRequestBody);
    this.reqBody = this.reqBuffer;
    this.requestTaps = filters.filter((f) => f.onRequestData);
    this.respHeaders = filters.filter((f) => f.onResponseHeaders);
    this.respBuffer = filters.filter((f) => f.responseBodyBuffer && f.onResponseBody);
    this.respBody = this.respBuffer;
    this.responseTaps = filters.filter((f) => f.onResponseData);
    this.complete = filters.filter((f) => f.onComplete);
  }

  get empty(): boolean {
    return this.filters.length === 0;
  }

  /** Whether any filter looks at request headers (a chain of taps alone skips that await). */
  get hasRequestHeaders(): boolean {
    return this.headers.length > 0;
  }

  async requestHeaders(ctx: RequestContext): Promise<Decision | undefined> {
    for (const f of this.headers) {
      let v: Verdict | Promise<Verdict> = f.onRequestHeaders!(ctx);
      if (isPromise(v)) v = await v;
      if (v) return { filter: f, denial: v };
    }
    return undefined;
  }

  requestBufferSize(ctx: RequestContext): number {
    let n = 0;
    for (const f of this.reqBuffer) n = Math.max(n, f.requestBodyBuffer!(ctx));
    return n;
  }

  async requestBody(ctx: RequestContext, body: Buffer, complete: boolean): Promise<Decision | undefined> {
    for (const f of this.reqBody) {
      if (f.requestBodyBuffer!(ctx) <= 0) continue;
      let v: Verdict | Promise<Verdict> = f.onRequestBody!(ctx, body, complete);
      if (isPromise(v)) v = await v;
      if (v) return { filter: f, denial: v };
    }
    return undefined;
  }

  requestData(ctx: RequestContext, chunk: Buffer): void {
    for (const f of this.requestTaps) f.onRequestData!(ctx, chunk);
  }

  responseHeaders(ctx: RequestContext, status: number, headers: IncomingHttpHeaders): Decision | undefined {
    for (const f of this.respHeaders) {
      const v = f.onResponseHeaders!(ctx, status, headers);
      if (v) return { filter: f, denial: v };
    }
    return undefined;
  }

  responseBufferSize(ctx: RequestContext): number {
    let n = 0;
    for (const f of this.respBuffer) n = Math.max(n, f.responseBodyBuffer!(ctx));
    return n;
  }

  async responseBody(ctx: RequestContext, body: Buffer, complete: boolean): Promise<Decision | undefined> {
    for (const f of this.respBody) {
      if (f.responseBodyBuffer!(ctx) <= 0) continue;
      let v: Verdict | Promise<Verdict> = f.onResponseBody!(ctx, body, complete);
      if (isPromise(v)) v = await v;
      if (v) return { filter: f, denial: v };
    }
    return undefined;
  }

  responseData(ctx: RequestContext, chunk: Buffer): void {
    for (const f of this.responseTaps) f.onResponseData!(ctx, chunk);
  }

  /** Errors in onComplete are contained: a broken tap must never hurt the request that fed it. */
  completed(ctx: RequestContext, onError: (filter: string, err: unknown) => void): void {
    for (const f of this.complete) {
      try {
        f.onComplete!(ctx);
      } catch (err) {
        onError(f.name, err);
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.filters.map((f) => f.close?.().catch(() => undefined)));
  }
}
