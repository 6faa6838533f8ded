import { Worker } from 'node:worker_threads';
import type { Logger } from '../../log.js';
import type { AuditRecord } from '../record.js';
import type { RecordSink } from '../sink.js';
import { chainLine, GENESIS_HASH, type ChainState } from '../chain.js';
import type { PublisherOptions } from './nats-publisher.js';
import type { ThreadReply, ThreadRequest } from './nats-thread.js';

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

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Request = ThreadRequest extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;

/** The sink's end of its worker thread; a thread that died is replaced on the next call. */
class PublisherThread {
  private worker: Worker | null = null;
  private next = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly opts: PublisherOptions, private readonly logger: Logger) {}

  private start(): Worker {
    const w = new Worker(new URL('./nats-thread.js', import.meta.url), { workerData: this.opts });
    w.on('message', (r: ThreadReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (this.pending.size === 0) w.unref();
      if (r.ok) p.resolve(r.value);
      else p.reject(Object.assign(new Error(r.message), r.code ? { code: r.code } : {}));
    });
    const fail = (err: Error) => {
      if (this.worker === w) this.worker = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', (err) => { this.logger.error({ err: { message: err.message } }, 'audit NATS thread failed'); fail(err); });
    w.on('exit', (code) => fail(new Error(`audit NATS thread exited (${code})`)));
    // Idle, the thread must not keep a stopping process alive; while a call waits, it must (a flush
    // at shutdown waits on it). close() ends it properly.
    w.unref();
    return w;
  }

  call(req: Request): Promise<unknown> {
    this.worker ??= this.start();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker!.ref();
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ ...req, id } as ThreadRequest);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    await this.call({ op: 'close' }).catch(() => undefined);
    this.worker = null;
    await w.terminate();
  }
}

/**
 * NATS JetStream: each record is published with `Nats-Msg-Id` = record id and the ack awaited, so
 * the server drops a repeat (a retry whose first ack was lost) within the stream's duplicate window.
 * Records are chained per subject; the chain continues from the last message there. Chaining happens
 * here; the NATS client runs in a worker thread (see nats-thread.ts).
 */
export class NatsSink implements RecordSink {
  readonly type = 'nats';
  readonly name: string;
  private chain: ChainState | null = null;
  private readonly thread: PublisherThread;
  private connected = false;

  constructor(private readonly o: NatsSinkOptions) {
    this.name = o.name;
    const { logger: _l, ...rest } = o;
    this.thread = new PublisherThread(rest, o.logger.child({ sink: o.name }));
  }

  describe(): Record<string, unknown> {
    return { type: this.type, url: this.o.url, stream: this.o.stream, subject: this.o.subject, connected: this.connected };
  }

  async write(batch: AuditRecord[]): Promise<void> {
    try {
      const last = (await this.thread.call({ op: 'connect' })) as ChainState | null;
      if (!this.chain) {
        this.chain = last ?? { seq: 0, hash: GENESIS_HASH };
        this.o.logger.info({ sink: this.name, url: this.o.url, stream: this.o.stream, seq: this.chain.seq }, 'audit NATS sink connected');
      }
      this.connected = true;
    } catch (err) {
      this.connected = false;
      throw err;
    }
    // Chain positions are given once; a retry (or a record back from the spool) keeps its own.
    const ids: string[] = [];
    const lines: string[] = [];
    for (let i = 0; i < batch.length; i++) {
      const rec = batch[i]!;
      if (rec.seq === undefined) {
        const prevHash = this.chain.hash;
        const c = chainLine(rec, this.chain);
        this.chain = { seq: c.seq, hash: c.hash };
        // The runner spools this object on failure; its JSON text is exactly c.line.
        batch[i] = { ...rec, seq: c.seq, prevHash, hash: c.hash };
        ids.push(rec.id);
        lines.push(c.line);
      } else {
        ids.push(rec.id);
        lines.push(JSON.stringify(rec));
      }
    }
    // JSON lines hold no raw newline, so one joined string carries the batch.
    await this.thread.call({ op: 'publish', ids, lines: lines.join('\n') });
  }

  async close(): Promise<void> {
    await this.thread.close();
    this.connected = false;
  }
}
