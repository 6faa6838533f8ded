import { connect, type NatsConnection, type JetStreamClient, type JetStreamManager } from 'nats';
import type { ChainState } from '../chain.js';

export interface PublisherOptions {
  url: string;
  stream: string;
  subject: string;
  createStream: boolean;
  ackTimeoutMs: number;
  retries: number;
  /** For the connection name. */
  name: string;
}

/** One record as published: its id (the `Nats-Msg-Id`) and its chained JSON line. */
export interface OutMessage {
  id: string;
  line: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * The JetStream client of the nats sink: connects (creating the stream when asked), reports where
 * the chain on the subject ends, publishes with `Nats-Msg-Id` and waits for every ack. It runs in the
 * sink's worker thread, so the client's per-message work stays off the request path's event loop.
 */
export class JetStreamPublisher {
  private nc: NatsConnection | null = null;
  private js: JetStreamClient | null = null;

  constructor(private readonly o: PublisherOptions) {}

  get connected(): boolean {
    return this.nc !== null && !this.nc.isClosed();
  }

  /** Connects when needed; returns the chain position of the last record on the subject (null: none). */
  async connect(): Promise<ChainState | null> {
    if (this.connected && this.js) return null;
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
      let last: ChainState | null = null;
      try {
        const m = await jsm.streams.getMessage(this.o.stream, { last_by_subj: this.o.subject });
        const rec = JSON.parse(dec.decode(m.data)) as { seq?: unknown; hash?: unknown };
        if (typeof rec.seq === 'number' && typeof rec.hash === 'string') last = { seq: rec.seq, hash: rec.hash };
      } catch { /* empty subject: the chain starts here */ }
      this.js = nc.jetstream({ timeout: this.o.ackTimeoutMs });
      this.nc = nc;
      return last;
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw err;
    }
  }

  /** Publishes in order and waits for every ack; retries from the first failure; throws when out of attempts. */
  async publish(msgs: readonly OutMessage[]): Promise<void> {
    if (!this.js) await this.connect();
    const js = this.js!;
    let lastErr: unknown = null;
    let pending = msgs;
    for (let attempt = 0; attempt < this.o.retries && pending.length > 0; attempt++) {
      const results = await Promise.allSettled(pending.map((m) => js.publish(this.o.subject, enc.encode(m.line), { msgID: m.id, timeout: this.o.ackTimeoutMs })));
      const first = results.findIndex((r) => r.status === 'rejected');
      if (first < 0) return;
      lastErr = (results[first] as PromiseRejectedResult).reason;
      // Re-send from the first failure on: the stream keeps the chain's order; repeats are dropped by msg id.
      pending = pending.slice(first);
    }
    // 503 "no responders": nothing listens on the subject (the stream was deleted, or the server came
    // back without its store). Reconnect next time, which creates the stream again.
    if ((lastErr as { code?: string } | null)?.code === '503') await this.reset();
    throw lastErr instanceof Error ? lastErr : new Error('NATS publish failed');
  }

  async reset(): Promise<void> {
    const nc = this.nc;
    this.nc = null;
    this.js = null;
    await nc?.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    const nc = this.nc;
    this.nc = null;
    this.js = null;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }
}
