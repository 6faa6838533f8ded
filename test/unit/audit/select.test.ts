import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules, selectRule } from '../../../src/audit/select.js';
import type { MirrorRule } from '../../../src/audit/config-schema.js';
import { UserInputError } from '../../../src/errors.js';
import { makeCtx } from './fixtures.js';

const one = (match: MirrorRule['match']) => compileRules([{ match, sample: 1, sinks: ['s'] }], 'meshguard.yaml');
const hit = (match: MirrorRule['match'], ctx: ReturnType<typeof makeCtx>) => selectRule(one(match), ctx) !== null;

test('listener, route and host', () => {
  const ctx = makeCtx({ listener: 'outbound', authority: 'Payments:8080' });
  ctx.route = { name: 'payments', host: 'payments', endpoints: ['127.0.0.1:1'], spiffeIds: [] };
  assert.equal(hit({ listener: 'outbound' }, ctx), true);
  assert.equal(hit({ listener: 'inbound' }, ctx), false);
  assert.equal(hit({ route: 'payments' }, ctx), true);
  assert.equal(hit({ route: 'orders' }, ctx), false);
  assert.equal(hit({ host: 'payments' }, ctx), true);
  assert.equal(hit({ host: 'other' }, ctx), false);
});

test('path as RE2 pattern and as prefix; method', () => {
  const ctx = makeCtx({ path: '/payments/42/refund', method: 'POST' });
  assert.equal(hit({ pathPrefix: '/payments/' }, ctx), true);
  assert.equal(hit({ pathPrefix: '/pay/' }, ctx), false);
  assert.equal(hit({ path: '^/payments/[0-9]+/refund$' }, ctx), true);
  assert.equal(hit({ path: '^/payments/[a-z]+$' }, ctx), false);
  assert.equal(hit({ method: ['GET', 'post'] }, ctx), true);
  assert.equal(hit({ method: 'GET' }, ctx), false);
});

test('patterns RE2 cannot run (backreferences) are refused with the config file named', () => {
  assert.throws(() => one({ path: '^(a)\\1$' }), (e: unknown) => e instanceof UserInputError && /meshguard\.yaml: audit\.mirror\[0\]\.match\.path/.test(e.message));
});

test('caller SPIFFE ID (exact and pattern) and role', () => {
  const ctx = makeCtx();
  ctx.ext['rbac'] = { roles: ['auditor', 'reader'] };
  assert.equal(hit({ spiffeId: 'spiffe://example.org/ns/shop/sa/web' }, ctx), true);
  assert.equal(hit({ spiffeId: ['spiffe://example.org/ns/shop/sa/other'] }, ctx), false);
  assert.equal(hit({ spiffeIdPattern: '^spiffe://example\\.org/ns/shop/' }, ctx), true);
  assert.equal(hit({ spiffeIdPattern: '/sa/admin$' }, ctx), false);
  assert.equal(hit({ role: 'auditor' }, ctx), true);
  assert.equal(hit({ role: ['admin'] }, ctx), false);
  const anonymous = makeCtx({ peer: null });
  assert.equal(hit({ spiffeId: 'spiffe://example.org/ns/shop/sa/web' }, anonymous), false);
  assert.equal(hit({ role: 'auditor' }, anonymous), false);
});

test('RBAC decision and shadow difference', () => {
  const ctx = makeCtx();
  ctx.rbac = { decision: 'allow', rule: 'policy.csv:3', policyVersion: 'v1', mode: 'enforce', shadow: { decision: 'deny', rule: null, policyVersion: 'v2' } };
  assert.equal(hit({ rbac: 'allow' }, ctx), true);
  assert.equal(hit({ rbac: 'deny' }, ctx), false);
  assert.equal(hit({ rbac: 'shadow-diff' }, ctx), true);
  ctx.rbac.shadow = { decision: 'allow', rule: 'x', policyVersion: 'v2' };
  assert.equal(hit({ rbac: 'shadow-diff' }, ctx), false);
  const none = makeCtx();
  assert.equal(hit({ rbac: 'deny' }, none), false);
});

test('WAF outcome: matched, blocked, score', () => {
  const ctx = makeCtx();
  ctx.waf = { mode: 'detect', action: 'would-block', score: 7, ruleIds: [942100], messages: [] };
  assert.equal(hit({ waf: 'matched' }, ctx), true);
  assert.equal(hit({ waf: 'blocked' }, ctx), false);
  assert.equal(hit({ wafScoreAtLeast: 5 }, ctx), true);
  assert.equal(hit({ wafScoreAtLeast: 8 }, ctx), false);
  ctx.waf = { mode: 'block', action: 'block', score: 10, ruleIds: [941100], messages: [] };
  assert.equal(hit({ waf: 'blocked' }, ctx), true);
  assert.equal(hit({ waf: 'matched' }, makeCtx()), false);
});

test('status class and exact status', () => {
  const ctx = makeCtx({ status: 503 });
  assert.equal(hit({ status: '5xx' }, ctx), true);
  assert.equal(hit({ status: ['2xx', '4xx'] }, ctx), false);
  assert.equal(hit({ status: 503 }, ctx), true);
  assert.equal(hit({ status: '502' }, ctx), false);
});

test('first match wins, even when its sample says no', () => {
  const rules = compileRules([
    { match: { pathPrefix: '/a' }, sample: 0, sinks: ['first'] },
    { sample: 1, sinks: ['second'] },
  ], 'f');
  assert.equal(selectRule(rules, makeCtx({ path: '/a/b' })), null);
  assert.deepEqual(selectRule(rules, makeCtx({ path: '/b' }))?.sinks, ['second']);
});

test('sample is a fraction of matching requests and is required', () => {
  const rules = compileRules([{ sample: 0.1, sinks: ['s'] }], 'f');
  let seq = 0;
  const random = () => (seq++ % 100) / 100; // 0.00 .. 0.99, evenly
  let n = 0;
  for (let i = 0; i < 1000; i++) if (selectRule(rules, makeCtx(), random)) n++;
  assert.equal(n, 100);
  assert.throws(() => compileRules([{ sinks: ['s'] } as unknown as MirrorRule], 'f.yaml'), /sample is required/);
});

test('testRequest ignores what is only known at the end (status, rbac)', () => {
  const [r] = compileRules([{ match: { pathPrefix: '/x', status: '5xx' }, sample: 1, sinks: ['s'] }], 'f');
  const ctx = makeCtx({ path: '/x', status: 0 });
  assert.equal(r!.testRequest(ctx), true);
  assert.equal(r!.test(ctx), false);
  assert.equal(r!.testRequest(makeCtx({ path: '/y' })), false);
});
