import type { Counter, Histogram, Registry } from 'prom-client';
import { counter, histogram } from './metrics-util.js';
import { DURATION_BUCKETS, RequestTally } from './request-tally.js';

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
  /** A listener's request count and duration, flushed into `requests` and `duration` when metrics are read. */
  tally(listener: string): RequestTally;
}

const TALLIES = Symbol('meshguard.tallies');
type Tallied = { [TALLIES]?: RequestTally[]; collect?: () => void };

export function coreMetrics(reg: Registry): CoreMetrics {
  const requests = counter(reg, 'meshguard_requests_total', 'Requests by listener and response status', ['listener', 'status']);
  const duration = histogram(reg, 'meshguard_request_duration_seconds', 'Time from request headers to the end of the response', ['listener'], [...DURATION_BUCKETS]);
  // The tallies live on the counter, so a second coreMetrics() on the same registry shares them.
  const r = requests as unknown as Tallied;
  const tallies = (r[TALLIES] ??= []);
  const flush = () => {
    for (const t of tallies) t.flush(requests, duration);
  };
  r.collect = flush;
  (duration as unknown as Tallied).collect = flush;
  return {
    requests,
    duration,
    tally: (listener) => {
      const t = new RequestTally(listener);
      tallies.push(t);
      return t;
    },
    upstreamErrors: counter(reg, 'meshguard_upstream_errors_total', 'Requests that failed upstream, by reason', ['listener', 'reason']),
    handshakeFailures: counter(reg, 'meshguard_handshake_failures_total', 'Inbound TLS handshakes refused, by reason', ['reason']),
    denials: counter(reg, 'meshguard_denials_total', 'Requests answered by a filter', ['listener', 'filter']),
    badRequests: counter(reg, 'meshguard_bad_requests_total', 'Requests refused as malformed or ambiguous', ['listener', 'reason']),
    reloads: counter(reg, 'meshguard_reloads_total', 'Snapshot reloads by result', ['result']),
    upstreamHandshakes: counter(reg, 'meshguard_upstream_tls_handshakes_total', 'Outbound mTLS handshakes, by whether a TLS session was resumed', ['resumed']),
  };
}
