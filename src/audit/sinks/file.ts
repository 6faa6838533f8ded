import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { Logger } from '../../log.js';
import type { AuditRecord } from '../record.js';
import type { RecordSink } from '../sink.js';
import { ChainedBatch, GENESIS_HASH, type ChainState } from '../chain.js';
import { signCheckpoint, type CheckpointPayload } from '../checkpoint.js';
import { auditFileName, listAuditFiles } from '../audit-files.js';
import { lockDir } from '../dir-lock.js';
import { readAuditFileTail } from '../file-tail.js';

function stripChain(rec: AuditRecord): AuditRecord {
  const { seq: _s, prevHash: _p, hash: _h, ...rest } = rec;
  return rest;
}

export interface FileSinkOptions {
  name: string;
  dir: string;
  key: KeyObject;
  checkpointRecords: number;
  checkpointMs: number;
  rotateBytes: number;
  rotateMs: number;
  fsync: 'always' | 'checkpoint' | 'never';
  logger: Logger;
}

/**
 * JSON lines in a directory, hash-chained across records and files, with ES256-signed checkpoints
 * every N records or T seconds, at rotation and at shutdown. A failed write is cut back off the file
 * (ftruncate) and the chain is not advanced, so a full disk leaves no torn or orphaned record.
 */
export class FileSink implements RecordSink {
  readonly type = 'file';
  readonly name: string;
  private chain: ChainState = { seq: 0, hash: GENESIS_HASH };
  private fh: FileHandle | null = null;
  private file = '';
  private fileBytes = 0;
  private fileOpenedAt = 0;
  private sinceCheckpoint = 0;
  private lastCheckpointAt = Date.now();
  private lock: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private unlock: (() => Promise<void>) | null = null;
  /** The bytes of the batch being written (writes are serial, so one is enough). */
  private readonly out = new ChainedBatch();

  private constructor(private readonly o: FileSinkOptions) {
    this.name = o.name;
  }

  static async open(o: FileSinkOptions): Promise<FileSink> {
    const sink = new FileSink(o);
    await sink.recover();
    if (o.checkpointMs > 0) {
      sink.timer = setInterval(() => {
        if (sink.sinceCheckpoint > 0 && Date.now() - sink.lastCheckpointAt >= o.checkpointMs) {
          sink.serial(() => sink.checkpoint('time')).catch((err: Error) => o.logger.error({ sink: o.name, err: { message: err.message } }, 'audit checkpoint failed'));
        }
      }, Math.max(50, Math.min(o.checkpointMs, 1000)));
      sink.timer.unref();
    }
    return sink;
  }

  describe(): Record<string, unknown> {
    return { type: this.type, dir: this.o.dir, seq: this.chain.seq, file: this.file };
  }

  /** Runs `fn` after everything queued before it: writes, checkpoints and rotation never interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.lock.then(fn);
    this.lock = p.catch(() => undefined);
    return p;
  }

  /** Continues the chain of an existing directory; seals a tail an earlier process left unsigned. */
  private async recover(): Promise<void> {
    await mkdir(this.o.dir, { recursive: true, mode: 0o700 });
    this.unlock = await lockDir(this.o.dir);
    const files = await listAuditFiles(this.o.dir);
    const last = files[files.length - 1];
    if (!last) return;
    const full = path.join(this.o.dir, last);
    const tail = await readAuditFileTail(full);
    const lastRec = tail.last;
    if (lastRec) this.chain = { seq: lastRec.seq, hash: lastRec.hash };
    if (tail.goodBytes < tail.size) {
      // A torn last line is a record that was never completely written (crash mid-write).
      this.o.logger.warn({ sink: this.name, file: last, bytes: tail.size - tail.goodBytes }, 'audit file ends in a torn line from an earlier run; cutting it');
      const fh = await open(full, 'r+');
      try { await fh.truncate(tail.goodBytes); } finally { await fh.close(); }
    }
    if (tail.unreadable > 0) {
      // Complete lines that are not JSON were not cut short by a crash: they stay as evidence.
      this.o.logger.warn({ sink: this.name, file: last, lines: tail.unreadable }, 'audit file ends in lines that are not JSON; left in place for `meshguard audit verify` to report');
    }
    if (lastRec && !tail.endsWithCheckpoint) {
      this.o.logger.warn({ sink: this.name, file: last, seq: lastRec.seq }, 'audit file was left without a final checkpoint (crash); sealing it as recovered');
      this.fh = await open(full, 'a', 0o600);
      this.file = last;
      this.fileBytes = tail.goodBytes;
      this.sinceCheckpoint = 1;
      await this.checkpoint('recovered');
      await this.closeFile();
    }
  }

  private async openFile(): Promise<void> {
    this.file = auditFileName(this.chain.seq + 1);
    this.fh = await open(path.join(this.o.dir, this.file), 'a', 0o600);
    this.fileBytes = 0;
    this.fileOpenedAt = Date.now();
  }

  private async closeFile(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    if (fh) await fh.close();
  }

  /** Appends bytes; on failure cuts the file back so it ends on a whole line. */
  private async append(data: Buffer): Promise<void> {
    const fh = this.fh!;
    try {
      let off = 0;
      while (off < data.length) {
        const { bytesWritten } = await fh.write(data, off, data.length - off, null);
        off += bytesWritten;
      }
    } catch (err) {
      await fh.truncate(this.fileBytes).catch(() => undefined);
      throw err;
    }
    this.fileBytes += data.length;
  }

  private async checkpoint(reason: CheckpointPayload['reason']): Promise<void> {
    if (!this.fh) return;
    const payload: CheckpointPayload = { v: 1, seq: this.chain.seq, hash: this.chain.hash, time: new Date().toISOString(), file: this.file, reason };
    const line = await signCheckpoint(payload, this.o.key);
    await this.append(Buffer.from(JSON.stringify(line) + '\n'));
    if (this.o.fsync !== 'never') await this.fh.datasync();
    this.sinceCheckpoint = 0;
    this.lastCheckpointAt = Date.now();
  }

  write(batch: AuditRecord[]): Promise<void> {
    return this.serial(() => this.writeNow(batch));
  }

  private async writeNow(batch: AuditRecord[]): Promise<void> {
    if (this.closed) throw new Error('audit file sink is closed');
    if (this.fh && (this.fileBytes >= this.o.rotateBytes || (this.o.rotateMs > 0 && Date.now() - this.fileOpenedAt >= this.o.rotateMs))) {
      await this.checkpoint('rotate');
      await this.closeFile();
    }
    if (!this.fh) await this.openFile();
    // One buffer holds the records and the checkpoints that fall due among them, written in one
    // append: the batch is on disk whole or not at all, and the chain advances only on success.
    let state = this.chain;
    let since = this.sinceCheckpoint;
    const out = this.out;
    out.reset();
    let lastCheckpointAt = this.lastCheckpointAt;
    for (const rec of batch) {
      // A record back from the spool of an earlier attempt may carry members of no chain: drop them.
      state = out.record(rec.seq === undefined ? rec : stripChain(rec), state);
      since++;
      if (since >= this.o.checkpointRecords) {
        const payload: CheckpointPayload = { v: 1, seq: state.seq, hash: state.hash, time: new Date().toISOString(), file: this.file, reason: 'records' };
        out.line(JSON.stringify(await signCheckpoint(payload, this.o.key)));
        since = 0;
        lastCheckpointAt = Date.now();
      }
    }
    await this.append(out.bytes());
    const checkpointed = lastCheckpointAt !== this.lastCheckpointAt;
    this.chain = state;
    this.sinceCheckpoint = since;
    this.lastCheckpointAt = lastCheckpointAt;
    if (this.o.fsync === 'checkpoint' && checkpointed) await this.fh!.datasync();
    if (this.o.fsync === 'always') await this.fh!.datasync();
  }

  close(): Promise<void> {
    return this.serial(async () => {
      if (this.closed) return;
      this.closed = true;
      if (this.timer) clearInterval(this.timer);
      // Always, even right after another checkpoint: `shutdown` marks the end of the chain, so a tail
      // cut back to an earlier checkpoint shows.
      try {
        if (this.fh) await this.checkpoint('shutdown');
      } finally {
        // A full disk makes the last checkpoint fail; the file and the lock are released all the same.
        await this.closeFile();
        await this.unlock?.();
      }
    });
  }
}
