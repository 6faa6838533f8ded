import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { AggregatorRegistry, Registry, Gauge, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../log.js';
import type { CertificateMaterial, CertificateProvider } from '../identity/provider.js';
import { createCertificateProvider } from '../identity/providers.js';
import { createAdminServer, certsView, type ReloadResult } from '../admin/server.js';
import { isMessage, type MaterialMessage, type ToPrimary, type ToWorker } from './messages.js';
import { TicketKeys } from '../tls/ticket-keys.js';

const CALL_TIMEOUT_MS = 5000;
const RESPAWN_DELAY_MS = 500;

export function workerCount(setting: number | 'auto' | undefined): number {
  if (setting === 'auto') return Math.max(1, availableParallelism());
  return setting ?? 1;
}

interface Slot {
  worker: Worker;
  started: boolean;
}

/**
 * The primary of `workers: N`: one certificate provider (one KMS client) for all workers, handed
 * down over IPC on every rotation; the admin listener, answering for all workers (metrics summed,
 * readiness only when every worker is ready, reload broadcast); worker restarts; and the drain on
 * SIGTERM. The listening sockets are shared by the cluster module.
 */
export async function runPrimary(loaded: LoadedConfig, logger: Logger, count: number): Promise<number> {
  const log = logger.child({ role: 'primary' });
  const metrics = new Registry();
  const provider: CertificateProvider = await createCertificateProvider({ config: loaded.config, configDir: path.dirname(loaded.file), logger: log, metrics });
  const slots = new Map<number, Slot>();
  let stopping = false;
  let nextCall = 1;
  const pending = new Map<number, (v: unknown) => void>();
  const restarts = new Gauge({ name: 'meshguard_worker_restarts', help: 'Workers restarted after an unexpected exit', registers: [metrics] });
  new Gauge({
    name: 'meshguard_workers',
    help: 'Workers running',
    registers: [metrics],
    collect() {
      this.set([...slots.values()].filter((s) => s.started).length);
    },
  });

  // One set of session-ticket keys for all workers: a client resumes on whichever worker it lands on.
  const ticketKeys = new TicketKeys();
  const materialMessage = (m: CertificateMaterial): MaterialMessage => ({
    t: 'material',
    certChainPem: m.certChainPem,
    keyPem: m.keyPem,
    trustBundlePem: m.trustBundlePem,
    ticketKeys: ticketKeys.current().toString('base64'),
    ...(m.bundleVersion !== undefined ? { bundleVersion: m.bundleVersion } : {}),
  });

  const call = (slot: Slot, op: 'reload' | 'metrics' | 'dump' | 'status'): Promise<unknown> =>
    new Promise((resolve) => {
      const id = nextCall++;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve({ error: 'worker did not answer' });
      }, CALL_TIMEOUT_MS);
      pending.set(id, (v) => {
        clearTimeout(timer);
        resolve(v);
      });
      try {
        slot.worker.send({ t: 'call', id, op } satisfies ToWorker);
      } catch {
        clearTimeout(timer);
        pending.delete(id);
        resolve({ error: 'worker gone' });
      }
    });

  const fork = (): void => {
    const worker = cluster.fork({ MESHGUARD_WORKER: '1' });
    const slot: Slot = { worker, started: false };
    slots.set(worker.id, slot);
    worker.on('message', (raw: unknown) => {
      if (!isMessage(raw)) return;
      const msg = raw as ToPrimary;
      // A worker asks once its handlers are in place; a message sent at 'online' could arrive before them.
      if (msg.t === 'hello') {
        const m = provider.current();
        if (m) worker.send(materialMessage(m));
      } else if (msg.t === 'started') slot.started = true;
      else if (msg.t === 'reply') pending.get(msg.id)?.(msg.value);
      else if (msg.t === 'failed') log.error({ worker: worker.id, err: msg.error }, 'worker failed to start');
    });
    worker.on('exit', (code, signal) => {
      slots.delete(worker.id);
      if (stopping) return;
      restarts.inc();
      log.error({ worker: worker.id, code, signal }, 'worker exited; starting another');
      setTimeout(() => !stopping && fork(), RESPAWN_DELAY_MS).unref();
    });
  };

  // Admin first, so /ready answers 503 until the first certificate and every worker are there.
  let admin: Server | null = null;
  if (loaded.config.admin) {
    admin = createAdminServer({
      async metricsText() {
        const all = await Promise.all([...slots.values()].filter((s) => s.started).map((s) => call(s, 'metrics')));
        const own = await metrics.getMetricsAsJSON();
        const agg = AggregatorRegistry.aggregate([own, ...(all.filter((x) => Array.isArray(x)) as Array<MetricObjectWithValues<MetricValue<string>>[]>)]);
        return { contentType: agg.contentType, text: await agg.metrics() };
      },
      async configDump() {
        const first = [...slots.values()].find((s) => s.started);
        return { workers: slots.size, ...((first ? await call(first, 'dump') : {}) as object) };
      },
      certs: () => ({ ...certsView(provider), workers: slots.size }),
      ready() {
        const m = provider.current();
        const started = [...slots.values()].filter((s) => s.started).length;
        return { ok: !stopping && m !== undefined && m.notAfter.getTime() > Date.now() && started === count, workers: started, expected: count };
      },
      async reload(): Promise<ReloadResult & { workers: unknown[] }> {
        const results = (await Promise.all([...slots.values()].map((s) => call(s, 'reload')))) as ReloadResult[];
        const failed = results.find((r) => !r || !r.ok) as { error?: string } | undefined;
        const first = results[0];
        return failed || !first?.ok ? { ok: false, error: failed?.error ?? 'no worker answered', workers: results } : { ok: true, version: first.version, workers: results };
      },
    });
    const listen = loaded.config.admin.listen;
    const i = listen.lastIndexOf(':');
    await new Promise<void>((resolve, reject) => {
      admin!.once('error', reject);
      admin!.listen(Number(listen.slice(i + 1)), listen.slice(0, i).replace(/^\[|\]$/g, ''), () => resolve());
    });
  }

  await provider.start();
  provider.subscribe((m) => {
    const msg = materialMessage(m);
    for (const s of slots.values()) s.worker.send(msg);
    log.info({ event: 'material_broadcast', serial: m.serial, workers: slots.size }, 'new certificate sent to every worker');
  });
  ticketKeys.onChange(() => {
    const m = provider.current();
    if (!m) return;
    const msg = materialMessage(m);
    for (const s of slots.values()) s.worker.send(msg);
  });
  for (let i = 0; i < count; i++) fork();
  log.info({ event: 'started', workers: count, admin: loaded.config.admin?.listen ?? null }, 'meshguard primary started');

  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal, workers: slots.size }, 'stopping: workers drain in-flight requests');
      const exits = [...slots.values()].map((s) => new Promise<void>((r) => (s.worker.isDead() ? r() : s.worker.once('exit', () => r()))));
      for (const s of slots.values()) s.worker.send({ t: 'stop' } satisfies ToWorker);
      void Promise.all(exits).then(async () => {
        await provider.stop();
        ticketKeys.stop();
        if (admin) await new Promise<void>((r) => admin!.close(() => r()));
        log.info({ event: 'stopped' }, 'meshguard primary stopped');
        resolve(0);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      for (const s of slots.values()) void call(s, 'reload');
    });
  });
}
