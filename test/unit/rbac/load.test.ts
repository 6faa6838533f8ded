import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEnforcer } from 'casbin';
import { loadEvaluator } from '../../../src/rbac/load.js';
import { UserInputError } from '../../../src/errors.js';
import { LogCapture } from '../../helpers/mesh.js';

const dir = mkdtempSync(join(tmpdir(), 'mg-rbac-load-'));
let n = 0;

const MODEL = `[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act, eft

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = g(r.sub, p.sub) && keyMatch2(r.obj, p.obj) && (r.act == p.act || p.act == "*")
`;

function files(policy: string, model = MODEL): { model: string; policy: string } {
  n++;
  const m = join(dir, `model${n}.conf`);
  const p = join(dir, `policy${n}.csv`);
  writeFileSync(m, model);
  writeFileSync(p, policy);
  return { model: m, policy: p };
}

async function refused(policy: string, re: RegExp, model = MODEL): Promise<UserInputError> {
  const f = files(policy, model);
  try {
    await loadEvaluator(f);
  } catch (err) {
    assert.ok(err instanceof UserInputError, `a UserInputError, got ${String(err)}`);
    assert.match(err.message, re);
    return err;
  }
  assert.fail(`expected the policy to be refused: ${re}`);
}

const ORDERS = 'spiffe://example.org/ns/shop/sa/orders';

test('the demo policy loads into the compiled evaluator with file:line for every rule and a content-hash version', async () => {
  const { evaluator } = await loadEvaluator({ model: 'policies/rbac/model.conf', policy: 'policies/rbac/policy.csv' });
  assert.equal(evaluator.kind, 'compiled');
  assert.match(evaluator.version, /^sha256:[0-9a-f]{16}$/);
  const rules = evaluator.source.rules.get('p')!;
  assert.deepEqual(rules.map((r) => r.line), [9, 10, 13, 14, 15, 19, 20]);
  assert.equal(rules[5]!.origin, 'policies/rbac/policy.csv:19');
  assert.deepEqual(evaluator.decide([ORDERS, '/pay', 'POST']), { allow: true, rule: rules[2] });
  assert.deepEqual(evaluator.decide([ORDERS, '/admin/users', 'GET']), { allow: false, rule: null });
  assert.deepEqual(evaluator.decide([ORDERS, '/payments/1/refund', 'POST']), { allow: false, rule: rules[5] });
  const x = evaluator.explain([ORDERS, '/catalog/x', 'GET']);
  assert.deepEqual(x.chain.map((g) => `${g.child}>${g.parent}@${g.line}`), [`${ORDERS}>payment-client@3`, 'payment-client>shop-reader@4']);
});

test('the same text gives the same version; any change gives another', async () => {
  const a = await loadEvaluator(files('p, r1, /a, GET, allow\n'));
  const b = await loadEvaluator(files('p, r1, /a, GET, allow\n'));
  const c = await loadEvaluator(files('p, r1, /a, GET, allow\n# comment\n'));
  assert.equal(a.evaluator.version, b.evaluator.version);
  assert.notEqual(a.evaluator.version, c.evaluator.version);
});

test('invalid policies are refused with file and line', async (t) => {
  await t.test('CSV syntax', async () => {
    const e = await refused('g, a, b\np, "a, /x, GET, allow\n', /policy\d+\.csv:2: /);
    assert.equal(e.pos.line, 2);
  });
  await t.test('wrong number of fields', async () => {
    await refused('\n\np, a, /x, GET\n', /policy\d+\.csv:3: expected 4 fields/);
  });
  await t.test('unknown policy type', async () => {
    await refused('p2, a, /x, GET, allow\n', /:1: unknown policy type "p2"/);
  });
  await t.test('effect other than allow/deny', async () => {
    await refused('p, a, /x, GET, permit\n', /:1: effect must be allow or deny/);
  });
  await t.test('bad SPIFFE ID as a subject', async () => {
    await refused('p, spiffe://example.org/ns//x, /x, GET, allow\n', /:1: bad SPIFFE ID .*empty path segment/);
    await refused('g, spiffe://EXAMPLE.org/ns/x, r\n', /:1: bad SPIFFE ID .*trust domain/);
    await refused('g, a, spiffe://example.org\n', /:1: bad SPIFFE ID/);
    await refused('p, https://example.org/x, /x, GET, allow\n', /:1: bad SPIFFE ID .*scheme/);
  });
  await t.test('role cycle', async () => {
    const e = await refused('g, a, b\ng, b, c\n\ng, c, a\n', /role cycle: .*a -> b -> c -> a|role cycle/);
    assert.ok(e.pos.line, 'cycle names a line');
    await refused('g, a, a\n', /:1: role cycle: a -> a/);
  });
  await t.test('role hierarchy deeper than casbin follows', async () => {
    const chain = (links: number) => Array.from({ length: links }, (_, i) => `g, ${i === 0 ? ORDERS : `r${i}`}, r${i + 1}`).join('\n') + `\np, r${links}, /x, GET, allow\n`;
    await refused(chain(11), /deeper than 10 links/);
    // At exactly 10 links we load, and agree with casbin (which still reaches the top role).
    const f = files(chain(10));
    const { evaluator } = await loadEvaluator(f);
    const casbin = await newEnforcer(f.model, f.policy);
    assert.equal(evaluator.decide([ORDERS, '/x', 'GET']).allow, true);
    assert.equal(casbin.enforceSync(ORDERS, '/x', 'GET'), true);
    // And casbin really does diverge at 11: this is why we refuse it.
    const f11 = files(chain(11));
    assert.equal((await newEnforcer(f11.model, f11.policy)).enforceSync(ORDERS, '/x', 'GET'), false);
  });
  await t.test('a pattern casbin would loop forever on', async () => {
    await refused('p, a, /x, GET, allow\np, a, /a/:, GET, allow\n', /:2: keyMatch2 pattern "\/a\/:" .*loops forever/);
  });
  await t.test('a regex RE2 does not accept', async () => {
    const model = MODEL.replace('keyMatch2(r.obj, p.obj)', 'regexMatch(r.obj, p.obj)');
    await refused('p, a, ^/(?=admin), GET, allow\n', /:1: regexMatch pattern .*not a valid RE2/, model);
    await refused('p, a, ^/(a)\\1$, GET, allow\n', /:1: regexMatch pattern .*not a valid RE2/, model);
  });
  await t.test('keyMatch4 groups that do not line up with tokens', async () => {
    const model = MODEL.replace('keyMatch2(r.obj, p.obj)', 'keyMatch4(r.obj, p.obj)');
    await refused('p, a, /x/(a|b)/{id}, GET, allow\n', /:1: keyMatch4 pattern/, model);
    await refused('p, a, {id}/x, GET, allow\n', /:1: keyMatch4 pattern/, model);
  });
  await t.test('unknown function in the matcher', async () => {
    const e = await refused('p, a, /x, GET, allow\n', /model\d+\.conf:14: invalid matcher: unknown function fooMatch\(\)/, MODEL.replace('keyMatch2(', 'fooMatch('));
    assert.equal(e.pos.line, 14);
  });
  await t.test('unknown field in the matcher', async () => {
    await refused('p, a, /x, GET, allow\n', /invalid matcher: unknown request field r\.path/, MODEL.replace('keyMatch2(r.obj', 'keyMatch2(r.path'));
  });
  await t.test('model syntax', async () => {
    await refused('p, a, /x, GET, allow\n', /model\d+\.conf.*invalid model/, MODEL.replace('[matchers]\n', ''));
    await refused('p, a, /x, GET, allow\n', /invalid model: Invalid operator/, MODEL.replace(' && keyMatch2', ' & keyMatch2'));
  });
  await t.test('an effect casbin cannot evaluate', async () => {
    await refused('p, a, /x, GET, allow\n', /casbin cannot evaluate this model: unsupported effect/, MODEL.replace('e = some(where (p.eft == allow)) && !some(where (p.eft == deny))', 'e = some(where (p.eft == permit))'));
  });
  await t.test('a missing file', async () => {
    await assert.rejects(loadEvaluator({ model: join(dir, 'nope.conf'), policy: join(dir, 'nope.csv') }), /nope\.conf: cannot read: ENOENT/);
  });
});

test('models outside the compiled family fall back to casbin\'s enforcer, with a warning, and keep casbin\'s answers', async () => {
  const log = new LogCapture('warn');
  const domainModel = `[request_definition]
r = sub, dom, obj, act
[policy_definition]
p = sub, dom, obj, act
[role_definition]
g = _, _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && keyMatch2(r.obj, p.obj) && r.act == p.act
`;
  const f = files('p, admin, shop, /data/:id, GET\ng, alice, admin, shop\n', domainModel);
  const built = await loadEvaluator({ ...f, logger: log.logger });
  assert.equal(built.evaluator.kind, 'casbin');
  assert.match(built.fallbackReason!, /domains/);
  assert.ok(log.find((l) => String(l['msg']).includes('outside the compiled family')));
  assert.equal(built.evaluator.decide(['alice', 'shop', '/data/1', 'GET']).allow, true);
  assert.equal(built.evaluator.decide(['alice', 'shop', '/data/1', 'GET']).rule?.line, 1);
  assert.equal(built.evaluator.decide(['alice', 'other', '/data/1', 'GET']).allow, false);
  // keyMatch2 in the fallback runs on our RE2 version: `.` in a pattern still means any char, as in casbin.
  const g = files('p, admin, shop, /f.json, GET\ng, alice, admin, shop\n', domainModel);
  const ev = (await loadEvaluator(g)).evaluator;
  const casbin = await newEnforcer(g.model, g.policy);
  for (const p of ['/f.json', '/fXjson', '/f/json']) assert.equal(ev.decide(['alice', 'shop', p, 'GET']).allow, casbin.enforceSync('alice', 'shop', p, 'GET'), p);

  const inModel = MODEL.replace('(r.act == p.act || p.act == "*")', 'keyGet2(r.obj, p.obj, "id") != ""');
  const h = await loadEvaluator(files('p, a, /x/:id, GET, allow\n', inModel));
  assert.equal(h.evaluator.kind, 'casbin');
  assert.match(h.fallbackReason!, /keyGet2/);
});

test('a matcher that reads no policy field is evaluated once, as casbin does', async () => {
  const model = MODEL.replace(/^m = .*$/m, 'm = r.sub == "root"');
  const f = files('p, a, /x, GET, deny\n', model);
  const { evaluator } = await loadEvaluator(f);
  const casbin = await newEnforcer(f.model, f.policy);
  for (const sub of ['root', 'a']) assert.equal(evaluator.decide([sub, '/x', 'GET']).allow, casbin.enforceSync(sub, '/x', 'GET'), sub);
  // An empty policy file: casbin evaluates the matcher once with empty policy fields.
  const e = files('', MODEL);
  const empty = await loadEvaluator(e);
  assert.equal(empty.evaluator.decide([ORDERS, '/x', 'GET']).allow, (await newEnforcer(e.model, e.policy)).enforceSync(ORDERS, '/x', 'GET'));
});
