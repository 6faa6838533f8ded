import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../../src/paths.js';
import { lintPolicy } from '../../../src/rbac/lint.js';

const mainJs = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mg-rbac-cli-'));
const ORDERS = 'spiffe://example.org/ns/shop/sa/orders';

/** Runs `meshguard ARGS` in a child process (the CLI prints and sets the exit code). */
function meshguard(args: string[], cwd = repoRoot): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { main } from ${JSON.stringify(mainJs)}; process.exitCode = await main(process.argv.slice(1));`, '--', ...args], { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function policyDir(name: string, policy: string): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  copyFileSync(join(repoRoot, 'policies/rbac/model.conf'), join(d, 'model.conf'));
  writeFileSync(join(d, 'policy.csv'), policy);
  return d;
}

const demoPolicy = readFileSync(join(repoRoot, 'policies/rbac/policy.csv'), 'utf8');

test('lint: the demo policy is clean', async () => {
  const r = await lintPolicy({ model: join(repoRoot, 'policies/rbac/model.conf'), policy: join(repoRoot, 'policies/rbac/policy.csv') });
  assert.equal(r.ok, true);
  assert.deepEqual(r.findings, []);
  assert.equal(r.rules, 7);
});

test('lint: finds unknown subjects and methods (errors), unreachable, never-granted, duplicated and shadowed rules (warnings)', async () => {
  const d = policyDir(
    'lint',
    [
      `g, ${ORDERS}, reader`,
      'g, orphan-parent, ghost',
      'p, reader, /a, GET, allow',
      'p, reader, /a, GET, allow',
      'p, ordrs, /b, GET, allow',
      'p, reader, /c, GTE, allow',
      'p, ghost, /d, GET, allow',
      'p, nobody-role, /e, GET, allow',
      `p, reader, /admin/x, GET, allow`,
      `p, ${ORDERS}, /admin/*, *, deny`,
      'g, nobody-role-child, nobody-role',
      '',
    ].join('\n'),
  );
  const r = await lintPolicy({ model: join(d, 'model.conf'), policy: join(d, 'policy.csv') });
  const got = r.findings.map((f) => `${f.line}:${f.severity}:${f.code}`);
  assert.equal(r.ok, false);
  for (const want of ['4:warning:duplicate', '5:error:subject', '6:error:method', '7:warning:unreachable', '8:warning:unreachable', '2:warning:role-never-granted']) {
    assert.ok(got.includes(want), `${want} in ${got.join(', ')}`);
  }
  // The /admin/x allow is held by reader; orders holds reader, but the deny only names orders, so
  // other holders of reader may still use it: not shadowed. A deny on the role itself shadows it.
  assert.ok(!got.includes('9:warning:shadowed'));
  const d2 = policyDir('lint2', `g, ${ORDERS}, reader\np, reader, /admin/x, GET, allow\np, reader, /admin/*, *, deny\n`);
  const r2 = await lintPolicy({ model: join(d2, 'model.conf'), policy: join(d2, 'policy.csv') });
  assert.deepEqual(r2.findings.map((f) => `${f.line}:${f.code}`), ['2:shadowed']);
  assert.equal(r2.ok, true, 'warnings alone do not fail lint');
});

test('lint CLI: exit 1 on errors, 0 when clean, --json, syntax errors with file:line', () => {
  const ok = meshguard(['policy', 'lint', '--json']);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(JSON.parse(ok.out).ok, true);
  const bad = policyDir('lint-bad', 'g, a, b\ng, b, a\n');
  const r = meshguard(['policy', 'lint', '--model', join(bad, 'model.conf'), '--policy', join(bad, 'policy.csv')]);
  assert.equal(r.code, 1);
  assert.match(r.out, /policy\.csv:2: error: role cycle: .* \[syntax\]/);
  const j = meshguard(['policy', 'lint', '--json', '--model', join(bad, 'model.conf'), '--policy', join(bad, 'policy.csv')]);
  assert.equal(j.code, 1);
  assert.equal(JSON.parse(j.out).findings[0].line, 2);
});

test('test CLI: the demo cases pass with full coverage; failures, JUnit and --min-coverage', () => {
  const r = meshguard(['policy', 'test', '--coverage', '--json']);
  assert.equal(r.code, 0, r.out + r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.failed, 0);
  assert.equal(j.passed, 10);
  assert.equal(j.coverage.percent, 100);

  const d = policyDir('test', demoPolicy + 'p, payment-client, /extra, GET, allow\n');
  const cases = join(d, 'cases.yaml');
  writeFileSync(
    cases,
    [
      'cases:',
      `  - { sub: "${ORDERS}", method: POST, path: /pay, expect: allow, rule: policy.csv:13 }`,
      `  - { sub: "${ORDERS}", method: GET, path: /admin, expect: allow }`,
      `  - { sub: "${ORDERS}", method: POST, path: /payments/1/refund, expect: deny, rule: policy.csv:15 }`,
      `  - { sub: "${ORDERS}", method: GET, path: "/a/%2Fb", expect: deny }`,
      '',
    ].join('\n'),
  );
  const junit = join(d, 'junit.xml');
  const f = meshguard(['policy', 'test', cases, '--model', join(d, 'model.conf'), '--policy', join(d, 'policy.csv'), '--junit', junit, '--coverage']);
  assert.equal(f.code, 1);
  assert.match(f.out, /FAIL {2}GET \/admin as .*\n.*cases\.yaml:3: expected allow, got deny \(no rule matched\)/);
  assert.match(f.out, /expected deciding rule policy\.csv:15, got .*policy\.csv:19/);
  assert.match(f.out, /2 passed, 2 failed/);
  assert.match(f.out, /not exercised: .*policy\.csv:23 {2}payment-client, \/extra, GET, allow/);
  const xml = readFileSync(junit, 'utf8');
  assert.match(xml, /<testsuite name="meshguard policy test" [^>]*tests="4" failures="2"/);
  assert.equal((xml.match(/<failure /g) ?? []).length, 2);

  writeFileSync(cases, `- { sub: "${ORDERS}", method: POST, path: /pay, expect: allow }\n`);
  const cov = meshguard(['policy', 'test', cases, '--model', join(d, 'model.conf'), '--policy', join(d, 'policy.csv'), '--min-coverage', '50']);
  assert.equal(cov.code, 1);
  assert.match(cov.out, /coverage 12\.5% is under 50%/);
  const cov2 = meshguard(['policy', 'test', cases, '--model', join(d, 'model.conf'), '--policy', join(d, 'policy.csv'), '--min-coverage', '10']);
  assert.equal(cov2.code, 0, cov2.out);

  const missing = meshguard(['policy', 'test', join(d, 'nope.yaml')]);
  assert.equal(missing.code, 3);
  assert.match(missing.err, /nope\.yaml: cannot read/);
});

test('explain CLI: decision, deciding rule with file:line, role chain, other matches; normalizes the path', () => {
  const deny = meshguard(['policy', 'explain', '--sub', ORDERS, '--method', 'POST', '--path', '/payments/7/refund', '--json']);
  assert.equal(deny.code, 1);
  const j = JSON.parse(deny.out);
  assert.equal(j.decision, 'deny');
  assert.equal(j.rule.origin, 'policies/rbac/policy.csv:19');
  assert.deepEqual(j.otherMatches.map((r: { origin: string }) => r.origin), ['policies/rbac/policy.csv:15']);
  const allow = meshguard(['policy', 'explain', '--sub', ORDERS, '--method', 'get', '--path', '/payments/../catalog/./x']);
  assert.equal(allow.code, 0);
  assert.match(allow.out, /^ALLOW {2}GET \/catalog\/x \(normalized from \/payments\/\.\.\/catalog\/\.\/x\)/);
  assert.match(allow.out, /-> payment-client {2}\(policies\/rbac\/policy\.csv:3\)\n {2}-> shop-reader {2}\(policies\/rbac\/policy\.csv:4\)/);
  const refused = meshguard(['policy', 'explain', '--sub', ORDERS, '--method', 'GET', '--path', '/a%2fb']);
  assert.equal(refused.code, 1);
  assert.match(refused.out, /refused before any policy/);
});

test('--config reads rbac.model and rbac.policy relative to the config file', () => {
  const d = policyDir('cfg', demoPolicy);
  const cfg = join(d, 'meshguard.yaml');
  writeFileSync(
    cfg,
    [
      'trustDomain: example.org',
      `identity: spiffe://example.org/ns/shop/sa/payments`,
      'certificates: { provider: files, files: { cert: c.pem, key: k.pem, bundle: b.pem } }',
      'inbound: { listen: 127.0.0.1:15006, app: "http://127.0.0.1:8080" }',
      'rbac: { model: model.conf, policy: policy.csv }',
      '',
    ].join('\n'),
  );
  const r = meshguard(['policy', 'explain', '--config', cfg, '--sub', ORDERS, '--method', 'POST', '--path', '/pay', '--json']);
  assert.equal(r.code, 0, r.out + r.err);
  assert.equal(JSON.parse(r.out).rule.origin, 'policy.csv:13');
  // lint knows the trust domain from the config: an ID from another one can never call this sidecar.
  writeFileSync(join(d, 'policy.csv'), demoPolicy + 'p, spiffe://other.org/ns/x/sa/y, /pay, POST, allow\n');
  const l = meshguard(['policy', 'lint', '--config', cfg, '--json']);
  assert.equal(l.code, 0, l.out + l.err);
  assert.deepEqual(JSON.parse(l.out).findings.map((f: { line: number; code: string }) => `${f.line}:${f.code}`), ['23:trust-domain']);
});

test('diff CLI: widening exits 2 with the rules responsible; narrowing only exits 0; identical policies show no change', () => {
  const base = policyDir('base', demoPolicy);
  const wider = policyDir('wider', demoPolicy.replace(`p, ${ORDERS}, /payments/:id/refund, POST, deny`, '# refund deny removed'));
  const w = meshguard(['policy', 'diff', '--base', base, '--head', wider, '--json']);
  assert.equal(w.code, 2, w.out + w.err);
  const j = JSON.parse(w.out);
  assert.equal(j.widens, true);
  const c = j.widened.find((x: { subject: string }) => x.subject === ORDERS);
  assert.equal(c.method, 'POST');
  assert.equal(c.pathClass, '/payments/:id/refund');
  assert.match(c.baseRule.origin, /base\/policy\.csv:19$/);
  assert.match(c.headRule.origin, /wider\/policy\.csv:15$/);
  assert.equal(j.narrowed.length, 0);

  const md = meshguard(['policy', 'diff', '--base', base, '--head', wider, '--format', 'md']);
  assert.equal(md.code, 2);
  assert.match(md.out, /\*\*Access widens\*\*/);
  assert.match(md.out, /\| `spiffe:\/\/example\.org\/ns\/shop\/sa\/orders` \| POST \| `\/payments\/:id\/refund` \|/);

  const narrower = policyDir('narrower', demoPolicy.replace('p, shop-reader, /health, GET, allow', '# health removed'));
  const n = meshguard(['policy', 'diff', '--base', base, '--head', narrower, '--json']);
  assert.equal(n.code, 0);
  const nj = JSON.parse(n.out);
  assert.equal(nj.widened.length, 0);
  assert.ok(nj.narrowed.some((x: { subject: string; pathClass: string }) => x.subject === 'shop-reader' && x.pathClass === '/health'));

  const same = meshguard(['policy', 'diff', '--base', base, '--head', base]);
  assert.equal(same.code, 0);
  assert.match(same.out, /no change in effective permissions/);

  const badRev = meshguard(['policy', 'diff', '--base', 'no-such-rev-xyz']);
  assert.equal(badRev.code, 3);
  assert.match(badRev.err, /no-such-rev-xyz:policies\/rbac\/model\.conf: cannot read from git/);
});

test('diff CLI against a git revision: the committed policy is the base, the working tree the head', () => {
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, 'policies/rbac'), { recursive: true });
  copyFileSync(join(repoRoot, 'policies/rbac/model.conf'), join(repo, 'policies/rbac/model.conf'));
  writeFileSync(join(repo, 'policies/rbac/policy.csv'), demoPolicy);
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  const same = meshguard(['policy', 'diff', '--base', 'HEAD'], repo);
  assert.equal(same.code, 0, same.out + same.err);
  writeFileSync(join(repo, 'policies/rbac/policy.csv'), demoPolicy + 'p, shop-reader, /admin/*, GET, allow\n');
  const wider = meshguard(['policy', 'diff', '--base', 'HEAD', '--json'], repo);
  assert.equal(wider.code, 2, wider.out + wider.err);
  const j = JSON.parse(wider.out);
  assert.ok(j.widened.some((c: { subject: string; pathClass: string; baseRule: unknown; headRule: { origin: string } }) => c.subject === ORDERS && c.pathClass === '/admin/*' && c.baseRule === null && c.headRule.origin === 'policies/rbac/policy.csv:23'));
  assert.equal(j.narrowed.length, 0);
});
