import type { Command } from 'commander';
import path from 'node:path';
import { access } from 'node:fs/promises';
import type { Server } from 'node:http';
import { repoRoot } from '../paths.js';
import { makeDevPki } from '../tls/dev-pki.js';
import { loadConfig } from '../config/load.js';
import { startSidecar, type Sidecar } from '../sidecar.js';
import { createLogger } from '../log.js';
import { ordersApp, paymentsApp } from '../demo/apps.js';
import { printLine, printError } from './output.js';

const DEMO_IDS = ['spiffe://example.org/ns/shop/sa/orders', 'spiffe://example.org/ns/shop/sa/payments'];

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

function listenApp(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

export interface Demo {
  orders: Sidecar;
  payments: Sidecar;
  stop(): Promise<void>;
}

/** Starts the demo mesh in this process: dev certificates, two apps, two sidecars. */
export async function startDemo(opts: { dir?: string; logLevel?: string } = {}): Promise<Demo> {
  const dir = opts.dir ?? repoRoot;
  const certs = path.join(dir, 'certs-dev');
  if (!(await exists(path.join(certs, 'orders.pem'))) || !(await exists(path.join(certs, 'payments.pem')))) {
    await makeDevPki({ dir: certs, trustDomain: 'example.org', ids: DEMO_IDS, days: 30 });
  }
  const logger = createLogger({ level: opts.logLevel ?? 'info' });
  const ordersCfg = await loadConfig(path.join(dir, 'demo', 'orders.yaml'));
  const paymentsCfg = await loadConfig(path.join(dir, 'demo', 'payments.yaml'));
  const sidecars: Sidecar[] = [];
  const apps: Server[] = [];
  try {
    const payments = await startSidecar({ config: paymentsCfg.config, configFile: paymentsCfg.file, configText: paymentsCfg.text, logger: logger.child({ sidecar: 'payments' }) });
    sidecars.push(payments);
    const orders = await startSidecar({ config: ordersCfg.config, configFile: ordersCfg.file, configText: ordersCfg.text, logger: logger.child({ sidecar: 'orders' }) });
    sidecars.push(orders);
    const pApp = paymentsApp();
    const oApp = ordersApp(() => orders.outboundAddress);
    apps.push(pApp, oApp);
    await listenApp(pApp, Number(new URL(paymentsCfg.config.inbound!.app).port));
    await listenApp(oApp, Number(new URL(ordersCfg.config.inbound!.app).port));
    return {
      orders,
      payments,
      async stop() {
        for (const s of sidecars) await s.stop({ drainTimeoutMs: 2000 });
        for (const a of apps) await new Promise<void>((r) => a.close(() => r()));
      },
    };
  } catch (err) {
    for (const s of sidecars) await s.stop({ drainTimeoutMs: 0 }).catch(() => undefined);
    for (const a of apps) a.close();
    throw err;
  }
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('Run the demo mesh on loopback: dev certificates, apps orders and payments, a sidecar for each')
    .option('--log-level <level>', 'sidecar log level', 'warn')
    .action(async (opts: { logLevel: string }) => {
      let demo: Demo;
      try {
        demo = await startDemo({ logLevel: opts.logLevel });
      } catch (err) {
        printError(`meshguard up: ${(err as Error).message}`);
        process.exitCode = 1;
        return;
      }
      const o = demo.orders;
      const p = demo.payments;
      const a = (x: { address: string; port: number } | null) => (x ? `${x.address}:${x.port}` : '-');
      printLine(`meshguard demo mesh is up (trust domain example.org, dev certificates in certs-dev/)

  orders   app 127.0.0.1:18081   sidecar outbound ${a(o.outboundAddress)}  inbound ${a(o.inboundAddress)}  admin ${a(o.adminAddress)}
  payments app 127.0.0.1:18082   sidecar outbound ${a(p.outboundAddress)}  inbound ${a(p.inboundAddress)}  admin ${a(p.adminAddress)}

Try:
  # orders calls payments: plain HTTP to its sidecar, mTLS between sidecars, caller identity in XFCC
  curl -s -H 'Host: payments' -d '{"amount":"9.99"}' http://${a(o.outboundAddress)}/pay
  # the orders app does the same from inside
  curl -s http://127.0.0.1:18081/checkout
  # an unknown host is never proxied
  curl -s -H 'Host: evil.example' http://${a(o.outboundAddress)}/
  # without a client certificate the payments sidecar refuses the handshake
  curl -sk https://${a(p.inboundAddress)}/pay || echo refused
  # admin: readiness, certificates, metrics
  curl -s http://${a(o.adminAddress)}/certs
  curl -s http://${a(p.adminAddress)}/stats/prometheus | grep meshguard_requests_total

Ctrl-C stops everything.`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          demo.stop().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
