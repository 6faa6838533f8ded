import type { Counter, Histogram, Registry } from 'prom-client';
import { counter, histogram } from './metrics-util.js';

/** The data plane's own metrics (filters register theirs on the same registry). */
export interface CoreMetrics {
  requests: Counter<'listener' | 'status'>;
  duration: Histogram<'listener'>;
  upstreamErrors: Counter<'listener' | 'reason'>;
  handshakeFailures: Counter<'reason'>;
  denials: Counter<'listener' | 'filter'>;
  badRequests: Counter<'listener' | 'reason'>;
  reloads: Counter<'result'>;
  upstreamHandshakes: Counter<'resumed'>;
}

export function coreMetrics(reg: Registry): CoreMetrics {
  return {
    requests: counter(reg, 'meshguard_requests_total', 'Requests by listener and response status', ['listener', 'status']),
    duration: histogram(reg, 'meshguard_request_duration_seconds', 'Time from request headers to the end of the response', ['listener'], [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]),
    upstreamErrors: counter(reg, 'meshguard_upstream_errors_total', 'Requests that failed upstream, by reason', ['listener', 'reason']),
    handshakeFailures: counter(reg, 'meshguard_handshake_failures_total', 'Inbound TLS handshakes refused, by reason', ['reason']),
    denials: counter(reg, 'meshguard_denials_total', 'Requests answered by a filter', ['listener', 'filter']),
    badRequests: counter(reg, 'meshguard_bad_requests_total', 'Requests refused as malformed or ambiguous', ['listener', 'reason']),
    reloads: counter(reg, 'meshguard_reloads_total', 'Snapshot reloads by result', ['result']),
    upstreamHandshakes: counter(reg, 'meshguard_upstream_tls_handshakes_total', 'Outbound mTLS handshakes, by whether a TLS session was resumed', ['resumed']),
  };
}
