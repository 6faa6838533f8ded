import path from 'node:path';
import type { Registry } from 'prom-client';
import type { Logger } from '../../log.js';
import { parseDurationMs } from '../../config/duration.js';
import { counter } from '../../admin/metrics-util.js';
import { UserInputError } from '../../errors.js';
import type { AuditSinkConfig, FileSinkConfig, NatsSinkConfig, ShadowSinkConfig } from '../config-schema.js';
import { loadSigningKey } from '../checkpoint.js';
import type { RecordSink } from '../sink.js';
import { SinkRunner, type RunnerOptions } from '../runner.js';
import { FileSink } from './file.js';
import { NatsSink } from './nats.js';
import { ShadowSink } from './http-shadow.js';
import { workerSubdir } from '../dir-lock.js';

export interface SinkEnv {
  configFile: string;
  configDir: string;
  logger: Logger;
  metrics: Registry;
}

const dur = (v: unknown, dflt: number): number => (v === undefined ? dflt : parseDurationMs(v as string | number));

/** `dir`, or its `worker-<id>` subdirectory in a cluster worker (one writer per directory). */
function own(dir: string): string {
  const sub = workerSubdir();
  return sub ? path.join(dir, sub) : dir;
}

/** `defaultSpool` is absolute and already the process's own. */
function runnerOptions(cfg: AuditSinkConfig, env: SinkEnv, defaultOnFull: 'spool' | 'drop', defaultSpool: string): RunnerOptions {
  return {
    queue: cfg.queue ?? 10_000,
    onFull: cfg.onFull ?? defaultOnFull,
    spoolDir: cfg.spoolDir ? own(path.resolve(env.configDir, cfg.spoolDir)) : defaultSpool,
    spoolMaxBytes: cfg.spoolMaxBytes ?? 256 * 1024 * 1024,
    flushTimeoutMs: dur(cfg.flushTimeout, 5000),
  };
}

/** Opens one sink and its runner (files, keys and connections are opened here, once per sidecar). */
export async function createSinkRunner(cfg: AuditSinkConfig, env: SinkEnv): Promise<SinkRunner> {
  const where = { file: env.configFile };
  const key = `audit.sinks[${cfg.name}]`;
  let sink: RecordSink;
  let opts: RunnerOptions;
  try {
    switch (cfg.type) {
      case 'file': {
        const c = cfg as FileSinkConfig;
        const dir = own(path.resolve(env.configDir, c.dir));
        sink = await FileSink.open({
          name: c.name,
          dir,
          key: await loadSigningKey(path.resolve(env.configDir, c.signingKey)),
          checkpointRecords: c.checkpoint?.records ?? 1000,
          checkpointMs: dur(c.checkpoint?.seconds, 60_000),
          rotateBytes: c.rotate?.maxBytes ?? 64 * 1024 * 1024,
          rotateMs: dur(c.rotate?.maxAge, 86_400_000),
          fsync: c.fsync ?? 'checkpoint',
          logger: env.logger,
        });
        // The spool of a file sink lives beside its files but not among them (verify reads audit-*.jsonl only).
        opts = runnerOptions(c, env, 'drop', path.join(dir, '.spool'));
        break;
      }
      case 'nats': {
        const c = cfg as NatsSinkConfig;
        sink = new NatsSink({
          name: c.name,
          url: c.url,
          stream: c.stream,
          subject: c.subject,
          createStream: c.createStream ?? true,
          ackTimeoutMs: dur(c.ackTimeout, 2000),
          retries: c.retries ?? 3,
          logger: env.logger,
        });
        opts = runnerOptions(c, env, 'spool', own(path.resolve(env.configDir, 'audit-spool', c.name)));
        break;
      }
      case 'http-shadow': {
        const c = cfg as ShadowSinkConfig;
        const failed = counter(env.metrics, 'audit_shadow_failed_total', 'Shadow requests that failed (not retried)', ['sink']);
        sink = new ShadowSink({ name: c.name, route: c.route, timeoutMs: dur(c.timeout, 5000), logger: env.logger, onFailed: (n) => failed.inc({ sink: c.name }, n) });
        opts = runnerOptions(c, env, 'drop', own(path.resolve(env.configDir, 'audit-spool', c.name)));
        break;
      }
      default:
        throw new Error(`unknown sink type ${String((cfg as { type: unknown }).type)}`);
    }
  } catch (err) {
    if (err instanceof UserInputError) throw err;
    throw new UserInputError(where, (err as Error).message, key);
  }
  const runner = new SinkRunner(sink, opts, env.metrics, env.logger.child({ sink: cfg.name }));
  await runner.init();
  return runner;
}
