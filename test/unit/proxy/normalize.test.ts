import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizePath, splitTarget } from '../../../src/proxy/normalize.js';

const ok: Array<[string, string]> = [
  ['/', '/'],
  ['/a/b', '/a/b'],
  ['//a///b', '/a/b'],
  ['/a/./b', '/a/b'],
  ['/a/../b', '/b'],
  ['/../../etc/passwd', '/etc/passwd'],
  ['/a/b/..', '/a/'],
  ['/a/b/.', '/a/b/'],
  ['/%61dmin', '/admin'],
  ['/a/%2e%2e/admin', '/admin'],
  ['/a/%2E%2e/%2e/x', '/x'],
  ['/a%20b', '/a%20b'],
  ['/a%c3%a9', '/a%C3%A9'],
  ['/a/', '/a/'],
  ['/a.b/c..d', '/a.b/c..d'],
];

test('normalizePath resolves what would make proxy and app disagree', () => {
  for (const [input, want] of ok) {
    const r = normalizePath(input);
    assert.ok(r.ok, `${input} should be accepted`);
    assert.equal(r.path, want, input);
  }
});

test('normalizePath refuses ambiguous or malformed paths', () => {
  for (const bad of ['', 'a/b', '/a%2Fb', '/a%5cb', '/a%00', '/a%zz', '/a%4', '/a b', '/a\tb', '/a#frag', '/a\x7f']) {
    const r = normalizePath(bad);
    assert.equal(r.ok, false, JSON.stringify(bad));
  }
});

test('splitTarget separates the raw query', () => {
  assert.deepEqual(splitTarget('/a?b=1&c'), { path: '/a', query: 'b=1&c' });
  assert.deepEqual(splitTarget('/a'), { path: '/a', query: '' });
});
