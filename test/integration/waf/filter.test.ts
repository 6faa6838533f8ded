import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeTestPki, type TestPki } from '../../helpers/pki.js';
import { startEchoApp, type EchoApp } from '../../helpers/apps.js';
import { startTestSidecar, LogCapture } from '../../helpers/mesh.js';
import { metricValue, mtlsRequest, type Reply } from '../../helpers/client.js';
import { sharedDir } from '../../../src/paths.js';
import type { Sidecar } from '../../../src/sidecar.js';
import type { MeshguardConfig } from '../../../src/config/types.js';
import type { WafConfig } from '../../../src/waf/config-schema.js';

const TD = 'example.org';
const ORDERS = 'spiffe://example.org/ns/shop/sa/orders';
const PAYMENTS = 'spiffe://example.org/ns/shop/sa/payments';
const SCANNER = 'spiffe://example.org/ns/sec/sa/scanner';

type Leaf = { cert: string; key: string; certPem: string; keyPem: string };
let pki: TestPki;
let app: EchoApp;
let dir: string;
let leaves: Record<'payments' | 'orders' | 'scanner', Leaf>;
const running: Sidecar[] = [];

before(async () => {
  pki = await makeTestPki(TD);
  app = await startEchoApp();
  leaves = {
    payments: await pki.leaf('payments', { uris: [PAYMENTS] }),
    orders: await pki.leaf('orders', { uris: [ORDERS] }),
    scanner: await pki.leaf('scanner', { uris: [SCANNER] }),
  };
  dir = await mkdtemp(path.join(tmpdir(), 'meshguard-waf-'));
});

after(async () => {
  for (const s of running) await s.stop({ drainTimeoutMs: 0 });
  await app?.close();
});

function config(waf: WafConfig): MeshguardConfig {
  return {
    trustDomain: TD,
    identity: PAYMENTS,
    certificates: { provider: 'files', files: { cert: leaves.payments.cert, key: leaves.payments.key, bundle: pki.bundle } },
    inbound: { listen: '127.0.0.1:0', app: `http://127.0.0.1:${app.port}` },
    admin: { listen: '127.0.0.1:0' },
    responses: { showDenyDetail: true },
    waf,
  };
}

async function sidecar(waf: WafConfig, log = new LogCapture()): Promise<{ s: Sidecar; log: LogCapture; file: string }> {
  const { sidecar: s, file } = await startTestSidecar(config(waf), { dir, logger: log.logger, watchFiles: false });
  running.push(s);
  return { s, log, file };
}

function call(s: Sidecar, who: Leaf, p: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return mtlsRequest({ port: s.inboundAddress!.port, cert: who.certPem, key: who.keyPem, ca: pki.ca.certPem, path: p, ...opts });
}

test('block mode (baseline rules): an attack gets 403 JSON naming rules and score; the app sees nothing; access log carries the outcome', async () => {
  const { s, log } = await sidecar({ mode: 'block' });
  const before = app.seen.length;
  const ok = await call(s, leaves.orders, '/items?id=42');
  assert.equal(ok.status, 200);
  assert.equal(app.seen.length, before + 1);
  const r = await call(s, leaves.orders, "/items?id=1'%20or%20'1'='1");
  assert.equal(r.status, 403);
  const body = JSON.parse(r.body) as Record<string, string>;
  assert.equal(body['error'], 'waf_blocked');
  assert.equal(body['reason'], 'request blocked');
  assert.match(body['detail']!, /^rules [\d,]*100200[\d,]*109900 score \d+$/);
  assert.equal(body['requestId'], r.headers['x-meshguard-request-id']);
  assert.equal(app.seen.length, before + 1, 'the app saw nothing');
  const line = log.find((l) => l['type'] === 'access' && l['requestId'] === body['requestId']);
  assert.ok(line);
  const waf = line['waf'] as Record<string, unknown>;
  assert.equal(waf['action'], 'block');
  assert.ok((waf['ruleIds'] as number[]).includes(100200));
  assert.ok(Number(waf['score']) >= 5);
  // the body is inspected too (phase 2)
  const b = await call(s, leaves.orders, '/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"q":"<script>alert(1)</script>"}' });
  assert.equal(b.status, 403);
  assert.ok((await metricValue(s.adminAddress!.port, 'waf_requests_total', { listener: 'inbound', action: 'block' })) >= 2);
  assert.ok((await metricValue(s.adminAddress!.port, 'waf_rule_matches_total', { rule: '109900' })) >= 2);
});

test('detect mode: the request goes through and the log says what would have blocked', async () => {
  const { s, log } = await sidecar({ mode: 'detect' });
  const before = app.seen.length;
  const r = await call(s, leaves.orders, '/search?q=%3Cscript%3Ealert(1)%3C/script%3E');
  assert.equal(r.status, 200);
  assert.equal(app.seen.length, before + 1);
  const rid = r.headers['x-meshguard-request-id'];
  const warn = log.find((l) => l['event'] === 'waf_would_block' && l['requestId'] === rid);
  assert.ok(warn, 'would-block log line');
  assert.equal(warn['rule'], 109900);
  const access = log.find((l) => l['type'] === 'access' && l['requestId'] === rid);
  assert.equal((access?.['waf'] as Record<string, unknown>)['action'], 'would-block');
});

test('exclusions by caller SPIFFE ID and path; body over the limit: 413 or partial inspection', async () => {
  const { s } = await sidecar({
    mode: 'block', requestBodyLimit: 1024, onBodyLimit: 'reject',
    exclusions: [{ spiffeId: SCANNER, ruleIds: [100200, 109900] }, { pathPrefix: '/docs/', tags: ['meshguard/xss'] }],
  });
  const sqli = "/items?id=1'%20or%20'1'='1";
  assert.equal((await call(s, leaves.orders, sqli)).status, 403);
  assert.equal((await call(s, leaves.scanner, sqli)).status, 200, 'excluded for this caller only');
  assert.equal((await call(s, leaves.orders, '/docs/x?q=%3Cscript%3E')).status, 200, 'xss rules off under /docs/');
  assert.equal((await call(s, leaves.orders, '/api/x?q=%3Cscript%3E')).status, 403);
  const big = 'a='.concat('x'.repeat(4000));
  const r = await call(s, leaves.orders, '/upload', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: big });
  assert.equal(r.status, 413);
  assert.equal(JSON.parse(r.body).error, 'body_too_large');
  // non-file bytes have their own limit (every rule reads them); uploaded file contents do not count
  const { s: nofiles } = await sidecar({ mode: 'detect', requestBodyNoFilesLimit: 1000 });
  const form = await call(nofiles, leaves.orders, '/form', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a='.concat('x'.repeat(2000)) });
  assert.equal(form.status, 413, 'refused even in detect mode: a resource limit, not a rule');
  const upload = '--b\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\n'.concat('y'.repeat(20000), '\r\n--b--\r\n');
  assert.equal((await call(nofiles, leaves.orders, '/up', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b' }, body: upload })).status, 200);
  const { s: partial } = await sidecar({ mode: 'block', requestBodyLimit: 1024, onBodyLimit: 'partial' });
  assert.equal((await call(partial, leaves.orders, '/upload', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: big })).status, 200);
  const attackFirst = "a=1'%20or%20'1'='1&b=".concat('x'.repeat(4000));
  assert.equal((await call(partial, leaves.orders, '/upload', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: attackFirst })).status, 403, 'the first bytes are inspected');
});

test('a rule file that does not compile is refused at reload: the running rules stay', async () => {
  const rules = path.join(dir, 'custom.conf');
  await writeFile(rules, 'SecRule ARGS:x "@streq bad" "id:1,phase:2,deny,status:403"\n');
  const { s, file } = await sidecar({ mode: 'block', rules: [rules] });
  assert.equal((await call(s, leaves.orders, '/?x=bad')).status, 403);
  await writeFile(rules, 'SecRule ARGS:x "@streq bad" "id:1,phase:2,deny,status:403"\nSecRule ARGS "@rx (?=no)" "id:2,phase:2,deny"\n');
  const res = await s.reload();
  assert.equal(res.ok, false);
  assert.match(String((res as { error?: string }).error), /custom\.conf:2: rule 2: .*invalid perl operator/);
  assert.equal((await call(s, leaves.orders, '/?x=bad')).status, 403, 'old rules still enforced');
  await writeFile(rules, 'SecRule ARGS:x "@streq worse" "id:1,phase:2,deny,status:403"\n');
  assert.equal((await s.reload()).ok, true);
  assert.equal((await call(s, leaves.orders, '/?x=bad')).status, 200);
  assert.equal((await call(s, leaves.orders, '/?x=worse')).status, 403);
  void file;
});

test('OWASP CRS at paranoia 1 in the proxy: blocks an attack, passes a plain request, inspects responses when asked', { skip: !sharedDir && 'no shared dir' }, async () => {
  const { s } = await sidecar({ mode: 'block', crs: path.join(sharedDir, 'crs'), paranoia: 1, inspectResponse: true });
  assert.equal((await call(s, leaves.orders, '/products/42?color=blue', { headers: { accept: 'text/html', 'user-agent': 'test' } })).status, 200);
  const r = await call(s, leaves.orders, '/?file=../../../../etc/passwd', { headers: { accept: 'text/html', 'user-agent': 'test' } });
  assert.equal(r.status, 403);
  assert.match(JSON.parse(r.body).detail, /949110/);
});

test('inspectResponse: a response that leaks a SQL error is replaced by a 403 (CRS phase 4)', async () => {
  const { createServer } = await import('node:http');
  const leaky = createServer((req, res) => {
    if (req.url === '/leak') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Warning: mysql_fetch_array() expects parameter 1 to be resource, boolean given in /var/www/x.php on line 3. You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version</body></html>');
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>fine</body></html>');
    }
  });
  await new Promise<void>((r) => leaky.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (leaky.address() as { port: number }).port;
    const log = new LogCapture();
    const { sidecar: s } = await startTestSidecar({ ...config({ mode: 'block', crs: path.join(sharedDir, 'crs'), paranoia: 1, inspectResponse: true }), inbound: { listen: '127.0.0.1:0', app: `http://127.0.0.1:${port}` } }, { dir, logger: log.logger, watchFiles: false });
    running.push(s);
    const headers = { accept: 'text/html', 'user-agent': 'test' };
    const fine = await call(s, leaves.orders, '/ok', { headers });
    assert.equal(fine.status, 200);
    assert.match(fine.body, /fine/);
    const r = await call(s, leaves.orders, '/leak', { headers });
    assert.equal(r.status, 403);
    assert.doesNotMatch(r.body, /SQL syntax/, 'the leaking body never reaches the caller');
    assert.match(JSON.parse(r.body).detail, /959100/);
    // without inspectResponse the same response passes
    const { sidecar: off } = await startTestSidecar({ ...config({ mode: 'block', crs: path.join(sharedDir, 'crs'), paranoia: 1 }), inbound: { listen: '127.0.0.1:0', app: `http://127.0.0.1:${port}` } }, { dir, watchFiles: false });
    running.push(off);
    assert.equal((await call(off, leaves.orders, '/leak', { headers })).status, 200);
  } finally {
    leaky.closeAllConnections();
    await new Promise<void>((r) => leaky.close(() => r()));
  }
});

test('config errors: an exclusion must be scoped and name rules; a rule glob must match', async () => {
  await assert.rejects(sidecar({ mode: 'block', exclusions: [{ spiffeId: SCANNER }] }), /name ruleIds or tags/);
  await assert.rejects(sidecar({ mode: 'block', exclusions: [{ ruleIds: [1] }] }), /scope it with route, spiffeId or pathPrefix/);
  await assert.rejects(sidecar({ mode: 'block', rules: [path.join(dir, 'missing-*.conf')] }), /no rule file matches/);
});
