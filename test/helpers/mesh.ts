import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { startSidecar, type Sidecar } from '../../src/sidecar.js';
import { parseConfig } from '../../src/config/load.js';
import { createLogger, type Logger } from '../../src/log.js';
import type { MeshguardConfig } from '../../src/config/types.js';
import type { FilterFactory } from '../../src/proxy/filter.js';
import { Writable } from 'node:stream';

/** Log lines a sidecar wrote, parsed, for tests that check what was logged. */
export class LogCapture {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly logger: Logger;
  constructor(level = 'info') {
    const lines = this.lines;
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    this.logger = createLogger({ level, destination: stream });
  }
  find(pred: (l: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
    return this.lines.find(pred);
  }
}

/** Writes a config as YAML into a temp dir (validated like a user's file) and starts a sidecar on it. */
export async function startTestSidecar(config: MeshguardConfig, opts: { logger?: Logger; dir?: string; watchFiles?: boolean; filters?: readonly FilterFactory[] } = {}): Promise<{ sidecar: Sidecar; file: string }> {
  const dir = opts.dir ?? (await mkdtemp(path.join(tmpdir(), 'meshguard-cfg-')));
  const file = path.join(dir, `sidecar-${Math.random().toString(36).slice(2, 8)}.yaml`);
  const text = stringify(config);
  await writeFile(file, text);
  const parsed = parseConfig(text, file);
  const sidecar = await startSidecar({
    config: parsed,
    configFile: file,
    configText: text,
    logger: opts.logger ?? createLogger({ level: 'silent' }),
    ...(opts.watchFiles !== undefined ? { watchFiles: opts.watchFiles } : {}),
    ...(opts.filters ? { filters: opts.filters } : {}),
  });
  return { sidecar, file };
}

export function addr(a: { address: string; port: number } | null): string {
  if (!a) throw new Error('listener not bound');
  return `${a.address}:${a.port}`;
}
