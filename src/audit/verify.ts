import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH, lineHashes } from './chain.js';
import { verifyCheckpoint, type CheckpointPayload } from './checkpoint.js';
import { listAuditFiles } from './audit-files.js';

export type Problem =
  | 'no-files'
  | 'bad-json'          // a line that is not JSON: torn or edited
  | 'edited'            // a record whose hash does not match its content
  | 'chain-broken'      // prevHash does not match the record before it
  | 'missing'           // a sequence gap: records or files deleted
  | 'reordered'         // a sequence number going back: lines or files moved
  | 'forged-checkpoint' // a checkpoint whose signature does not verify with the key
  | 'checkpoint-mismatch' // a valid checkpoint that vouches for a different chain than the one found
  | 'unsigned-tail'     // records after the last checkpoint: truncated, or still being written
  | 'missing-file';     // a rotation checkpoint promises a next file that is not there

export interface BadRecord {
  problem: Problem;
  file: string;
  /** 1-based line in `file`. */
  line: number;
  /** The sequence number the verifier expected there. */
  seq: number;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  dir: string;
  files: number;
  records: number;
  checkpoints: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** Hash of the last record: with lastSeq, the anchor to pass next time (`--anchor SEQ:HASH`). */
  lastHash: string | null;
  /** The first problem found; verification stops there (everything after it is unproven). */
  firstBad: BadRecord | null;
  warnings: string[];
}

export interface VerifyOptions {
  /** The last file may end in records not yet covered by a checkpoint (the sink is running). */
  live?: boolean;
  /**
   * A record known from an earlier check (its seq and hash, e.g. kept from the last report): the
   * chain must still hold it. This catches whole files removed from the end of the directory, which
   * nothing inside the directory can show.
   */
  anchor?: { seq: number; hash: string };
}

/** Checkpoint reasons that may end a directory: the sink stopped, or its crash was sealed. */
const TERMINAL = new Set(['shutdown', 'recovered']);

/**
 * Checks an audit directory: every record's hash, the chain across records and files, sequence
 * continuity from 1, every checkpoint's ES256 signature and that it vouches for the chain as found,
 * and that the directory ends on a checkpoint. Stops at the first bad record and names it.
 */
export async function verifyAuditDir(dir: string, key: KeyObject, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const report: VerifyReport = { ok: false, dir, files: 0, records: 0, checkpoints: 0, firstSeq: null, lastSeq: null, lastHash: null, firstBad: null, warnings: [] };
  const files = await listAuditFiles(dir);
  report.files = files.length;
  const fail = (problem: Problem, file: string, line: number, seq: number, message: string): VerifyReport => {
    report.firstBad = { problem, file, line, seq, message };
    return report;
  };
  if (files.length === 0) return fail('no-files', dir, 0, 1, `no audit files (audit-*.jsonl) in ${dir}`);

  let seq = 0;
  let hash = GENESIS_HASH;
  /** Where the records not yet vouched for by a checkpoint begin (for messages). */
  let uncoveredFrom: { file: string; line: number; seq: number } | null = null;
  let lastCheckpoint: CheckpointPayload | null = null;

  for (let f = 0; f < files.length; f++) {
    const file = files[f]!;
    const text = await readFile(path.join(dir, file), 'utf8');
    const lines = text.split('\n');
    const torn = lines[lines.length - 1] !== '';
    if (!torn) lines.pop();
    let endsWithCheckpoint = false;
    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      const raw = lines[i]!;
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(raw) as Record<string, unknown>;
        if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('not an object');
      } catch {
        const what = torn && i === lines.length - 1 ? 'the file ends in a partial line (truncated)' : 'not a JSON object (edited or torn)';
        return fail('bad-json', file, lineNo, seq + 1, `${what}`);
      }
      if ('checkpoint' in obj) {
        const jws = obj['jws'];
        const payload = typeof jws === 'string' ? await verifyCheckpoint(jws, key) : null;
        if (!payload) return fail('forged-checkpoint', file, lineNo, seq, 'checkpoint signature does not verify with the given key (forged or altered)');
        if (payload.seq !== seq || payload.hash !== hash || payload.file !== file) {
          const from = uncoveredFrom ?? { file, line: lineNo, seq };
          const what = payload.seq > seq
            ? `records ${seq + 1}..${payload.seq} it covers are missing (deleted or truncated)`
            : payload.seq < seq
              ? `the chain has ${seq - payload.seq} more record(s) than it covers (inserted or moved)`
              : payload.file !== file ? `it was signed for file ${payload.file}` : 'records it covers were altered';
          return fail('checkpoint-mismatch', from.file, from.line, from.seq, `signed checkpoint at ${file}:${lineNo} (seq ${payload.seq}) does not match: ${what}`);
        }
        report.checkpoints++;
        lastCheckpoint = payload;
        uncoveredFrom = null;
        endsWithCheckpoint = true;
        continue;
      }
      const s = obj['seq'];
      if (typeof s !== 'number' || typeof obj['hash'] !== 'string' || typeof obj['prevHash'] !== 'string') {
        return fail('edited', file, lineNo, seq + 1, 'record lacks seq, prevHash or hash');
      }
      if (s > seq + 1) return fail('missing', file, lineNo, seq + 1, `expected record ${seq + 1}, found ${s}: ${s - seq - 1} record(s) missing (deleted or moved)`);
      if (s < seq + 1) return fail('reordered', file, lineNo, seq + 1, `expected record ${seq + 1}, found ${s}: records reordered or duplicated`);
      const h = lineHashes(raw);
      if (!h || h.claimed !== obj['hash'] || h.computed !== h.claimed) return fail('edited', file, lineNo, s, `record ${s} was changed: its content does not match its hash`);
      if (obj['prevHash'] !== hash) return fail('chain-broken', file, lineNo, s, `record ${s} does not follow record ${seq} (previous hash differs): a record was changed, removed or moved`);
      if (opts.anchor && s === opts.anchor.seq && obj['hash'] !== opts.anchor.hash) {
        return fail('edited', file, lineNo, s, `record ${s} is not the record of the anchor (hash ${opts.anchor.hash.slice(0, 16)}…): the chain was rewritten from here or earlier`);
      }
      seq = s;
      hash = obj['hash'] as string;
      report.records++;
      report.firstSeq ??= s;
      report.lastSeq = s;
      uncoveredFrom ??= { file, line: lineNo, seq: s };
      endsWithCheckpoint = false;
    }
    const lastFile = f === files.length - 1;
    if (!endsWithCheckpoint && uncoveredFrom) {
      if (lastFile && opts.live) {
        report.warnings.push(`records ${uncoveredFrom.seq}..${seq} are not yet covered by a checkpoint (live)`);
      } else {
        return fail('unsigned-tail', uncoveredFrom.file, uncoveredFrom.line, uncoveredFrom.seq,
          `records ${uncoveredFrom.seq}..${seq} are not covered by a signed checkpoint: the file was truncated${lastFile ? ' (or the sink is still running: use --live)' : ''}`);
      }
    }
    if (lastFile && lastCheckpoint?.reason === 'rotate' && endsWithCheckpoint) {
      return fail('missing-file', file, lines.length, seq + 1, `the last file ends with a rotation checkpoint, but the file that follows it (from record ${seq + 1}) is missing`);
    }
    if (lastFile && endsWithCheckpoint && !opts.live && lastCheckpoint && !TERMINAL.has(lastCheckpoint.reason)) {
      return fail('unsigned-tail', file, lines.length, seq + 1,
        `the directory ends with a "${lastCheckpoint.reason}" checkpoint, not the "shutdown" one a stopped sink writes: records after ${seq} were cut off (or the sink is still running: use --live)`);
    }
  }
  if (opts.anchor && seq < opts.anchor.seq) {
    return fail('missing', files[files.length - 1]!, 0, seq + 1, `the chain ends at record ${seq}, before the anchor record ${opts.anchor.seq}: records or whole files were removed from the end`);
  }
  report.lastHash = seq > 0 ? hash : null;
  report.ok = true;
  return report;
}

export interface TreeReport {
  ok: boolean;
  /** One report per chain: the directory itself, or each `worker-<id>` subdirectory of a cluster. */
  reports: VerifyReport[];
}

/**
 * Verifies `dir`, or, when it holds no audit files but `worker-<id>` subdirectories (a sidecar run
 * with `workers`: each worker keeps its own chain), each of those.
 */
export async function verifyAuditTree(dir: string, key: KeyObject, opts: VerifyOptions = {}): Promise<TreeReport> {
  if ((await listAuditFiles(dir)).length === 0) {
    const subs = (await readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && d.name.startsWith('worker-'))
      .map((d) => d.name)
      .sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)));
    if (subs.length > 0) {
      // An anchor names one chain: it cannot apply to several.
      const { anchor: _ignored, ...rest } = opts;
      const reports = await Promise.all(subs.map((s) => verifyAuditDir(path.join(dir, s), key, rest)));
      return { ok: reports.every((r) => r.ok), reports };
    }
  }
  const r = await verifyAuditDir(dir, key, opts);
  return { ok: r.ok, reports: [r] };
}
