import { mkdtemp, writeFile, readFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { generateSigningKeyPair, loadSigningKey, loadVerifyKey } from '../../../src/audit/checkpoint.js';
import { FileSink, type FileSinkOptions } from '../../../src/audit/sinks/file.js';
import { buildRecord } from '../../../src/audit/build-record.js';
import { createRedactor } from '../../../src/audit/redact.js';
import type { AuditRecord } from '../../../src/audit/record.js';
import { silentLogger } from '../../../src/log.js';
import { makeCtx } from './fixtures.js';

export interface Keys {
  dir: string;
  privFile: string;
  pubFile: string;
  priv: KeyObject;
  pub: KeyObject;
}

export async function makeKeys(): Promise<Keys> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mg-audit-key-'));
  const { privatePem, publicPem } = generateSigningKeyPair();
  const privFile = path.join(dir, 'key.pem');
  const pubFile = path.join(dir, 'key.pub.pem');
  await writeFile(privFile, privatePem, { mode: 0o600 });
  await writeFile(pubFile, publicPem);
  return { dir, privFile, pubFile, priv: await loadSigningKey(privFile), pub: await loadVerifyKey(pubFile) };
}

export function sampleRecord(i: number): AuditRecord {
  const ctx = makeCtx({ path: `/orders/${i}`, method: i % 2 ? 'POST' : 'GET' });
  ctx.status = 200 + (i % 3);
  return buildRecord({ ctx, rule: 0, headers: false, requestBody: null, responseBody: null, redactor: createRedactor(undefined) });
}

export async function openSink(dir: string, key: KeyObject, over: Partial<FileSinkOptions> = {}): Promise<FileSink> {
  return FileSink.open({
    name: 'local', dir, key,
    checkpointRecords: 5, checkpointMs: 0, rotateBytes: 1 << 30, rotateMs: 0, fsync: 'checkpoint',
    logger: silentLogger, ...over,
  });
}

/** Writes `n` records in batches of `batch` and closes the sink (final checkpoint). */
export async function writeDir(dir: string, key: KeyObject, n: number, over: Partial<FileSinkOptions> = {}, batch = 3): Promise<void> {
  const sink = await openSink(dir, key, over);
  for (let i = 0; i < n; i += batch) {
    const b: AuditRecord[] = [];
    for (let j = i; j < Math.min(n, i + batch); j++) b.push(sampleRecord(j));
    await sink.write(b);
  }
  await sink.close();
}

export async function copyDir(src: string): Promise<string> {
  const dst = await mkdtemp(path.join(tmpdir(), 'mg-audit-copy-'));
  await cp(src, dst, { recursive: true });
  return dst;
}

export async function readLines(file: string): Promise<string[]> {
  const t = await readFile(file, 'utf8');
  return t.split('\n').filter((l) => l.length > 0);
}

export async function writeLines(file: string, lines: string[]): Promise<void> {
  await writeFile(file, lines.join('\n') + '\n');
}
