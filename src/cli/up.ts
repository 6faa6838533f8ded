import type { Command } from 'commander';
import path from 'node:path';
import type { Server } from 'node:http';
import { repoRoot } from '../paths.js';
import { startKmsMock, type KmsMock } from '../../kms-mock/server.js';
import { ensureSigningKey } from '../audit/ensure-key.js';
import { loadConfig } from '../config/load.js';
import { startSidecar, type Sidecar } from '../sidecar.js';
import { createLogger } from '../log.js';
import { ordersApp, paymentsApp } from '../demo/apps.js';
import { printLine, printError } from './output.js';

const KMS_LISTEN = '127.0.0.1:18443';

function listenApp(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

export interface Demo {
  kms: KmsMock;
  orders: Sidecar;
  payments: Sidecar;
  stop(): Promise<void>;
}

/**
 * Starts the demo mesh in this process: the mock KMS (its dev root and intermediate are made on the
 * first run and kept in .meshguard/kms), two apps, and a sidecar for each taking its SVID from the KMS.
 */
export async function startDemo(opts: { dir?: string; logLevel?: string } = {}): Promise<Demo> {
  const dir = opts.dir ?? repoRoot;
  const logger = createLogger({ level: opts.logLevel ?? 'info' });
  // The checkpoint signing key, made on the first run (as `meshguard audit keygen` would).
  await ensureSigningKey(path.join(dir, '.meshguard', 'audit-key.pem'));
  const kms = await startKmsMock({ listen: KMS_LISTEN, stateDir: path.join(dir, '.meshguard', 'kms'), trustDomain: 'example.org', ttl: '10m', logger: logger.child({ component: 'kms-mock' }) });
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
      kms,
      orders,
      payments,
      async stop() {
        for (const s of sidecars) await s.stop({ drainTimeoutMs: 2000 });
        for (const a of apps) await new Promise<void>((r) => a.close(() => r()));
        await kms.close();
      },
    };
  } catch (err) {
    for (const s of sidecars) await s.stop({ drainTimeoutMs: 0 }).catch(() => undefined);
    for (const a of apps) a.close();
    await kms.close();
    throw err;
  }
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('Run the demo mesh on loopback: a mock KMS, apps orders and payments, a sidecar for each (RBAC, WAF and audit mirroring on payments)')
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
      printLine(`meshguard demo mesh is up (trust domain example.org)

  kms-mock ${demo.kms.url}  (dev root and intermediate in .meshguard/kms/; SVIDs live 10 minutes)
  orders   app 127.0.0.1:18081   sidecar outbound ${a(o.outboundAddress)}  inbound ${a(o.inboundAddress)}  admin ${a(o.adminAddress)}
  payments app 127.0.0.1:18082   sidecar outbound ${a(p.outboundAddress)}  inbound ${a(p.inboundAddress)}  admin ${a(p.adminAddress)}

Try:
  # orders calls payments: plain HTTP to its sidecar, mTLS between sidecars, caller identity in XFCC
  curl -s -H 'Host: payments' -d '{"amount":"9.99"}' http://${a(o.outboundAddress)}/pay
  # the orders app does the same from inside
  curl -s http://127.0.0.1:18081/checkout
  # RBAC on payments: no rule grants /admin → 403 (the access log names "no rule matched")
  curl -s -H 'Host: payments' http://${a(o.outboundAddress)}/admin/users
  # an explicit deny rule wins over an allow: orders may not refund
  curl -s -X POST -H 'Host: payments' http://${a(o.outboundAddress)}/payments/42/refund
  # why? the deciding rule with file:line and the role chain
  npx meshguard policy explain --sub spiffe://example.org/ns/shop/sa/orders --method POST --path /payments/42/refund
  # the WAF on payments (baseline rules in policies/waf/) blocks an injection: 403 waf_blocked
  curl -s -X POST -H 'Host: payments' "http://${a(o.outboundAddress)}/pay?id=1%27%20OR%201%3D1--"
  # audit: denied and WAF-flagged calls (and 20% of the rest) are hash-chained into ./audit/; check them
  npx meshguard audit verify audit --key .meshguard/audit-key.pub.pem --live
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
