import { connect, type NatsConnection, type JetStreamClient, type JetStreamManager } from 'nats';
import type { Logger } from '../../log.js';
import type { AuditRecord } from '../record.js';
import type { RecordSink } from '../sink.js';
import { chainRecord, GENESIS_HASH, type ChainState } from '../chain.js';

export interface NatsSinkOptions {
  name: string;
  url: string;
  stream: string;
  subject: string;
  createStream: boolean;
  ackTimeoutMs: number;
  retries: number;
  logger: Logger;
}

const enc = new TextEncoder();

/**
 * NATS JetStream: each record is published with `Nats-Msg-Id` = record id and the ack awaited, so
 * the server drops a repeat (a retry whose first ack was lost) within the stream's duplicate window.
 * Records are chained per stream subject; the chain continues from the last message in the stream.
 */
export class NatsSink implements RecordSink {
  readonly type = 'nats';
  readonly name: string;
  private nc: NatsConnection | null = null;
  private js: JetStreamClient | null = null;
  private chain: ChainState | null = null;
  private connecting: Promise<void> | null = null;

  constructor(private readonly o: NatsSinkOptions) {
    this.name = o.name;
  }

  describe(): Record<string, unknown> {
    return { type: this.type, url: this.o.url, stream: this.o.stream, subject: this.o.subject, connected: this.nc !== null && !this.nc.isClosed() };
  }

  private async ensure(): Promise<JetStreamClient> {
    if (this.js && this.nc && !this.nc.isClosed()) return this.js;
    this.connecting ??= this.connectNow().finally(() => { this.connecting = null; });
    await this.connecting;
    return this.js!;
  }

  private async connectNow(): Promise<void> {
    // The client reconnects by itself after the first success; the runner retries a failed first connect.
    const nc = await connect({
      servers: this.o.url,
      name: `meshguard-audit-${this.o.name}`,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: this.o.ackTimeoutMs,
    });
    try {
      const jsm: JetStreamManager = await nc.jetstreamManager({ timeout: this.o.ackTimeoutMs });
      let exists = true;
      try { await jsm.streams.info(this.o.stream); } catch { exists = false; }
      if (!exists) {
        if (!this.o.createStream) throw new Error(`JetStream stream ${this.o.stream} does not exist (createStream: false)`);
        await jsm.streams.add({ name: this.o.stream, subjects: [this.o.subject] });
      }
      if (!this.chain) {
        this.chain = { seq: 0, hash: GENESIS_HASH };
        try {
          const last = await jsm.streams.getMessage(this.o.stream, { last_by_subj: this.o.subject });
          const rec = JSON.parse(new TextDecoder().decode(last.data)) as AuditRecord;
          if (typeof rec.seq === 'number' && typeof rec.hash === 'string') this.chain = { seq: rec.seq, hash: rec.hash };
        } catch { /* empty stream: the chain starts here */ }
      }
      this.js = nc.jetstream({ timeout: this.o.ackTimeoutMs });
      this.nc = nc;
      this.o.logger.info({ sink: this.name, url: this.o.url, stream: this.o.stream, seq: this.chain.seq }, 'audit NATS sink connected');
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw err;
    }
  }

  async write(batch: AuditRecord[]): Promise<void> {
    const js = await this.ensure();
    // Chain positions are given once; a retry (or a record back from the spool) keeps its own.
    for (let i = 0; i < batch.length; i++) {
      const rec = batch[i]!;
      if (rec.seq === undefined) {
        const c = chainRecord(rec, this.chain!);
        this.chain = { seq: c.seq!, hash: c.hash! };
        batch[i] = c;
      }
    }
    // JSON.stringify of a chained record is exactly the line its hash was computed over.
    let lastErr: unknown = null;
    let pending = batch;
    for (let attempt = 0; attempt < this.o.retries && pending.length > 0; attempt++) {
      const results = await Promise.allSettled(pending.map((rec) => {
        // msgID is sent as the Nats-Msg-Id header.
        return js.publish(this.o.subject, enc.encode(JSON.stringify(rec)), { msgID: rec.id, timeout: this.o.ackTimeoutMs });
      }));
      const failed: AuditRecord[] = [];
      results.forEach((r, i) => { if (r.status === 'rejected') { failed.push(pending[i]!); lastErr = r.reason; } });
      // Publishing again what was acked is harmless (same msg id), but not needed.
      if (failed.length === 0) return;
      // Keep order on the stream: re-send from the first failure on.
      const first = pending.indexOf(failed[0]!);
      pending = pending.slice(first);
    }
    // 503 "no responders": nothing listens on the subject (the stream was deleted, or the server
    // came back without its store). Reconnect on the next attempt, which creates the stream again.
    if ((lastErr as { code?: string } | null)?.code === '503') {
      const nc = this.nc;
      this.nc = null;
      this.js = null;
      await nc?.close().catch(() => undefined);
    }
    throw lastErr instanceof Error ? lastErr : new Error('NATS publish failed');
  }

  async close(): Promise<void> {
    const nc = this.nc;
    this.nc = null;
    this.js = null;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }
}
