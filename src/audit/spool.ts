import { mkdir, readdir, readFile, unlink, appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { lockDir } from './dir-lock.js';

const SEGMENT_SUFFIX = '.jsonl';
/** Segment ids start high so that `prepend` can always go lower. */
const FIRST_ID = 1_000_000_000_000;

function segName(id: number): string {
  return `${String(id).padStart(16, '0')}${SEGMENT_SUFFIX}`;
}

/**
 * A FIFO of JSON lines on disk, in numbered segment files, capped in bytes. Appends are buffered and
 * written in the background, so the caller (the request path) never waits on the disk. A segment is
 * deleted once every line in it was consumed; a crash in between re-delivers that segment's lines
 * (at-least-once: NATS drops the repeats by message id).
 */
export class DiskSpool {
  private headId = FIRST_ID;
  private tailId = FIRST_ID - 1;
  private tailBytes = 0;
  private bytes = 0;
  private lines = 0;
  private pending: string[] = [];
  private pendingBytes = 0;
  private flushing: Promise<void> | null = null;
  /** Lines of the head segment already loaded, and how many of them were consumed. */
  private head: { id: number; lines: string[]; bytes: number; next: number } | null = null;

  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
    /** Called with the number of lines a background append could not write (disk full, ...). */
    private readonly onWriteError: (lost: number, err: Error) => void,
    private readonly segmentBytes = 1 << 20,
  ) {}

  private unlock: (() => Promise<void>) | null = null;

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    this.unlock = await lockDir(this.dir);
    const ids = (await readdir(this.dir))
      .filter((n) => n.endsWith(SEGMENT_SUFFIX))
      .map((n) => Number(n.slice(0, -SEGMENT_SUFFIX.length)))
      .filter((n) => Number.isSafeInteger(n))
      .sort((a, b) => a - b);
    for (const id of ids) {
      const text = await readFile(path.join(this.dir, segName(id)), 'utf8');
      this.bytes += Buffer.byteLength(text);
      this.lines += text.split('\n').filter((l) => l.length > 0).length;
    }
    if (ids.length > 0) {
      this.headId = ids[0]!;
      // Never append to a segment written by an earlier process: it may end in a torn line.
      this.tailId = ids[ids.length - 1]!;
      this.tailBytes = this.segmentBytes;
    }
  }

  /** Lines waiting (on disk or about to be written). */
  get size(): number {
    return this.lines;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  /** Queues lines for the tail; false (nothing kept) when that would exceed the cap. Never waits. */
  append(lines: string[]): boolean {
    let add = 0;
    for (const l of lines) add += Buffer.byteLength(l) + 1;
    if (this.bytes + add > this.maxBytes) return false;
    this.bytes += add;
    this.lines += lines.length;
    for (const l of lines) this.pending.push(l);
    this.pendingBytes += add;
    if (!this.flushing) this.flushing = this.flushLoop();
    return true;
  }

  /** Writes lines as a new segment before every other one (they are older than what is spooled). */
  async prepend(lines: string[]): Promise<boolean> {
    if (lines.length === 0) return true;
    const text = lines.join('\n') + '\n';
    const add = Buffer.byteLength(text);
    if (this.bytes + add > this.maxBytes) return false;
    await this.settle();
    const lowest = Math.min(this.headId, this.head ? this.head.id : this.headId);
    const id = this.lines === 0 && !this.head ? Math.max(this.tailId + 1, FIRST_ID) : lowest - 1;
    await writeFile(path.join(this.dir, segName(id)), text, { mode: 0o600 });
    this.bytes += add;
    this.lines += lines.length;
    if (this.head && this.head.next === 0 && this.head.id > id) {
      this.head = null; // reload from the new head next time
    } else if (this.head && this.head.id > id) {
      // The loaded head was partly consumed: rewrite what is left of it so nothing is delivered twice.
      const rest = this.head.lines.slice(this.head.next);
      const restText = rest.length ? rest.join('\n') + '\n' : '';
      await writeFile(path.join(this.dir, segName(this.head.id)), restText);
      this.bytes -= this.head.bytes - Buffer.byteLength(restText);
      this.head = null;
    }
    this.headId = id;
    if (this.tailId < id) { this.tailId = id; this.tailBytes = this.segmentBytes; }
    return true;
  }

  /** Lets another process use this spool (after settle). */
  async release(): Promise<void> {
    await this.settle();
    await this.unlock?.();
    this.unlock = null;
  }

  /** Waits until every appended line is on disk (or was counted lost). */
  async settle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Up to `max` of the oldest lines, without consuming them. */
  async peek(max: number): Promise<string[]> {
    await this.settle();
    while (!this.head) {
      if (this.lines === 0) return [];
      const ids = (await readdir(this.dir))
        .filter((n) => n.endsWith(SEGMENT_SUFFIX))
        .map((n) => Number(n.slice(0, -SEGMENT_SUFFIX.length)))
        .filter((n) => Number.isSafeInteger(n))
        .sort((a, b) => a - b);
      if (ids.length === 0) { this.lines = 0; this.bytes = 0; return []; }
      const id = ids[0]!;
      const file = path.join(this.dir, segName(id));
      const text = await readFile(file, 'utf8');
      const lines = text.split('\n').filter((l) => l.length > 0);
      if (lines.length === 0) { await unlink(file).catch(() => undefined); this.bytes -= Buffer.byteLength(text); continue; }
      this.head = { id, lines, bytes: Buffer.byteLength(text), next: 0 };
      this.headId = id;
      // Appends must go to a later segment while this one is being consumed.
      if (this.tailId <= id) { this.tailId = id; this.tailBytes = this.segmentBytes; }
    }
    return this.head.lines.slice(this.head.next, this.head.next + max);
  }

  /** Marks the first `n` peeked lines done; a fully consumed segment is deleted. */
  async consume(n: number): Promise<void> {
    const h = this.head;
    if (!h) return;
    h.next += n;
    this.lines -= n;
    if (h.next >= h.lines.length) {
      await unlink(path.join(this.dir, segName(h.id))).catch(() => undefined);
      this.bytes -= h.bytes;
      this.head = null;
      this.headId = h.id + 1;
    }
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const lines = this.pending;
        const add = this.pendingBytes;
        this.pending = [];
        this.pendingBytes = 0;
        if (this.tailBytes >= this.segmentBytes || this.tailId < this.headId) {
          this.tailId = Math.max(this.tailId + 1, this.headId, this.head ? this.head.id + 1 : 0);
          this.tailBytes = 0;
        }
        try {
          await appendFile(path.join(this.dir, segName(this.tailId)), lines.join('\n') + '\n', { mode: 0o600 });
          this.tailBytes += add;
        } catch (err) {
          this.bytes -= add;
          this.lines -= lines.length;
          // A torn write leaves a partial line; start a fresh segment after it.
          this.tailBytes = this.segmentBytes;
          this.onWriteError(lines.length, err as Error);
        }
      }
    } finally {
      this.flushing = null;
    }
  }
}
