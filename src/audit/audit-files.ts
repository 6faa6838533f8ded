import { readdir } from 'node:fs/promises';

/**
 * Audit files are named `audit-<first seq, 12 digits>-<UTC time>.jsonl`, so a plain sort is the
 * chain order. Every line is either a record (has `v`) or a checkpoint (has `checkpoint` and `jws`).
 */
const PREFIX = 'audit-';
const SUFFIX = '.jsonl';

export function auditFileName(firstSeq: number, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  return `${PREFIX}${String(firstSeq).padStart(12, '0')}-${stamp}${SUFFIX}`;
}

export function isAuditFileName(name: string): boolean {
  return name.startsWith(PREFIX) && name.endsWith(SUFFIX);
}

export async function listAuditFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter(isAuditFileName).sort();
}
