import type { Counter, Histogram } from 'prom-client';

/** Upper bounds (seconds) of `meshguard_request_duration_seconds`. */
export const DURATION_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** prom-client's per-label-set histogram entry (v15): bucket counts by upper bound, not cumulative. */
interface HistogramEntry {
  labels: Record<string, string>;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/**
 * One listener's request count (by status) and duration histogram, kept in plain numbers on the hot
 * path and handed to prom-client when the metrics are read. prom-client's labelled `inc`/`observe`
 * validate and hash the label set on every call, which was a measurable share of a proxied
 * request's CPU and garbage.
 */
export class RequestTally {
  private readonly statuses = new Map<number, number>();
  /** Per bucket of DURATION_BUCKETS, the last one for values above every bound (+Inf only). */
  private readonly buckets = new Float64Array(DURATION_BUCKETS.length + 1);
  private sum = 0;
  private count = 0;

  constructor(readonly listener: string) {}

  record(status: number, seconds: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    this.buckets[i]!++;
    this.sum += seconds;
    this.count++;
  }

  /** Adds what was recorded since the last flush to the prom-client metrics. */
  flush(requests: Counter<'listener' | 'status'>, duration: Histogram<'listener'>): void {
    for (const [status, n] of this.statuses) requests.inc({ listener: this.listener, status: String(status) }, n);
    this.statuses.clear();
    if (this.count === 0) return;
    const entry = histogramEntry(duration, this.listener);
    for (let i = 0; i < DURATION_BUCKETS.length; i++) entry.bucketValues[DURATION_BUCKETS[i]!] = (entry.bucketValues[DURATION_BUCKETS[i]!] ?? 0) + this.buckets[i]!;
    entry.sum += this.sum;
    entry.count += this.count;
    this.buckets.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

function histogramEntry(h: Histogram<'listener'>, listener: string): HistogramEntry {
  const entries = () => Object.values((h as unknown as { hashMap: Record<string, HistogramEntry> }).hashMap ?? {});
  let entry = entries().find((e) => e.labels['listener'] === listener);
  if (!entry) {
    h.zero({ listener });
    entry = entries().find((e) => e.labels['listener'] === listener);
  }
  if (!entry || typeof entry.bucketValues !== 'object') throw new Error('prom-client histogram internals changed: RequestTally needs updating');
  return entry;
}
