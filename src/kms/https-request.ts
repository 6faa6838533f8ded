import https from 'node:https';
import { KmsError } from './client.js';

export interface HttpsCallOptions {
  method: 'GET' | 'POST';
  url: URL;
  /** PEM CA that verifies the KMS server; absent → the system roots. */
  ca?: string;
  /** Client certificate chain and key for mTLS. */
  cert?: string;
  key?: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  /** Abandons the request (a watch being stopped). */
  signal?: AbortSignal;
}

export interface HttpsAnswer {
  status: number;
  contentType: string;
  text: string;
}

const MAX_BODY = 1 << 20;

/**
 * One HTTPS request with a hard deadline for the whole exchange. No connection reuse: each call may
 * present a different client certificate (bootstrap token first, then the current SVID), and a KMS
 * call every few minutes gains nothing from keep-alive.
 */
export function httpsCall(opts: HttpsCallOptions): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    let settled = false;
    const fail = (err: KmsError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const req = https.request(opts.url, {
      method: opts.method,
      headers,
      agent: false,
      minVersion: 'TLSv1.2',
      ...(opts.ca ? { ca: opts.ca } : {}),
      ...(opts.cert && opts.key ? { cert: opts.cert, key: opts.key } : {}),
    });
    const timer = setTimeout(() => fail(new KmsError('unavailable', `KMS did not answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('error', (err) => fail(new KmsError('unavailable', `KMS request failed: ${err.message}`)));
    if (opts.signal) {
      if (opts.signal.aborted) queueMicrotask(() => fail(new KmsError('unavailable', 'request aborted')));
      else opts.signal.addEventListener('abort', () => fail(new KmsError('unavailable', 'request aborted')), { once: true });
    }
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) fail(new KmsError('bad_response', 'KMS answer larger than 1 MiB'));
        else chunks.push(c);
      });
      res.on('error', (err) => fail(new KmsError('unavailable', `KMS answer broken: ${err.message}`)));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(payload);
  });
}

/** Parses a JSON answer or throws `bad_response`; non-2xx statuses become `error` / `unauthorized`. */
export function jsonAnswer(ans: HttpsAnswer, what: string): unknown {
  if (ans.status === 401 || ans.status === 403) throw new KmsError('unauthorized', `${what}: KMS refused our credentials (HTTP ${ans.status})`, ans.status);
  if (ans.status < 200 || ans.status >= 300) throw new KmsError('error', `${what}: KMS answered HTTP ${ans.status}: ${ans.text.slice(0, 200)}`, ans.status);
  try {
    return JSON.parse(ans.text) as unknown;
  } catch {
    throw new KmsError('bad_response', `${what}: KMS answer is not JSON`);
  }
}
