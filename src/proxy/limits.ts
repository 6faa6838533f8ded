import type { LimitsConfig } from '../config/types.js';
import { parseDurationMs } from '../config/duration.js';

export interface Limits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  upstreamTimeoutMs: number;
  drainTimeoutMs: number;
  handshakeTimeoutMs: number;
  maxHeaderSize: number;
  maxConnections: number;
  maxRequestsPerSocket: number;
  upstreamConnections: number;
}

/** Protection defaults: every limit Node leaves open (connections, requests per socket) gets a value. */
export function resolveLimits(c: LimitsConfig | undefined): Limits {
  const d = (v: string | number | undefined, def: number) => (v === undefined ? def : parseDurationMs(v));
  const headersTimeoutMs = d(c?.headersTimeout, 10_000);
  let requestTimeoutMs = d(c?.requestTimeout, 300_000);
  // Node requires headersTimeout <= requestTimeout when both are set.
  if (requestTimeoutMs !== 0 && requestTimeoutMs < headersTimeoutMs) requestTimeoutMs = headersTimeoutMs;
  return {
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: d(c?.keepAliveTimeout, 60_000),
    upstreamTimeoutMs: d(c?.upstreamTimeout, 30_000),
    drainTimeoutMs: d(c?.drainTimeout, 15_000),
    handshakeTimeoutMs: Math.min(headersTimeoutMs, 10_000),
    maxHeaderSize: c?.maxHeaderSize ?? 16_384,
    maxConnections: c?.maxConnections ?? 10_000,
    maxRequestsPerSocket: c?.maxRequestsPerSocket ?? 10_000,
    upstreamConnections: c?.upstreamConnections ?? 256,
  };
}
