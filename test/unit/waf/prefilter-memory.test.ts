import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { sharedDir } from '../../../src/paths.js';
import { WafEngine } from '../../../src/waf/engine.js';
import { deploymentPreamble } from '../../../src/waf/load.js';
import { groupSets, scanGroup, ScanMemo, type PrefilterGroup } from '../../../src/waf/prefilter.js';
import type { Rule } from '../../../src/waf/types.js';
import { engineFrom, ids, run } from './helpers.js';

const crsDir = path.join(sharedDir, 'crs');

function groupsOf(rules: readonly Rule[]): Map<PrefilterGroup, Rule[]> {
  const out = new Map<PrefilterGroup, Rule[]>();
  for (const r of rules) {
    for (let l: Rule | undefined = r; l; l = l.chain) {
      if (!l.prefilter) continue;
      const list = out.get(l.prefilter.group) ?? [];
      list.push(r);
      out.set(l.prefilter.group, list);
    }
  }
  return out;
}

test('prefilter Sets are compiled on a group\'s first scan; CRS PL1 never compiles the groups of levels 2-4', { skip: !existsSync(crsDir) && 'no ../shared CRS' }, () => {
  const engine = WafEngine.load({ preamble: { name: 'deployment', text: deploymentPreamble({ mode: 'block', paranoia: 1, crs: crsDir }) }, crsDir });
  const groups = groupsOf(engine.ruleSet.rules);
  assert.ok(groups.size > 40, `${groups.size} groups`);
  assert.ok([...groups.keys()].every((g) => g.sets === undefined), 'no Set compiled at load');

  const tx = run(engine, { uri: '/products?id=1%27%20OR%201=1--', headers: [['Host', 'shop.example'], ['User-Agent', 'curl/8']] });
  assert.ok(ids(tx).includes(942100), `the SQLi is still found: ${ids(tx).join(',')}`);
  const level = (rules: Rule[]) => rules[0]!.tags.find((t) => t.startsWith('paranoia-level/'));
  const compiled = [...groups].filter(([g]) => g.sets !== undefined);
  assert.ok(compiled.length > 0, 'the request compiled the groups it scanned');
  assert.ok(compiled.length < groups.size, 'and only those');
  const high = compiled.filter(([, rules]) => /paranoia-level\/[234]/.test(level(rules) ?? ''));
  assert.deepEqual(high.map(([, rules]) => rules[0]!.id), [], 'no group of a level PL1 skips');
});

test('a pattern RE2 refuses as a Set is a possible match on every scan, the others are still scanned', () => {
  // ')' is refused by RE2 in any form: it stands for a pattern over a Set's memory budget
  const patterns = ['(?m)abc', ')', '(?m)x+y', '(?m)^z$'];
  const group: PrefilterGroup = { id: 0, patterns, sets: undefined, size: patterns.length, none: new Uint8Array(patterns.length), memo: new ScanMemo() };
  assert.deepEqual([...scanGroup(group, 'nothing')], [0, 1, 0, 0]);
  assert.deepEqual([...scanGroup(group, 'abc\nz')], [1, 1, 0, 1]);
  assert.deepEqual([...scanGroup(group, 'xxy')], [0, 1, 1, 0]);
  assert.deepEqual(groupSets(group).map((s) => [s.offset, s.size, s.set === null]), [[0, 1, false], [1, 1, true], [2, 2, false]]);
});

test('lazily compiled groups give the same verdicts as rules without the prefilter', () => {
  const rules = ['a+b', '(?i)select\\s+from', '^\\d{3}$', '[<>]script'].map((p, i) => `SecRule ARGS "@rx ${p}" "id:${i + 1},phase:2,pass,t:none"`).join('\n');
  const lazy = engineFrom(rules);
  const plain = WafEngine.load({ preamble: { name: 'test.conf', text: rules }, settings: { prefilter: false } });
  for (const v of ['aab', 'SELECT  from t', '123', '<script', 'nothing']) {
    const uri = '/?v=' + encodeURIComponent(v);
    assert.deepEqual(ids(run(lazy, { uri })), ids(run(plain, { uri })), v);
  }
});
