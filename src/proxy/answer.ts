import type { ProxyResponse } from '../http1/response.js';
import type { Denial } from './filter.js';

/**
 * A response the proxy makes itself: JSON with error, reason and requestId. `detail` (which rule
 * denied) goes out only when the operator chose to show it; callers may be hostile.
 */
export function answer(res: ProxyResponse, requestId: string, d: Denial, showDetail: boolean, close: boolean): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(showDetail && d.detail ? { error: d.error, reason: d.reason, detail: d.detail, requestId } : { error: d.error, reason: d.reason, requestId });
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-meshguard-request-id': requestId,
    'cache-control': 'no-store',
    ...(d.headers ?? {}),
  };
  if (close) headers['connection'] = 'close';
  res.writeHead(d.status, headers);
  res.end(body);
}
