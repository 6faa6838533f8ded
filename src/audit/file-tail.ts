import { open, type FileHandle } from 'node:fs/promises';

/** How an audit file ends: where its chain stops and whether a checkpoint signed that off. */
export interface AuditFileTail {
  size: number;
  /** Bytes up to the last newline: what follows it is a line a crash cut short. */
  goodBytes: number;
  /** The last record (its chain position), or null when the file holds none. */
  last: { seq: number; hash: string } | null;
  /** A checkpoint follows the last record. */
  endsWithCheckpoint: boolean;
  /** Complete lines after the last record that are not JSON (left for `audit verify` to report). */
  unreadable: number;
  /** Bytes read to find all this (the tail only, unless the file has no record). */
  bytesRead: number;
}

const CHUNK = 256 * 1024;

async function readAt(fh: FileHandle, into: Buffer, pos: number): Promise<void> {
  let off = 0;
  while (off < into.length) {
    const { bytesRead } = await fh.read(into, off, into.length - off, pos + off);
    if (bytesRead === 0) throw new Error(`audit file shrank while it was read (at byte ${pos + off})`);
    off += bytesRead;
  }
}

/**
 * Reads an audit file backwards, only as far as its last record. A restart must not read a whole
 * file (up to the 64 MB rotation size) to find where the chain goes on.
 */
export async function readAuditFileTail(file: string): Promise<AuditFileTail> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    // buf holds the bytes [bufStart, size) read so far.
    let bufStart = size;
    let buf = Buffer.alloc(0);
    const readEarlier = async (): Promise<void> => {
      // Doubling what is held keeps the copies linear in the bytes read, even for a file of no records.
      const n = Math.min(Math.max(CHUNK, size - bufStart), bufStart);
      const chunk = Buffer.allocUnsafe(n);
      await readAt(fh, chunk, bufStart - n);
      bufStart -= n;
      buf = Buffer.concat([chunk, buf]);
    };
    /** Absolute position of the last newline before `end`, or -1. */
    const newlineBefore = async (end: number): Promise<number> => {
      for (;;) {
        const from = end - bufStart - 1;
        const i = from >= 0 ? buf.lastIndexOf(10, from) : -1;
        if (i >= 0) return bufStart + i;
        if (bufStart === 0) return -1;
        await readEarlier();
      }
    };
    let end = await newlineBefore(size);
    const goodBytes = end + 1;
    let last: AuditFileTail['last'] = null;
    let endsWithCheckpoint = false;
    let unreadable = 0;
    // Line by line from the end: [start, end) with `end` at its newline.
    while (end >= 0 && last === null) {
      const start = (await newlineBefore(end)) + 1;
      const text = buf.toString('utf8', start - bufStart, end - bufStart);
      end = start - 1;
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(text) as Record<string, unknown>;
      } catch {
        unreadable++;
        continue;
      }
      if (obj === null || typeof obj !== 'object') unreadable++;
      else if ('checkpoint' in obj) endsWithCheckpoint = true;
      else if (typeof obj['seq'] === 'number' && typeof obj['hash'] === 'string') last = { seq: obj['seq'], hash: obj['hash'] };
      else unreadable++;
    }
    return { size, goodBytes, last, endsWithCheckpoint: last !== null && endsWithCheckpoint, unreadable, bytesRead: size - bufStart };
  } finally {
    await fh.close();
  }
}
