import type { Socket } from 'node:net';
import type { Logger } from '../log.js';
import type { CoreMetrics } from '../admin/core-metrics.js';
import type { ListenerKind } from './context.js';

const STATUS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'request headers too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request not received in time'],
};

/**
 * Requests Node's parser refuses (malformed request line or header, Content-Length with
 * Transfer-Encoding, duplicate Content-Length, oversized headers, timeouts) get a JSON answer and
 * the connection is closed: after a framing error nothing else on it can be trusted.
 */
export function clientErrorHandler(kind: ListenerKind, metrics: CoreMetrics, log: Logger) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    const code = err.code ?? 'unknown';
    if (code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason] = STATUS[code] ?? [400, 'malformed request'];
    metrics.badRequests.inc({ listener: kind, reason: code });
    log.debug({ listener: kind, code, remote: socket.remoteAddress }, 'malformed request refused');
    const body = JSON.stringify({ error: 'bad_request', reason });
    socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    socket.destroySoon();
  };
}
