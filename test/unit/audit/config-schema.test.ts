import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { auditSchema } from '../../../src/audit/config-schema.js';
import { checkAuditConfig } from '../../../src/audit/filter.js';
import type { MeshguardConfig } from '../../../src/config/types.js';

// The same Ajv settings the config loader uses.
const validate = new Ajv({ allErrors: true, strict: false }).compile(auditSchema);

const issueExample = {
  sinks: [
    { name: 'local', type: 'file', dir: './audit', signingKey: './audit-key.pem', checkpoint: { records: 1000, seconds: 60 } },
    { name: 'bus', type: 'nats', url: 'nats://127.0.0.1:4222', stream: 'MESHGUARD_AUDIT', subject: 'meshguard.audit' },
    { name: 'shadow', type: 'http-shadow', route: 'payments' },
  ],
  mirror: [
    { match: { rbac: 'deny' }, sample: 1.0, sinks: ['local', 'bus'], capture: { headers: true, maxBodyBytes: 65536 } },
    { match: { pathPrefix: '/payments' }, sample: 0.1, sinks: ['local'] },
  ],
};

test('the example config of the issue is valid', () => {
  assert.equal(validate(issueExample), true, JSON.stringify(validate.errors));
});

test('missing sample, a file sink without key, an unknown key per sink type and a bad status are refused', () => {
  const cases: unknown[] = [
    { sinks: issueExample.sinks, mirror: [{ sinks: ['local'] }] },
    { sinks: [{ name: 'local', type: 'file', dir: './audit' }], mirror: [] },
    { sinks: [{ name: 'bus', type: 'nats', url: 'nats://x:4222', stream: 'S', subject: 's', dir: './oops' }], mirror: [] },
    { sinks: issueExample.sinks, mirror: [{ match: { status: '6xx' }, sample: 1, sinks: ['local'] }] },
    { sinks: issueExample.sinks, mirror: [{ match: { pathprefix: '/x' }, sample: 1, sinks: ['local'] }] },
    { sinks: issueExample.sinks, mirror: [{ sample: 1.5, sinks: ['local'] }] },
  ];
  for (const c of cases) assert.equal(validate(c), false, JSON.stringify(c));
});

test('cross checks: unknown sink in a rule, duplicate names, shadow route that does not exist', () => {
  const base = { trustDomain: 'example.org', identity: 'spiffe://example.org/a', certificates: { provider: 'files' }, outbound: { listen: '127.0.0.1:1', routes: [{ host: 'payments', endpoints: ['127.0.0.1:2'], spiffeIds: ['spiffe://example.org/p'] }] } } as unknown as MeshguardConfig;
  const bctx = { config: base, configFile: '/etc/mg.yaml' };
  assert.doesNotThrow(() => checkAuditConfig(issueExample as never, bctx));
  assert.throws(() => checkAuditConfig({ sinks: issueExample.sinks, mirror: [{ sample: 1, sinks: ['nope'] }] } as never, bctx), /\/etc\/mg\.yaml: audit\.mirror\[0\]\.sinks: unknown sink nope/);
  assert.throws(() => checkAuditConfig({ sinks: [issueExample.sinks[0], issueExample.sinks[0]], mirror: [] } as never, bctx), /used twice/);
  const noRoute = { ...bctx, config: { ...base, outbound: undefined } as MeshguardConfig };
  assert.throws(() => checkAuditConfig(issueExample as never, noRoute), /no outbound route with host payments/);
});
