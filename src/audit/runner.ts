import { Gauge, type Registry, type Counter } from 'prom-client';
import { counter, gauge } from '../admin/metrics-util.js';
import type { Logger } from '../log.js';
import type { AuditRecord } from './record.js';
import type { RecordSink } from './sink.js';
import { DiskSpool } from './spool.js';
import { recordJson } from './record-json.js';

export interface RunnerOptions {
  /** Records held in memory. */
  queue: number;
  onFull: 'spool' | 'drop';
  spoolDir: string;
  spoolMaxBytes: number;
  flushTimeoutMs: number;
  /** Most records one write takes (default 1024). */
  batch?: number;
}

type GaugeChild = ReturnType<Gauge<'sink'>['labels']>;
type CounterChild = ReturnType<Counter<'sink'>['labels']>;

/** The sink's own children of each metric, looked up once (no label hashing per record). */
interface SinkMetrics {
  queued: GaugeChild;
  lag: GaugeChild;
  written: CounterChild;
  spooled: CounterChild;
  dropped: CounterChild;
  errors: CounterChild;
}

/** The open runners of each registry, whose backlog `audit_queued` reads when it is scraped. */
const openRunners = new WeakMap<Registry, Set<SinkRunner>>();

/**
 * `audit_queued` is read from the runners when it is scraped rather than set on every record: one
 * less metric update per request, and never a value older than the backlog it reports.
 */
function queuedGauge(reg: Registry): Gauge<'sink'> {
  const name = 'audit_queued';
  const existing = reg.getSingleMetric(name);
  if (existing) return existing as Gauge<'sink'>;
  return new Gauge<'sink'>({
    name, help: 'Audit records waiting for a sink (memory and spool)', labelNames: ['sink'], registers: [reg],
    collect() {
      for (const r of openRunners.get(reg) ?? []) this.labels({ sink: r.name }).set(r.backlog);
    },
  });
}

function sinkMetrics(reg: Registry, sink: string): SinkMetrics {
  const l = { sink };
  return {
    queued: queuedGauge(reg).labels(l),
    lag: gauge(reg, 'audit_lag_seconds', 'Seconds between a request and the write of its audit record, last batch', ['sink'] as const).labels(l),
    written: counter(reg, 'audit_written_total', 'Audit records a sink persisted', ['sink'] as const).labels(l),
    spooled: counter(reg, 'audit_spooled_total', 'Audit records put in a sink\'s disk spool', ['sink'] as const).labels(l),
    dropped: counter(reg, 'audit_dropped_total', 'Audit records lost: queue full with onFull=drop, spool full, sink failed or closed', ['sink'] as const).labels(l),
    errors: counter(reg, 'audit_errors_total', 'Sink write failures (each failed batch counts once)', ['sink'] as const).labels(l),
  };
}

// Ref'd on purpose: a flush at shutdown must keep the process alive until it is done or times out.
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Keeps a sink off the request path: `enqueue` is synchronous and never throws; one worker writes
 * batches in order. When the memory queue is full, or the sink fails, records go to a size-capped
 * disk spool (`spool`) or are dropped and counted (`drop`). While anything is spooled, new records
 * go to the spool too, so order is kept, and the worker drains the spool once the sink works again.
 */
export class SinkRunner {
  private mem: AuditRecord[] = [];
  private readonly spool: DiskSpool | null;
  private working: Promise<void> | null = null;
  private closed = false;
  private failures = 0;
  private readonly m: SinkMetrics;
  private lastErrorLog = 0;
  private wake: (() => void) | null = null;
  private readonly registry: Registry;

  constructor(
    readonly sink: RecordSink,
    private readonly opts: RunnerOptions,
    metrics: Registry,
    private readonly logger: Logger,
  ) {
    this.m = sinkMetrics(metrics, sink.name);
    let open = openRunners.get(metrics);
    if (!open) openRunners.set(metrics, open = new Set());
    open.add(this);
    this.registry = metrics;
    this.spool = opts.onFull === 'spool'
      ? new DiskSpool(opts.spoolDir, opts.spoolMaxBytes, (lost, err) => {
          this.m.dropped.inc(lost);
          this.m.errors.inc();
          this.logError('audit spool write failed; records lost', err);
        })
      : null;
  }

  async init(): Promise<void> {
    if (this.spool) {
      await this.spool.init();
      if (this.spool.size > 0) {
        this.logger.info({ sink: this.sink.name, records: this.spool.size }, 'audit spool holds records from an earlier run; draining');
        this.kick();
      }
    }
  }

  get name(): string {
    return this.sink.name;
  }

  /** Records waiting: in memory plus spooled. */
  get backlog(): number {
    return this.mem.length + (this.spool?.size ?? 0);
  }

  /** Hands a record to this sink. Synchronous, never throws, never waits. */
  enqueue(rec: AuditRecord): void {
    try {
      if (this.closed) { this.m.dropped.inc(); return; }
      const spooling = this.spool !== null && this.spool.size > 0;
      if (!spooling && this.mem.length < this.opts.queue) {
        this.mem.push(rec);
      } else if (this.spool) {
        if (this.spool.append([recordJson(rec)])) this.m.spooled.inc();
        else this.m.dropped.inc();
      } else {
        this.m.dropped.inc();
      }
      this.kick();
    } catch (err) {
      this.m.dropped.inc();
      this.logError('audit enqueue failed', err as Error);
    }
  }

  /** Starts the worker if it is idle. A worker backing off from a failing sink keeps backing off. */
  private kick(): void {
    if (!this.working) this.working = this.work().finally(() => { this.working = null; });
  }

  /** Ends a backoff now (the flush at shutdown does not wait it out). */
  private wakeNow(): void {
    if (this.wake) { const w = this.wake; this.wake = null; w(); }
    this.kick();
  }

  private logError(msg: string, err: Error): void {
    const now = Date.now();
    if (now - this.lastErrorLog < 5000) return; // a dead sink must not flood the log
    this.lastErrorLog = now;
    this.logger.error({ sink: this.sink.name, err: { message: err.message, code: (err as NodeJS.ErrnoException).code } }, msg);
  }

  private async backoff(): Promise<void> {
    const ms = Math.min(100 * 2 ** Math.min(this.failures, 5), 2000);
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => { this.wake = null; resolve(); }, ms);
      t.unref?.();
      this.wake = () => { clearTimeout(t); resolve(); };
    });
  }

  private async work(): Promise<void> {
    // A write takes everything that arrived while the last one ran. One write per event-loop turn at
    // most (the append completes on a later turn), so a fixed small batch falls behind as soon as a
    // turn serves more requests than the batch holds: at 64, a saturated CRS inbound queued 10,000
    // records in 14 s and spilled to the spool. Taking the backlog keeps the chaining in proportion
    // to the requests of the turn; the cap bounds the pause when draining an old backlog.
    const max = this.opts.batch ?? 1024;
    for (;;) {
      if (this.failures > 0) await this.backoff();
      let batch: AuditRecord[];
      let fromSpool = 0;
      if (this.mem.length > 0) {
        batch = this.mem.splice(0, max);
      } else if (this.spool && this.spool.size > 0) {
        const lines = await this.spool.peek(max);
        if (lines.length === 0) break;
        fromSpool = lines.length;
        batch = [];
        for (const line of lines) {
          try { batch.push(JSON.parse(line) as AuditRecord); } catch { this.m.dropped.inc(); this.m.errors.inc(); }
        }
      } else {
        break;
      }
      try {
        if (batch.length > 0) await this.sink.write(batch);
        if (fromSpool) await this.spool!.consume(fromSpool);
        this.failures = 0;
        this.m.written.inc(batch.length);
        const t = Date.parse(batch[0]?.time ?? '');
        if (Number.isFinite(t)) this.m.lag.set(Math.max(0, (Date.now() - t) / 1000));
      } catch (err) {
        this.failures++;
        this.m.errors.inc();
        this.logError('audit sink write failed', err as Error);
        if (fromSpool) {
          // Stays at the head of the spool; retried after the backoff.
        } else if (this.spool) {
          // This batch and what is still in memory are older than anything spooled: put them first.
          const rest = [...batch, ...this.mem];
          this.mem = [];
          let ok = false;
          try { ok = await this.spool.prepend(rest.map(recordJson)); } catch (e) { this.logError('audit spool write failed', e as Error); }
          if (ok) this.m.spooled.inc(rest.length);
          else this.m.dropped.inc(rest.length);
        } else {
          this.m.dropped.inc(batch.length);
        }
        if (this.closed) break;
      }
    }
    if (this.backlog === 0) this.m.lag.set(0);
  }

  /** Waits until the queue is written, or the flush timeout; what is left goes to the spool (or is counted lost). */
  async drain(timeoutMs = this.opts.flushTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.backlog > 0 && Date.now() < deadline) {
      this.wakeNow();
      const w = this.working;
      if (w) await Promise.race([w, sleep(Math.max(1, Math.min(50, deadline - Date.now())))]);
      else await sleep(10);
    }
    if (this.working && Date.now() < deadline) await Promise.race([this.working, sleep(deadline - Date.now())]);
  }

  /** Stops taking records, flushes, closes the sink. Records not written by then are spooled or counted. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.drain();
    this.closed = true;
    if (this.working) await Promise.race([this.working, sleep(this.opts.flushTimeoutMs)]);
    if (this.mem.length > 0) {
      const left = this.mem;
      this.mem = [];
      let ok = false;
      if (this.spool) {
        try { ok = await this.spool.prepend(left.map(recordJson)); } catch { ok = false; }
      }
      if (ok) this.m.spooled.inc(left.length);
      else this.m.dropped.inc(left.length);
    }
    if (this.spool) await this.spool.release();
    // A closed runner leaves the scrape; its gauge keeps what it left (spooled for a later run).
    this.m.queued.set(this.backlog);
    openRunners.get(this.registry)?.delete(this);
    try {
      await this.sink.close();
    } catch (err) {
      this.m.errors.inc();
      this.logger.error({ sink: this.sink.name, err: { message: (err as Error).message } }, 'audit sink close failed');
    }
  }
}
