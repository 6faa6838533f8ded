import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Util } from 'casbin';
import { MatcherCache, PatternError, keyMatch2Source, keyMatch3Source, type MatchFunction } from '../../../src/rbac/key-match.js';
import { prng } from '../../helpers/prng.js';

const casbin: Record<MatchFunction, (a: string, b: string) => boolean> = {
  keyMatch: (a, b) => Util.keyMatchFunc(a, b) as boolean,
  keyMatch2: (a, b) => Util.keyMatch2Func(a, b) as boolean,
  keyMatch3: (a, b) => Util.keyMatch3Func(a, b) as boolean,
  keyMatch4: (a, b) => Util.keyMatch4Func(a, b) as boolean,
  keyMatch5: (a, b) => Util.keyMatch5Func(a, b) as boolean,
  regexMatch: (a, b) => Util.regexMatchFunc(a, b) as boolean,
  globMatch: (a, b) => Util.globMatch(a, b),
};

const PATTERNS: Record<MatchFunction, string[]> = {
  keyMatch: ['/foo', '/foo*', '/foo/*', '*', '/a/b*c', '/'],
  keyMatch2: ['/foo', '/foo/*', '/:id', '/foo/:id', '/foo/:id/bar', '/foo/:id/*', '*', '/file.json', '/x:y/:z', '/a/:b-:c', '/foo*', '/*/x', '/:a/:b'],
  keyMatch3: ['/foo', '/foo/*', '/{id}', '/foo/{id}/bar', '/foo/{id}/*', '/x{y}/{z}', '/{a}{b}', '/{a}x{b}/c', '/file.json'],
  keyMatch4: ['/foo/{id}', '/p/{id}/c/{id}', '/p/{id}/c/{cid}', '/foo/{id}/*', '/{a}/{a}/{b}'],
  keyMatch5: ['/foo', '/foo/{id}', '/foo/*', '/foo/{id}/bar'],
  regexMatch: ['^/foo$', '/foo', '^/foo/[0-9]+$', '^/(a|b)/.*', 'json$', 'f.o', '^/$', '[a-z]+/[0-9]{2}'],
  globMatch: ['/foo', '/foo/*', '*/foo', '/*', '*', '/foo/*/bar', '/f?o', '/*.json', '/file.*', '/.*', '/foo/', '/a*b*', '//foo'],
};

const PATHS = ['/.hidden', '/a/.', '/foo//bar', '/foo/x/bar', '/foo/x/bar/', 'foo', '/ab', '/aXbY', '/foo/.x', '/', '/foo', '/foo/', '/foo/bar', '/foo/1', '/foo/12/bar', '/foo/1/bar/baz', '/foox', '/fo', '/file.json', '/fileXjson', '/x:y/1', '/xy/1', '/a/b-c', '/a/bc', '/p/1/c/1', '/p/1/c/2', '/1/1/2', '/1/2/2', '/a/x', '/b/', '/foo/1?x=1', '/ab/12', '/abx/c', '/AB/1'];

test('every supported function gives casbin\'s answer on a table of patterns and paths', () => {
  const cache = new MatcherCache();
  let compared = 0;
  for (const fn of Object.keys(PATTERNS) as MatchFunction[]) {
    for (const pattern of PATTERNS[fn]) {
      const m = cache.get(fn, pattern);
      for (const p of PATHS) {
        assert.equal(m(p), casbin[fn](p, pattern), `${fn}(${JSON.stringify(p)}, ${JSON.stringify(pattern)})`);
        compared++;
      }
    }
  }
  assert.ok(compared > 1000);
});

test('casbin\'s rewrite is reproduced step by step', () => {
  assert.equal(keyMatch2Source('/foo/:id/*'), '^/foo/[^/]+/.*$');
  assert.equal(keyMatch2Source('*'), '^(.*)$');
  // A `:` after a `/`-less prefix is rewritten the way casbin's greedy regex does it.
  assert.equal(keyMatch2Source('/x/:a-:b'), '^/x/[^/]+/]+$');
  assert.equal(keyMatch3Source('/foo/{id}/x').source, '^/foo/[^/]+/x$');
});

test('casbin pitfalls kept (they are casbin\'s answers) or refused (casbin would hang or throw)', () => {
  const cache = new MatcherCache();
  // keyMatch2 does not escape `.`: casbin's answer, so ours too (lint and docs warn).
  assert.equal(cache.get('keyMatch2', '/file.json')('/fileXjson'), true);
  assert.throws(() => cache.get('keyMatch2', '/a/:'), PatternError);
  assert.throws(() => cache.get('keyMatch3', '/a/{'), PatternError);
  assert.throws(() => cache.get('keyMatch4', '/a/(x)/{id}'), PatternError);
  assert.throws(() => cache.get('regexMatch', '(a+)+\\1'), PatternError);
});

test('regexMatch runs on RE2: a catastrophic pattern answers in linear time', () => {
  const m = new MatcherCache().get('regexMatch', '^(a+)+$');
  // A JS RegExp would backtrack for longer than the age of the universe on this input; RE2 returns.
  assert.equal(m('a'.repeat(50_000) + '!'), false);
  assert.equal(m('a'.repeat(50_000)), true);
});


test('globMatch: random patterns of the supported subset against casbin (minimatch)', () => {
  const seed = process.env['MESHGUARD_RBAC_SEED'] ? Number(process.env['MESHGUARD_RBAC_SEED']) : (Math.random() * 2 ** 31) >>> 0;
  const rnd = prng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const patSegs = ['a', 'b', '*', '?', 'a*', '*b', '.*', '.a', '*.json', 'a?b', '', '.', 'x-y', '*a*'];
  const pathSegs = ['a', 'b', 'ab', 'aab', '.a', '.', '', 'x.json', '.json', 'a.b', 'x-y', 'ba'];
  const cache = new MatcherCache();
  let compared = 0;
  for (let i = 0; i < 400; i++) {
    const n = 1 + Math.floor(rnd() * 3);
    let pattern = rnd() < 0.1 ? '*' : '';
    for (let j = 0; j < n; j++) pattern += '/' + pick(patSegs);
    if (rnd() < 0.1) pattern = pattern.slice(1);
    if (pattern === '') continue;
    const m = cache.get('globMatch', pattern);
    for (let k = 0; k < 60; k++) {
      const pn = Math.floor(rnd() * 4);
      let path = '';
      for (let j = 0; j < pn; j++) path += (rnd() < 0.05 ? '//' : '/') + pick(pathSegs);
      if (path === '' || rnd() < 0.05) path += '/';
      assert.equal(m(path), Util.globMatch(path, pattern), `seed ${seed}: globMatch(${JSON.stringify(path)}, ${JSON.stringify(pattern)})`);
      compared++;
    }
  }
  assert.ok(compared > 10_000);
});

test('globMatch outside the subset is left to casbin', () => {
  const cache = new MatcherCache();
  for (const p of ['/a/**', '/a/[ab]', '/{a,b}', '!/a', '/a/../b', '/+(a)']) assert.throws(() => cache.get('globMatch', p), /globMatch pattern/);
});
