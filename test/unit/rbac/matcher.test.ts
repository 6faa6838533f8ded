import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidMatcher, parseMatcher, UnsupportedMatcher, conjuncts, readsPolicy } from '../../../src/rbac/matcher.js';

const names = { rtokens: ['sub', 'obj', 'act'], ptokens: ['sub', 'obj', 'act', 'eft'], roleFunctions: new Set(['g', 'g2']) };

test('the compiled family: &&, ||, !, parentheses, ==/!= on fields and literals, role and matching functions', () => {
  const e = parseMatcher('g(r_sub, p_sub) && keyMatch2(r_obj, p_obj) && (r_act == p_act || p_act == "*")', names);
  const cs = conjuncts(e);
  assert.equal(cs.length, 3);
  assert.deepEqual(cs[0], { k: 'call', fn: 'g', args: [{ k: 'r', i: 0 }, { k: 'p', i: 0 }] });
  assert.deepEqual(cs[2], {
    k: 'or',
    a: { k: 'eq', a: { k: 'r', i: 2 }, b: { k: 'p', i: 2 }, neg: false },
    b: { k: 'eq', a: { k: 'p', i: 2 }, b: { k: 'lit', v: '*' }, neg: false },
  });
  assert.equal(readsPolicy(e), true);
  // `&&` binds tighter than `||`, as in JavaScript.
  const f = parseMatcher("r_sub == 'a' || r_sub == 'b' && r_act != 'GET'", names);
  assert.equal(f.k, 'or');
  assert.equal(readsPolicy(f), false);
  assert.deepEqual(parseMatcher('!(r_sub == p_sub) && !keyMatch(r_obj, "/admin*")', names).k, 'and');
  assert.deepEqual(parseMatcher('regexMatch(r_obj, "^/a\\\\.b$")', names), { k: 'call', fn: 'regexMatch', args: [{ k: 'r', i: 1 }, { k: 'lit', v: '^/a\\.b$' }] });
});

test('constructs outside the family are reported as unsupported (casbin\'s enforcer takes them)', () => {
  for (const m of [
    'r_sub in ("a", "b")',
    'keyGet2(r_obj, p_obj, "id") == r_sub',
    'g(r_sub, p_sub, r_obj)',
    'ipMatch(r_sub, p_sub)',
    '!r_sub == p_sub',
    'r_sub == "a" + "b"',
    'eval(p_sub)',
    'r2_sub == p_sub',
    'r_sub === p_sub',
    'r_sub',
    'true',
  ]) {
    assert.throws(() => parseMatcher(m, names), UnsupportedMatcher, m);
  }
});

test('names casbin does not know either are errors', () => {
  assert.throws(() => parseMatcher('fooMatch(r_obj, p_obj)', names), (e: Error) => e instanceof InvalidMatcher && /unknown function fooMatch/.test(e.message));
  assert.throws(() => parseMatcher('r_path == p_obj', names), (e: Error) => e instanceof InvalidMatcher && /unknown request field r\.path/.test(e.message));
  assert.throws(() => parseMatcher('r_sub == p_role', names), (e: Error) => e instanceof InvalidMatcher && /unknown policy field p\.role/.test(e.message));
  assert.throws(() => parseMatcher('keyMatch(r_obj)', names), (e: Error) => e instanceof InvalidMatcher && /takes 2 arguments/.test(e.message));
  assert.throws(() => parseMatcher('(r_sub == p_sub', names), InvalidMatcher);
  assert.throws(() => parseMatcher('r_sub == "open', names), InvalidMatcher);
});
