import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { startMock, kmsConfig, sleep, waitFor, TD, type MockEnv } from './helpers.js';
import { startSidecar, type Sidecar } from '../../../src/sidecar.js';
import { silentLogger } from '../../../src/log.js';
import type { MeshguardConfig } from '../../../src/config/types.js';

const ORDERS = `spiffe://${TD}/ns/shop/sa/orders`;
const PAYMENTS = `spiffe://${TD}/ns/shop/sa/payments`;

async function sidecar(env: MockEnv, name: string, config: MeshguardConfig): Promise<Sidecar> {
  const file = path.join(env.dir, `${name}.yaml`);
  await writeFile(file, JSON.stringify(config));
  return startSidecar({ config, configFile: file, logger: silentLogger, watchFiles: false });
}

function get(agent: http.Agent, port: number, pathName: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathName, agent, headers: host ? { host } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function certs(agent: http.Agent, s: Sidecar): Promise<{ serial: string; roots: string[] }> {
  const r = await get(agent, s.adminAddress!.port, '/certs');
  const j = JSON.parse(r.body) as { serial: string; trustBundle: { roots: Array<{ fingerprint256: string }> } };
  return { serial: j.serial, roots: j.trustBundle.roots.map((x) => x.fingerprint256) };
}

test('rotation under continuous load through both sidecars (outbound orders → inbound payments): zero failed requests, serials change in /certs, CA root rotation included', async (t) => {
  const env = await startMock(3);
  const app = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, xfcc: req.headers['x-forwarded-client-cert'] ?? null }));
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const appPort = (app.address() as AddressInfo).port;
  const sidecars: Sidecar[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const admin = new http.Agent({ keepAlive: false });
  let running = true;
  try {
    const pcfg = kmsConfig(env, PAYMENTS, { ttl: 3 });
    pcfg.inbound = { listen: '127.0.0.1:0', app: `http://127.0.0.1:${appPort}` };
    pcfg.admin = { listen: '127.0.0.1:0' };
    const payments = await sidecar(env, 'payments', pcfg);
    sidecars.push(payments);
    const ocfg = kmsConfig(env, ORDERS, { ttl: 3 });
    ocfg.outbound = { listen: '127.0.0.1:0', routes: [{ host: 'payments', endpoints: [`127.0.0.1:${payments.inboundAddress!.port}`], spiffeIds: [PAYMENTS] }] };
    ocfg.admin = { listen: '127.0.0.1:0' };
    const orders = await sidecar(env, 'orders', ocfg);
    sidecars.push(orders);

    let ok = 0;
    const failures: string[] = [];
    const loops = Array.from({ length: 4 }, async () => {
      while (running) {
        try {
          const r = await get(agent, orders.outboundAddress!.port, '/pay', 'payments');
          if (r.status === 200 && r.body.includes(ORDERS)) ok++;
          else failures.push(`HTTP ${r.status}: ${r.body.slice(0, 200)}`);
        } catch (err) {
          failures.push((err as Error).message);
        }
        await sleep(5);
      }
    });

    const serials = { orders: new Set<string>(), payments: new Set<string>() };
    const observe = async () => {
      const [o, p] = await Promise.all([certs(admin, orders), certs(admin, payments)]);
      serials.orders.add(o.serial);
      serials.payments.add(p.serial);
      return { o, p };
    };
    // Phase 1: leaf rotations (TTL 3 s, renewal at 1.5 s) — at least three on each side.
    const end1 = Date.now() + 10_000;
    while (Date.now() < end1 && (serials.orders.size < 4 || serials.payments.size < 4)) {
      await observe();
      await sleep(200);
    }
    assert.ok(serials.orders.size >= 4 && serials.payments.size >= 4, `three rotations each, saw ${serials.orders.size - 1} / ${serials.payments.size - 1}`);

    // Phase 2: CA root rotation under the same load.
    const before = await observe();
    const oldRoot = before.o.roots[0]!;
    await env.mock.rotateCa(1);
    const end2 = Date.now() + 12_000;
    let retired = false;
    while (Date.now() < end2) {
      const { o, p } = await observe();
      if (o.roots.length === 1 && p.roots.length === 1 && o.roots[0] !== oldRoot && p.roots[0] !== oldRoot) {
        retired = true;
        break;
      }
      await sleep(200);
    }
    assert.ok(retired, 'both sidecars end on the new root alone');
    await sleep(500);
    running = false;
    await Promise.all(loops);
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed requests`);
    assert.ok(ok > 200, `requests kept flowing (${ok})`);
    t.diagnostic(`requests ok=${ok} failed=${failures.length}; serials seen orders=${serials.orders.size} payments=${serials.payments.size}`);
    const prom = await get(admin, orders.adminAddress!.port, '/stats/prometheus');
    assert.match(prom.body, /meshguard_rotations_total [1-9]/);
    assert.match(prom.body, /meshguard_cert_expiry_seconds /);
  } finally {
    running = false;
    for (const s of sidecars.reverse()) await s.stop({ drainTimeoutMs: 500 });
    agent.destroy();
    admin.destroy();
    app.close();
    await env.close();
  }
});

test('sidecar /ready: 200 with a certificate, 503 once it expired with the KMS down, 200 again when the KMS returns', async () => {
  const env = await startMock(3);
  const app = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const admin = new http.Agent({ keepAlive: false });
  let s: Sidecar | undefined;
  try {
    const cfg = kmsConfig(env, PAYMENTS, { ttl: 3, bundleRefresh: '10s' }, { backoff: { initial: '100ms', max: '300ms' } });
    cfg.inbound = { listen: '127.0.0.1:0', app: `http://127.0.0.1:${(app.address() as AddressInfo).port}` };
    cfg.admin = { listen: '127.0.0.1:0' };
    s = await sidecar(env, 'payments', cfg);
    const ready = async () => (await get(admin, s!.adminAddress!.port, '/ready')).status;
    assert.equal(await ready(), 200);
    env.mock.setFault('down');
    const notAfter = s.provider.current()!.notAfter.getTime();
    await sleep(Math.max(0, notAfter - Date.now() - 300));
    assert.equal(await ready(), 200, 'still ready on the old certificate before it expires');
    await sleep(Math.max(0, notAfter - Date.now() + 300));
    assert.equal(await ready(), 503, 'not ready once the certificate expired');
    const c = JSON.parse((await get(admin, s.adminAddress!.port, '/certs')).body) as { status?: { lastError?: string } };
    assert.match(String(c.status?.lastError), /^unavailable:/, '/certs shows the last error');
    env.mock.setFault('none');
    assert.ok(await waitFor(async () => (await ready()) === 200, 3000), 'ready again when the KMS returns');
  } finally {
    await s?.stop({ drainTimeoutMs: 0 });
    admin.destroy();
    app.close();
    await env.close();
  }
});
