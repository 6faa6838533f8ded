import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseConfig, loadConfig } from '../../../src/config/load.js';
import { UserInputErrors } from '../../../src/errors.js';
import { configSchema } from '../../../src/config/schema.js';
import { repoRoot } from '../../../src/paths.js';

const GOOD = `trustDomain: example.org
identity: spiffe://example.org/ns/shop/sa/orders
certificates:
  provider: files
  files: { cert: c.pem, key: k.pem, bundle: b.pem }
outbound:
  listen: 127.0.0.1:15001
  routes:
    - host: payments
      endpoints: [127.0.0.1:16006]
      spiffeIds: [spiffe://example.org/ns/shop/sa/payments]
`;

function errorsOf(text: string): string[] {
  try {
    parseConfig(text, '/etc/mg.yaml');
  } catch (err) {
    assert.ok(err instanceof UserInputErrors, String(err));
    return err.errors.map((e) => e.message);
  }
  assert.fail('expected errors');
}

test('a valid config parses; inbound may be absent', () => {
  const c = parseConfig(GOOD, 'x.yaml');
  assert.equal(c.outbound?.routes[0]?.host, 'payments');
  assert.equal(c.inbound, undefined);
});

test('unknown keys are errors naming file, line and key', () => {
  const errs = errorsOf(GOOD.replace('  listen: 127.0.0.1:15001', '  listen: 127.0.0.1:15001\n  listne: 1'));
  assert.deepEqual(errs, ['/etc/mg.yaml:8: outbound.listne: unknown key']);
  const nested = errorsOf(GOOD.replace('      endpoints:', '      endpoint: x\n      endpoints:'));
  assert.ok(nested.includes('/etc/mg.yaml:10: outbound.routes.0.endpoint: unknown key'), nested.join('\n'));
});

test('missing keys, bad values and bad SPIFFE IDs name the line', () => {
  assert.ok(errorsOf(GOOD.replace('trustDomain: example.org\n', '')).some((e) => e.includes('trustDomain: required key is missing')));
  const bad = errorsOf(GOOD.replace('spiffeIds: [spiffe://example.org/ns/shop/sa/payments]', 'spiffeIds: [https://payments]'));
  assert.ok(bad.some((e) => e.startsWith('/etc/mg.yaml:11: outbound.routes.0.spiffeIds.0')), bad.join('\n'));
  const td = errorsOf(GOOD.replace('identity: spiffe://example.org/', 'identity: spiffe://other.org/'));
  assert.ok(td.some((e) => e.startsWith('/etc/mg.yaml:2: identity: trust domain other.org')), td.join('\n'));
  const prov = errorsOf(GOOD.replace('provider: files', 'provider: vault'));
  assert.ok(prov.some((e) => e.includes('certificates.provider: must be one of')), prov.join('\n'));
  const none = errorsOf(GOOD.split('outbound:')[0]!);
  assert.ok(none.some((e) => e.includes('at least one of inbound or outbound')));
});

test('YAML syntax errors and duplicate keys carry line numbers', () => {
  const syn = errorsOf('trustDomain: example.org\nidentity: [unclosed\n');
  assert.match(syn[0]!, /^\/etc\/mg\.yaml:\d+:\d+: /);
  const dup = errorsOf(GOOD + 'trustDomain: again.org\n');
  assert.match(dup[0]!, /^\/etc\/mg\.yaml:12:1: .*[Mm]ap keys must be unique/);
});

test('the demo configs and meshguard.yaml are valid', async () => {
  for (const f of ['demo/orders.yaml', 'demo/payments.yaml', 'meshguard.yaml']) {
    const loaded = await loadConfig(path.join(repoRoot, f));
    assert.ok(loaded.config.identity.startsWith('spiffe://'), f);
  }
});

test('the published JSON Schema file matches the code', async () => {
  const published = JSON.parse(await readFile(path.join(repoRoot, 'schema', 'meshguard.schema.json'), 'utf8'));
  assert.deepEqual(published, JSON.parse(JSON.stringify(configSchema)), 'run: node bin/meshguard.js config schema > schema/meshguard.schema.json');
});
