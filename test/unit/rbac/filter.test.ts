import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Registry } from 'prom-client';
import { RequestContext, type ListenerKind, type RequestHead } from '../../../src/proxy/context.js';
import type { FilterBuildContext } from '../../../src/proxy/filter.js';
import { rbacFilterFactory } from '../../../src/rbac/filter.js';
import { repoRoot } from '../../../src/paths.js';
import { createLogger } from '../../../src/log.js';
import type { MeshguardConfig } from '../../../src/config/types.js';

const ORDERS = 'spiffe://example.org/ns/shop/sa/orders';

function bctx(listener: ListenerKind, rbac: MeshguardConfig['rbac'], watched: string[] = []): FilterBuildContext {
  return {
    config: { trustDomain: 'example.org', identity: 'spiffe://example.org/ns/shop/sa/payments', certificates: { provider: 'files' }, ...(rbac ? { rbac } : {}) } as MeshguardConfig,
    configFile: path.join(repoRoot, 'meshguard.yaml'),
    configDir: repoRoot,
    listener,
    logger: createLogger({ level: 'silent' }),
    metrics: new Registry(),
    shared: new Map(),
    onShutdown: () => undefined,
    watch: (f) => watched.push(f),
    routeDispatcher: () => undefined,
  };
}

function ctx(method: string, p: string, peer: string | null): RequestContext {
  const req: RequestHead = { method, url: p, httpVersion: '1.1', rawHeaders: [], headers: {}, socket: {}, complete: true };
  return new RequestContext({
    requestId: 'req-1',
    listener: 'inbound',
    req,
    peer: peer ? { spiffeId: peer, certSha256: '00', serial: '01' } : null,
    ourIdentity: 'spiffe://example.org/ns/shop/sa/payments',
    path: p,
    query: '',
    authority: 'payments',
    startNs: process.hrtime.bigint(),
  });
}

const RBAC = { model: 'policies/rbac/model.conf', policy: 'policies/rbac/policy.csv' };

test('applies on inbound only, and only with an rbac section; watches the files it read', async () => {
  assert.equal(await rbacFilterFactory.build(bctx('outbound', RBAC)), null);
  assert.equal(await rbacFilterFactory.build(bctx('inbound', undefined)), null);
  const watched: string[] = [];
  const f = await rbacFilterFactory.build(bctx('inbound', { ...RBAC, shadow: { policy: 'policies/rbac/policy.csv' } }, watched));
  assert.ok(f);
  assert.deepEqual(watched, [RBAC.model, RBAC.policy, RBAC.model, RBAC.policy]);
});

test('decision, outcome, roles for the audit mirror and the denial shape', async () => {
  const f = (await rbacFilterFactory.build(bctx('inbound', RBAC)))!;
  const ok = ctx('POST', '/pay', ORDERS);
  assert.equal(f.onRequestHeaders!(ok), undefined);
  assert.deepEqual(ok.ext['rbac'], { roles: ['payment-client', 'shop-reader'] });
  assert.equal(ok.rbac!.decision, 'allow');
  assert.equal(ok.rbac!.rule, 'policies/rbac/policy.csv:13');
  assert.equal(ok.rbac!.mode, 'enforce');

  const none = ctx('GET', '/admin/x', ORDERS);
  assert.deepEqual(f.onRequestHeaders!(none), { status: 403, error: 'rbac_denied', reason: 'access denied', detail: 'no rule matched' });
  assert.deepEqual(none.rbac, { decision: 'deny', rule: null, policyVersion: f.describe!()['policyVersion'], mode: 'enforce' });

  const rule = ctx('POST', '/payments/3/refund', ORDERS);
  assert.deepEqual(f.onRequestHeaders!(rule), { status: 403, error: 'rbac_denied', reason: 'access denied', detail: 'policies/rbac/policy.csv:19' });

  const stranger = ctx('GET', '/health', 'spiffe://example.org/ns/x/sa/y');
  assert.ok(f.onRequestHeaders!(stranger));
  assert.deepEqual(stranger.ext['rbac'], { roles: [] });

  // No verified peer on inbound cannot happen with mTLS; if it did, fail closed.
  assert.equal((f.onRequestHeaders!(ctx('GET', '/health', null)) as { status: number } | undefined)?.status, 403);
});

test('describe() gives the policy version and evaluator for /config_dump', async () => {
  const f = (await rbacFilterFactory.build(bctx('inbound', { ...RBAC, mode: 'audit' })))!;
  const d = f.describe!();
  assert.match(String(d['policyVersion']), /^sha256:[0-9a-f]{16}$/);
  assert.equal(d['evaluator'], 'compiled');
  assert.equal(d['mode'], 'audit');
  assert.equal(d['rules'], 7);
  // audit: a would-be denial lets the request through but records the deny.
  const c = ctx('GET', '/admin', ORDERS);
  assert.equal(f.onRequestHeaders!(c), undefined);
  assert.equal(c.rbac!.decision, 'deny');
  assert.equal(c.rbac!.mode, 'audit');
});

test('a broken policy throws a UserInputError naming file and line', async () => {
  await assert.rejects(rbacFilterFactory.build(bctx('inbound', { model: 'policies/rbac/model.conf', policy: 'policies/rbac/tests.yaml' })), (err: Error) => {
    assert.equal(err.name, 'UserInputError');
    assert.match(err.message, /^policies\/rbac\/tests\.yaml:\d+: /);
    return true;
  });
});
