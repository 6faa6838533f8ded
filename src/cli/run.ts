import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { startSidecar, type Sidecar } from '../sidecar.js';
import { createLogger } from '../log.js';
import { printError } from './output.js';
import cluster from 'node:cluster';
import { runPrimary, workerCount } from '../cluster/primary.js';
import { runWorker } from '../cluster/worker.js';

/** Runs one sidecar until SIGTERM/SIGINT (drain, then exit 0); SIGHUP reloads. */
export async function runSidecar(configFile: string): Promise<number> {
  let loaded;
  try {
    loaded = await loadConfig(configFile);
  } catch (err) {
    printError((err as Error).message);
    return 1;
  }
  const logger = createLogger({ level: loaded.config.log?.level });
  const workers = workerCount(loaded.config.workers);
  if (cluster.isWorker) return runWorker(loaded, logger.child({ worker: cluster.worker?.id }));
  if (workers > 1) return runPrimary(loaded, logger, workers);
  let sidecar: Sidecar;
  try {
    sidecar = await startSidecar({ config: loaded.config, configFile: loaded.file, configText: loaded.text, logger });
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'sidecar failed to start');
    printError(`meshguard run: ${(err as Error).message}`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping: draining in-flight requests');
      sidecar.stop().then(
        () => resolve(0),
        (err: Error) => {
          logger.error({ err: err.message }, 'stop failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => void sidecar.reload());
  });
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run one sidecar beside an app (SIGHUP reloads; SIGTERM/SIGINT drain and exit 0)')
    .requiredOption('-c, --config <file>', 'meshguard.yaml')
    .action(async (opts: { config: string }) => {
      process.exitCode = await runSidecar(opts.config);
    });
}
