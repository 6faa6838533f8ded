import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeTestPki, type TestPki } from '../../helpers/pki.js';
import { startEchoApp, type EchoApp } from '../../helpers/apps.js';
import { startTestSidecar, addr, LogCapture } from '../../helpers/mesh.js';
import { httpReq, metricValue, mtlsRequest } from '../../helpers/client.js';
import { repoRoot } from '../../../src/paths.js';
import type { Sidecar } from '../../../src/sidecar.js';
import type { MeshguardConfig } from '../../../src/config/types.js';

const TD = 'example.org';
const ORDERS = 'spiffe://example.org/ns/shop/sa/orders';
const PAYMENTS = 'spiffe://example.org/ns/shop/sa/payments';
const SUPPORT = 'spiffe://example.org/ns/shop/sa/support';
const STRANGER = 'spiffe://example.org/ns/shop/sa/stranger';

type Leaf = { cert: string; key: string; certPem: string; keyPem: string };
let pki: TestPki;
let app: EchoApp;
let dir: string;
let payments: Sidecar;
let orders: Sidecar;
let paymentsLog: LogCapture;
let leaves: Record<'payments' | 'orders' | 'support' | 'stranger', Leaf>;
let basePolicy: string;

function paymentsConfig(p: Leaf, rbac: MeshguardConfig['rbac']): MeshguardConfig {
  return {
    trustDomain: TD,
    identity: PAYMENTS,
    certificates: { provider: 'files', files: { cert: p.cert, key: p.key, bundle: pki.bundle } },
    inbound: { listen: '127.0.0.1:0', app: `http://127.0.0.1:${app.port}` },
    admin: { listen: '127.0.0.1:0' },
    responses: { showDenyDetail: true },
    ...(rbac ? { rbac } : {}),
  };
}

before(async () => {
  pki = await makeTestPki(TD);
  app = await startEchoApp();
  leaves = {
    payments: await pki.leaf('payments', { uris: [PAYMENTS] }),
    orders: await pki.leaf('orders', { uris: [ORDERS] }),
    support: await pki.leaf('support', { uris: [SUPPORT] }),
    stranger: await pki.leaf('stranger', { uris: [STRANGER] }),
  };
  dir = await mkdtemp(path.join(tmpdir(), 'meshguard-rbac-'));
  await copyFile(path.join(repoRoot, 'policies/rbac/model.conf'), path.join(dir, 'model.conf'));
  await copyFile(path.join(repoRoot, 'policies/rbac/policy.csv'), path.join(dir, 'policy.csv'));
  basePolicy = await readFile(path.join(dir, 'policy.csv'), 'utf8');
  paymentsLog = new LogCapture();
  payments = (
    await startTestSidecar(paymentsConfig(leaves.payments, { model: 'model.conf', policy: 'policy.csv', mode: 'enforce' }), { dir, logger: paymentsLog.logger, watchFiles: false })
  ).sidecar;
  orders = (
    await startTestSidecar(
      {
        trustDomain: TD,
        identity: ORDERS,
        certificates: { provider: 'files', files: { cert: leaves.orders.cert, key: leaves.orders.key, bundle: pki.bundle } },
        outbound: { listen: '127.0.0.1:0', routes: [{ host: 'payments', endpoints: [addr(payments.inboundAddress)], spiffeIds: [PAYMENTS] }] },
        admin: { listen: '127.0.0.1:0' },
        // An rbac section on a sidecar without inbound: the filter must not apply to outbound.
        rbac: { model: path.join(dir, 'model.conf'), policy: path.join(dir, 'policy.csv') },
      },
      { watchFiles: false },
    )
  ).sidecar;
});

after(async () => {
  await orders?.stop({ drainTimeoutMs: 0 });
  await payments?.stop({ drainTimeoutMs: 0 });
  await app?.close();
});

function viaOrders(method: string, p: string) {
  return httpReq({ port: orders.outboundAddress!.port, method, path: p, headers: { host: 'payments' }, ...(method === 'POST' ? { body: '{}' } : {}) });
}

function direct(who: Leaf, method: string, p: string) {
  return mtlsRequest({ port: payments.inboundAddress!.port, cert: who.certPem, key: who.keyPem, ca: pki.ca.certPem, method, path: p });
}

test('allowed: orders POST /pay reaches the payments app through both sidecars', async () => {
  const before = app.seen.length;
  const r = await viaOrders('POST', '/pay');
  assert.equal(r.status, 200);
  assert.equal(app.seen.length, before + 1);
  assert.equal(app.seen[before]!.url, '/pay');
});

test('denied, no rule matched: 403 JSON with the request id, nothing reaches the app, access log names it', async () => {
  const before = app.seen.length;
  const r = await viaOrders('GET', '/admin/users');
  assert.equal(r.status, 403);
  const body = JSON.parse(r.body) as Record<string, string>;
  assert.equal(body['error'], 'rbac_denied');
  assert.equal(body['reason'], 'access denied');
  assert.equal(body['detail'], 'no rule matched');
  assert.equal(body['requestId'], r.headers['x-meshguard-request-id']);
  assert.equal(app.seen.length, before, 'the app saw nothing');
  const line = paymentsLog.find((l) => l['type'] === 'access' && l['requestId'] === body['requestId']);
  assert.ok(line, 'access log line');
  const rbac = line['rbac'] as Record<string, unknown>;
  assert.equal(rbac['decision'], 'deny');
  assert.equal(rbac['rule'], null);
  assert.match(String(rbac['policyVersion']), /^sha256:[0-9a-f]{16}$/);
  assert.equal(line['peer'], ORDERS);
});

test('denied by an explicit deny rule: the detail names policy.csv:19', async () => {
  const r = await viaOrders('POST', '/payments/42/refund');
  assert.equal(r.status, 403);
  assert.equal(JSON.parse(r.body).detail, 'policy.csv:19');
  // The same call from support is allowed through refund-operator.
  const s = await direct(leaves.support, 'POST', '/payments/42/refund');
  assert.equal(s.status, 200);
});

test('the caller is the certificate\'s SPIFFE ID and the path is the normalized one', async () => {
  assert.equal((await direct(leaves.stranger, 'GET', '/health')).status, 403);
  assert.equal((await direct(leaves.orders, 'GET', '/health')).status, 200);
  assert.equal((await direct(leaves.orders, 'GET', '/catalog/../admin/users')).status, 403);
  assert.equal((await direct(leaves.orders, 'GET', '/catalog/./x/../%73hoes')).status, 200);
  assert.equal(app.seen.at(-1)!.url, '/catalog/shoes');
});

test('metrics by decision and rule; /config_dump shows the policy version; outbound has no rbac filter', async () => {
  const admin = payments.adminAddress!.port;
  assert.ok((await metricValue(admin, 'rbac_decisions_total', { decision: 'deny', rule: 'policy.csv:19', mode: 'enforce' })) >= 1);
  assert.ok((await metricValue(admin, 'rbac_decisions_total', { decision: 'allow', rule: 'policy.csv:13' })) >= 1);
  assert.ok((await metricValue(admin, 'rbac_decisions_total', { decision: 'deny', rule: 'none' })) >= 1);
  const dump = JSON.parse((await httpReq({ port: admin, path: '/config_dump' })).body);
  const f = dump.filters.inbound.find((x: { name: string }) => x.name === 'rbac');
  assert.match(f.policyVersion, /^sha256:[0-9a-f]{16}$/);
  assert.equal(f.evaluator, 'compiled');
  const od = JSON.parse((await httpReq({ port: orders.adminAddress!.port, path: '/config_dump' })).body);
  assert.equal(od.filters.outbound.some((x: { name: string }) => x.name === 'rbac'), false);
});

test('an invalid policy on reload is refused with file:line, counted, and the old policy keeps answering', async () => {
  const admin = payments.adminAddress!.port;
  const policyFile = path.join(dir, 'policy.csv');
  const bad: Array<[string, RegExp]> = [
    ['g, role-a, role-b\ng, role-b, role-a\n', /policy\.csv:\d+: role cycle/],
    ['p, spiffe://Example.org/ns/x, /a, GET, allow\n', /policy\.csv:\d+: bad SPIFFE ID/],
    ['p, payment-client, /a, GET\n', /policy\.csv:\d+: expected 4 fields/],
    ['p, payment-client, "/a, GET, allow\n', /policy\.csv:\d+/],
    ['x, payment-client, /a, GET, allow\n', /policy\.csv:\d+: unknown policy type/],
  ];
  const versionBefore = JSON.parse((await httpReq({ port: admin, path: '/config_dump' })).body).version;
  try {
    for (const [extra, re] of bad) {
      await writeFile(policyFile, basePolicy + extra);
      const r = await httpReq({ port: admin, method: 'POST', path: '/reload' });
      assert.equal(r.status, 400, extra);
      assert.match(JSON.parse(r.body).error, re);
      assert.equal((await viaOrders('POST', '/pay')).status, 200, 'old policy still allows');
      assert.equal((await viaOrders('GET', '/admin/x')).status, 403, 'old policy still denies');
    }
  } finally {
    await writeFile(policyFile, basePolicy);
  }
  assert.ok((await metricValue(admin, 'rbac_policy_errors_total')) >= bad.length);
  assert.equal(JSON.parse((await httpReq({ port: admin, path: '/config_dump' })).body).version, versionBefore);
  assert.ok(paymentsLog.find((l) => l['event'] === 'reload_failed' && String(l['err']).includes('policy.csv:')));
});

test('100 reloads under continuous traffic: zero wrong decisions, zero failed requests, each new rule in force after its reload', async () => {
  const policyFile = path.join(dir, 'policy.csv');
  const agent = new Agent({ keepAlive: true, maxSockets: 4, cert: leaves.orders.certPem, key: leaves.orders.keyPem, ca: pki.ca.certPem, checkServerIdentity: () => undefined });
  const call = (method: string, p: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: payments.inboundAddress!.port, method, path: p, agent, headers: { host: 'payments' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  const expected: Array<[string, string, number]> = [
    ['POST', '/pay', 200],
    ['GET', '/admin/users', 403],
    ['POST', '/payments/9/refund', 403],
    ['GET', '/payments/9', 200],
  ];
  let running = true;
  let sent = 0;
  let wrong = 0;
  let failed = 0;
  const errors: string[] = [];
  const worker = async (w: number): Promise<void> => {
    let i = w;
    while (running) {
      const [m, p, want] = expected[i++ % expected.length]!;
      try {
        const got = await call(m, p);
        sent++;
        if (got !== want) {
          if (got === 200 || got === 403) wrong++;
          else failed++;
          errors.push(`${m} ${p}: ${got}`);
        }
      } catch (err) {
        failed++;
        errors.push(`${m} ${p}: ${(err as Error).message}`);
      }
    }
  };
  const workers = [0, 1, 2, 3].map((w) => worker(w));
  try {
    for (let i = 1; i <= 100; i++) {
      await writeFile(policyFile, basePolicy + `p, payment-client, /v/${i}, GET, allow\n`);
      const r = await payments.reload();
      assert.equal(r.ok, true, `reload ${i}: ${JSON.stringify(r)}`);
      assert.equal(await call('GET', `/v/${i}`), 200, `rule added by reload ${i} in force`);
      if (i > 1) assert.equal(await call('GET', `/v/${i - 1}`), 403, `rule removed by reload ${i} gone`);
    }
  } finally {
    running = false;
    await Promise.all(workers);
    agent.destroy();
    await writeFile(policyFile, basePolicy);
  }
  assert.ok(sent >= 100, `continuous traffic sent ${sent} requests`);
  assert.equal(wrong, 0, errors.slice(0, 5).join('; '));
  assert.equal(failed, 0, errors.slice(0, 5).join('; '));
});

test('audit mode lets a would-be denial through and logs it; the shadow policy counts and logs every difference', async () => {
  const adir = await mkdtemp(path.join(tmpdir(), 'meshguard-rbac-audit-'));
  await copyFile(path.join(dir, 'model.conf'), path.join(adir, 'model.conf'));
  await writeFile(path.join(adir, 'policy.csv'), basePolicy);
  // The candidate: opens /admin/* to payment clients and drops POST /pay.
  await writeFile(path.join(adir, 'candidate.csv'), basePolicy.replace('p, payment-client, /pay, POST, allow', '# /pay removed') + 'p, payment-client, /admin/*, GET, allow\n');
  const log = new LogCapture();
  const sc = (
    await startTestSidecar(paymentsConfig(leaves.payments, { model: 'model.conf', policy: 'policy.csv', mode: 'audit', shadow: { policy: 'candidate.csv' } }), { dir: adir, logger: log.logger, watchFiles: false })
  ).sidecar;
  try {
    const port = sc.inboundAddress!.port;
    const req = (method: string, p: string) => mtlsRequest({ port, cert: leaves.orders.certPem, key: leaves.orders.keyPem, ca: pki.ca.certPem, method, path: p });
    const a = await req('GET', '/admin/users');
    assert.equal(a.status, 200, 'audit mode allows');
    const would = log.find((l) => l['event'] === 'rbac_would_deny');
    assert.ok(would);
    assert.equal(would['rule'], 'no rule matched');
    const b = await req('POST', '/pay');
    assert.equal(b.status, 200);
    const c = await req('GET', '/health');
    assert.equal(c.status, 200);
    const admin = sc.adminAddress!.port;
    assert.equal(await metricValue(admin, 'rbac_shadow_diff_total', { change: 'deny_to_allow' }), 1);
    assert.equal(await metricValue(admin, 'rbac_shadow_diff_total', { change: 'allow_to_deny' }), 1);
    assert.equal(await metricValue(admin, 'rbac_decisions_total', { decision: 'deny', mode: 'audit' }), 1);
    const diff = log.find((l) => l['event'] === 'rbac_shadow_diff' && l['change'] === 'deny_to_allow');
    assert.ok(diff);
    assert.equal(diff['path'], '/admin/users');
    assert.equal(diff['shadowRule'], 'candidate.csv:23');
    const access = log.find((l) => l['type'] === 'access' && l['path'] === '/pay');
    const rbac = access!['rbac'] as { shadow: { decision: string; policyVersion: string }; policyVersion: string };
    assert.equal(rbac.shadow.decision, 'deny');
    assert.notEqual(rbac.shadow.policyVersion, rbac.policyVersion);
    const dump = JSON.parse((await httpReq({ port: admin, path: '/config_dump' })).body);
    const f = dump.filters.inbound.find((x: { name: string }) => x.name === 'rbac');
    assert.equal(f.mode, 'audit');
    assert.equal(f.shadow.policyVersion, rbac.shadow.policyVersion);
  } finally {
    await sc.stop({ drainTimeoutMs: 0 });
  }
});

test('mode off and a missing section build no rbac filter', async () => {
  for (const rbac of [{ model: path.join(dir, 'model.conf'), policy: path.join(dir, 'policy.csv'), mode: 'off' as const }, undefined]) {
    const sc = (await startTestSidecar(paymentsConfig(leaves.payments, rbac), { watchFiles: false })).sidecar;
    try {
      const r = await mtlsRequest({ port: sc.inboundAddress!.port, cert: leaves.stranger.certPem, key: leaves.stranger.keyPem, ca: pki.ca.certPem, path: '/admin' });
      assert.equal(r.status, 200);
    } finally {
      await sc.stop({ drainTimeoutMs: 0 });
    }
  }
});

test('a policy file change is picked up by the file watcher without any signal', async () => {
  const wdir = await mkdtemp(path.join(tmpdir(), 'meshguard-rbac-watch-'));
  await copyFile(path.join(dir, 'model.conf'), path.join(wdir, 'model.conf'));
  await writeFile(path.join(wdir, 'policy.csv'), basePolicy);
  const sc = (await startTestSidecar(paymentsConfig(leaves.payments, { model: 'model.conf', policy: 'policy.csv' }), { dir: wdir })).sidecar;
  try {
    const req = () => mtlsRequest({ port: sc.inboundAddress!.port, cert: leaves.orders.certPem, key: leaves.orders.keyPem, ca: pki.ca.certPem, path: '/watched' });
    assert.equal((await req()).status, 403);
    await writeFile(path.join(wdir, 'policy.csv'), basePolicy + 'p, payment-client, /watched, GET, allow\n');
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await req()).status;
    }
    assert.equal(status, 200, 'the new rule is in force after the file changed');
  } finally {
    await sc.stop({ drainTimeoutMs: 0 });
  }
});
