import { canonicalJson } from './chain.js';
import { UserInputError } from '../errors.js';
import type { AuditSinkConfig } from './config-schema.js';
import type { SinkRunner } from './runner.js';
import { createSinkRunner, type SinkEnv } from './sinks/create.js';

const SHARED_KEY = 'audit:sinks';

interface Entry {
  fingerprint: string;
  runner: Promise<SinkRunner>;
}

/**
 * The sinks of one sidecar, kept in `bctx.shared` so that a reload (a new snapshot, filters built
 * again for both listeners) reuses the open files and connections instead of opening them twice.
 * Changing an existing sink's settings is refused on reload (a file sink cannot have two writers):
 * the running state stays, and a restart applies it.
 */
export class SharedSinks {
  private readonly entries = new Map<string, Entry>();

  static of(shared: Map<string, unknown>): SharedSinks {
    let s = shared.get(SHARED_KEY) as SharedSinks | undefined;
    if (!s) {
      s = new SharedSinks();
      shared.set(SHARED_KEY, s);
    }
    return s;
  }

  /** The runner for `cfg`, created on first use. */
  get(cfg: AuditSinkConfig, env: SinkEnv): Promise<SinkRunner> {
    const fingerprint = canonicalJson(cfg);
    const e = this.entries.get(cfg.name);
    if (e) {
      if (e.fingerprint !== fingerprint) {
        return Promise.reject(new UserInputError({ file: env.configFile }, 'changing the settings of a running sink needs a restart (the running sink is kept)', `audit.sinks[${cfg.name}]`));
      }
      return e.runner;
    }
    const runner = createSinkRunner(cfg, env);
    // A sink that failed to open is forgotten, so the next reload tries again.
    runner.catch(() => { if (this.entries.get(cfg.name)?.runner === runner) this.entries.delete(cfg.name); });
    this.entries.set(cfg.name, { fingerprint, runner });
    return runner;
  }

  /** Flushes and closes every sink (also those a later config dropped). Idempotent. */
  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map(async (e) => { try { await (await e.runner).close(); } catch { /* never opened */ } }));
  }
}
