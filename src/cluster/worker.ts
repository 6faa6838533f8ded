import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../log.js';
import { startSidecar, type Sidecar } from '../sidecar.js';
import { IpcProvider } from './ipc-provider.js';
import { TicketKeys } from '../tls/ticket-keys.js';
import { isMessage, type ToPrimary, type ToWorker } from './messages.js';
import { snapshotDump } from '../admin/server.js';

function send(msg: ToPrimary): void {
  process.send?.(msg);
}

/**
 * A worker: the listeners and filters of one sidecar, sharing the listening sockets with its siblings
 * through the cluster module. Certificates come from the primary; admin is served by the primary,
 * which asks each worker for its metrics, status and reload result.
 */
export async function runWorker(loaded: LoadedConfig, logger: Logger): Promise<number> {
  const provider = new IpcProvider(loaded.config.trustDomain, loaded.config.identity);
  // The primary's keys; they arrive with the first certificate, before the listeners start.
  const ticketKeys = new TicketKeys(0);
  let sidecar: Sidecar | null = null;
  let stopping: Promise<void> | null = null;
  const exit = new Promise<number>((resolve) => {
    process.on('message', (raw: unknown) => {
      if (!isMessage(raw)) return;
      const msg = raw as ToWorker;
      if (msg.t === 'material') {
        if (msg.ticketKeys) ticketKeys.set(Buffer.from(msg.ticketKeys, 'base64'));
        provider.accept(msg);
      }
      else if (msg.t === 'stop') {
        stopping ??= (sidecar ? sidecar.stop() : Promise.resolve()).then(() => resolve(0));
      } else if (msg.t === 'call') {
        void answer(msg.id, msg.op);
      }
    });
    // The primary going away (crash, kill -9) must not leave an orphan serving with stale certificates.
    process.on('disconnect', () => {
      stopping ??= (sidecar ? sidecar.stop({ drainTimeoutMs: 2000 }) : Promise.resolve()).then(() => resolve(0));
    });
  });
  // The primary handles signals; a worker ignores them and waits for its 'stop'.
  process.on('SIGTERM', () => undefined);
  process.on('SIGINT', () => undefined);
  process.on('SIGHUP', () => undefined);

  const answer = async (id: number, op: 'reload' | 'metrics' | 'dump' | 'status') => {
    let value: unknown = null;
    if (sidecar) {
      if (op === 'reload') value = await sidecar.reload();
      else if (op === 'metrics') value = await sidecar.metrics.getMetricsAsJSON();
      else if (op === 'dump') value = snapshotDump(sidecar.snapshot);
      else value = { ready: sidecar.ready(), pid: process.pid, snapshot: sidecar.snapshot.version, serial: provider.current()?.serial ?? null };
    }
    send({ t: 'reply', id, value });
  };

  send({ t: 'hello' });
  // The IPC channel keeps a worker alive: once stopped, let go of it so the process can exit.
  void exit.then(() => setImmediate(() => process.connected && process.disconnect()));
  try {
    sidecar = await startSidecar({ config: loaded.config, configFile: loaded.file, configText: loaded.text, logger, provider, ticketKeys, admin: false });
    send({ t: 'started' });
  } catch (err) {
    send({ t: 'failed', error: (err as Error).message });
    return 1;
  }
  return exit;
}
