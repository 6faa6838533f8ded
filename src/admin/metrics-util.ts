import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Metrics live on a registry per sidecar (tests and the demo run several in one process). A reload
 * builds filters again; these helpers return the metric already registered instead of throwing.
 */
export function counter<L extends string>(reg: Registry, name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  const existing = reg.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ name, help, labelNames: [...labelNames], registers: [reg] });
}

export function gauge<L extends string>(reg: Registry, name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  const existing = reg.getSingleMetric(name);
  if (existing) return existing as Gauge<L>;
  return new Gauge<L>({ name, help, labelNames: [...labelNames], registers: [reg] });
}

export function histogram<L extends string>(reg: Registry, name: string, help: string, labelNames: readonly L[] = [], buckets?: number[]): Histogram<L> {
  const existing = reg.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new Histogram<L>({ name, help, labelNames: [...labelNames], registers: [reg], ...(buckets ? { buckets } : {}) });
}
