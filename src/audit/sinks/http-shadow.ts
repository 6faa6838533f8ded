import type { UpstreamPool } from '../../http1/upstream-pool.js';
import type { Logger } from '../../log.js';
import type { AuditRecord, CapturedBody } from '../record.js';
import type { RecordSink } from '../sink.js';

export interface ShadowSinkOptions {
  name: string;
  /** Host of the outbound route that receives the shadow traffic. */
  route: string;
  timeoutMs: number;
  logger: Logger;
  /** Counts shadow requests that failed (they are not retried). */
  onFailed?: (n: number) => void;
}

/** Hop-by-hop and framing headers are the dispatcher's business, not the mirrored request's. */
const SKIP = new Set(['host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'content-length', 'expect']);

function bodyBytes(b: CapturedBody | undefined): Buffer | undefined {
  if (!b || b.redacted) return undefined;
  return Buffer.from(b.data, b.encoding === 'base64' ? 'base64' : 'utf8');
}

/**
 * Envoy's shadowing: the mirrored request goes again to a shadow route with `Host: <host>-shadow`;
 * fire and forget — the response is read and thrown away, failures are only counted. It carries
 * what the rule captured (headers after redaction, the body up to maxBodyBytes; a cut body is marked
 * with `x-meshguard-mirror-truncated`).
 */
export class ShadowSink implements RecordSink {
  readonly type = 'http-shadow';
  readonly name: string;
  private dispatcher: UpstreamPool | undefined;

  constructor(private readonly o: ShadowSinkOptions) {
    this.name = o.name;
  }

  /** Each snapshot hands over its own route client (pools are rebuilt by a reload). */
  setDispatcher(d: UpstreamPool | undefined): void {
    this.dispatcher = d;
  }

  describe(): Record<string, unknown> {
    return { type: this.type, route: this.o.route, available: this.dispatcher !== undefined };
  }

  async write(batch: AuditRecord[]): Promise<void> {
    const d = this.dispatcher;
    if (!d) throw new Error(`http-shadow sink ${this.name}: no outbound route ${this.o.route}`);
    const results = await Promise.allSettled(batch.map((rec) => this.send(d, rec)));
    const failed = results.filter((r) => r.status === 'rejected');
    // Shadow traffic is not retried (a retry would double a side effect on the shadow service).
    if (failed.length > 0) {
      this.o.onFailed?.(failed.length);
      this.o.logger.debug({ sink: this.name, failed: failed.length, err: String((failed[0] as PromiseRejectedResult).reason) }, 'shadow requests failed');
    }
  }

  private async send(d: UpstreamPool, rec: AuditRecord): Promise<void> {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(rec.request.headers ?? {})) if (!SKIP.has(k)) headers[k] = v;
    const flat: string[] = [];
    const host = rec.authority || this.o.route;
    const colon = host.startsWith('[') ? host.indexOf(']:') + 1 : host.lastIndexOf(':');
    headers['host'] = colon > 0 ? `${host.slice(0, colon)}-shadow${host.slice(colon)}` : `${host}-shadow`;
    headers['x-meshguard-mirror-of'] = rec.requestId;
    const body = bodyBytes(rec.request.body);
    if (rec.request.body?.truncated) headers['x-meshguard-mirror-truncated'] = String(rec.request.body.bytes);
    const method = rec.method.toUpperCase();
    const sendBody = body !== undefined && body.length > 0 && method !== 'GET' && method !== 'HEAD';
    for (const [k, v] of Object.entries(headers)) {
      if (Array.isArray(v)) for (const item of v) flat.push(k, item);
      else flat.push(k, v);
    }
    await d.send({
      path: rec.query ? `${rec.path}?${rec.query}` : rec.path,
      method,
      headers: flat,
      body: sendBody ? body : null,
      headersTimeoutMs: this.o.timeoutMs,
    });
  }

  async close(): Promise<void> {
    this.dispatcher = undefined;
  }
}
