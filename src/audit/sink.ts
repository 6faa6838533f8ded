import type { AuditRecord } from './record.js';

/**
 * Where audit records go. A sink is driven by one SinkRunner, which calls `write` with one batch at
 * a time, in order, never concurrently.
 */
export interface RecordSink {
  readonly name: string;
  readonly type: string;
  /**
   * Persists the batch in order, or throws. Before the first attempt a sink may replace entries of
   * `batch` with their final form (e.g. with their chain position); the runner spools and retries
   * those entries as they are, so a retry sends the very same record.
   */
  write(batch: AuditRecord[]): Promise<void>;
  /** Writes what it holds (e.g. a final signed checkpoint) and releases files and connections. */
  close(): Promise<void>;
  describe?(): Record<string, unknown>;
}
