import { test } from 'node:test';
import assert from 'node:assert/strict';
import RE2 from 're2';
import { RuleSetBuilder } from '../../../src/waf/ruleset.js';
import { scanGroup, scanValues } from '../../../src/waf/prefilter.js';
import { Collection } from '../../../src/waf/collection.js';
import { compileKeySelector } from '../../../src/waf/key-selector.js';
import { OPERATORS } from '../../../src/waf/operators/index.js';
import { pcreSpaceToRe2 } from '../../../src/waf/regex.js';
import type { Rule } from '../../../src/waf/types.js';
import { PhaseCache, SlotStore } from '../../../src/waf/phase-cache.js';
import { recall } from '../../../src/waf/operators/regex-memo.js';
import { Doorkeeper } from '../../../src/waf/doorkeeper.js';
import { engineFrom, run } from './helpers.js';

let seed = 11;
const rnd = (n: number): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return (seed >>> 8) % n;
};
const pieces = ['a', 'b', 'x', '/', '\n', ' ', 'select', 'union', '<script', 'foo', '=', "'", '\xe9', '\x00', 'BAR'];
const randomValue = (max: number): string => {
  let s = '';
  for (let i = rnd(max); i > 0; i--) s += pieces[rnd(pieces.length)];
  return s;
};

test('Set scans of remembered subjects answer as a fresh scan does (random subjects, each scanned twice)', () => {
  const b = new RuleSetBuilder();
  b.addText([
    'SecRule ARGS "@rx (?i)union\\s+select" "id:1,phase:2,pass"',
    'SecRule ARGS "@rx <script" "id:2,phase:2,pass"',
    'SecRule ARGS "@rx ^foo$" "id:3,phase:2,pass"',
    'SecRule ARGS "@pm bar xyz" "id:4,phase:2,pass"',
    'SecRule ARGS "@rx \\x00" "id:5,phase:2,pass"',
  ].join('\n'), 't.conf');
  const rs = b.build();
  const rules = rs.rules.filter((r): r is Rule & Required<Pick<Rule, 'prefilter'>> => r.prefilter !== undefined);
  assert.equal(rules.length, 5);
  const group = rules[0]!.prefilter.group;
  assert.ok(rules.every((r) => r.prefilter.group === group), 'one group');
  const alone = rules.map((r) => new RE2('(?m)' + pcreSpaceToRe2(r.op!.fn.pattern!), 's'));
  for (let round = 0; round < 2000; round++) {
    const v = round % 50 === 0 ? 'x'.repeat(300) + randomValue(8) : randomValue(10);
    for (let twice = 0; twice < 2; twice++) {
      const hits = scanGroup(group, v);
      rules.forEach((r, i) => assert.equal(hits[r.prefilter.index] === 1, alone[i]!.test(v), `${r.op!.fn.pattern} on ${JSON.stringify(v)} (scan ${twice + 1})`));
    }
  }
});

for (const chain of ['t:none', 't:urlDecodeUni,t:lowercase']) {
  test(`target values scanned one by one through the memo report every pattern some transformed value matches (${chain}; values new, seen once, remembered)`, () => {
    const b = new RuleSetBuilder();
    b.addText([
      'SecRule REQUEST_HEADERS "@rx (?i)union\\s+select" "id:1,phase:1,pass,CHAIN"',
      'SecRule REQUEST_HEADERS "@rx <script" "id:2,phase:1,pass,CHAIN"',
      'SecRule REQUEST_HEADERS "@rx ^foo$" "id:3,phase:1,pass,CHAIN"',
      'SecRule REQUEST_HEADERS "@pm bar xyz" "id:4,phase:1,pass,CHAIN"',
      'SecRule REQUEST_HEADERS "@rx a\\nb" "id:5,phase:1,pass,CHAIN"',
      'SecRule REQUEST_HEADERS "@rx [\\n\\r]" "id:6,phase:1,pass,CHAIN"',
      'SecRule REQUEST_HEADERS "@rx ^x" "id:7,phase:1,pass,CHAIN"',
    ].join('\n').replaceAll('CHAIN', chain), 't.conf');
    const rs = b.build();
    const rules = rs.rules.filter((r): r is Rule & Required<Pick<Rule, 'prefilter'>> => r.prefilter !== undefined);
    assert.equal(rules.length, 7);
    const group = rules[0]!.prefilter.group;
    assert.ok(rules.every((r) => r.prefilter.group === group), 'one group');
    const steps = rules[0]!.transforms;
    const transform = (v: string): string => steps.reduce((x, t) => t.fn(x), v);
    const alone = rules.map((r) => new RE2('(?m)' + pcreSpaceToRe2(r.op!.fn.pattern!), 's'));
    // a small pool of values that come back (seen for the first time, once before, remembered) and
    // one fresh value per request, like a request id
    const pool = Array.from({ length: 12 }, () => randomValue(6) + (rnd(4) === 0 ? '%3Cscript' : ''));
    let reported = 0;
    for (let round = 0; round < 3000; round++) {
      const values: string[] = [];
      for (let i = 1 + rnd(6); i > 0; i--) values.push(rnd(3) === 0 ? randomValue(8) : pool[rnd(pool.length)]!);
      values.push(`fresh-${round}-${randomValue(4)}`);
      if (round % 97 === 0) values.push('y'.repeat(300) + 'UNION select');
      const hits = scanValues(group, values, steps);
      rules.forEach((r, i) => {
        const some = values.some((v) => alone[i]!.test(transform(v)));
        if (some) reported++;
        if (some) assert.equal(hits[r.prefilter.index], 1, `${r.op!.fn.pattern} matches one of ${JSON.stringify(values)} after ${chain}`);
      });
    }
    assert.ok(reported > 1000, 'the random values match the patterns often enough to test something');
  });
}

test('regex operators remember short values: the answer and the captures are the same the second time', () => {
  const rx = OPERATORS.get('rx')!.compile('^(a+)(b*)c', { where: { file: 't', line: 1 }, dir: '.' });
  const e = engineFrom('SecRuleEngine On');
  const caps = (value: string, capture: boolean): [boolean, string[]] => {
    const tx = e.newTransaction('t');
    const r = rx(tx, value, capture);
    return [r, ['0', '1', '2', '3'].map((k) => tx.getVar('TX', k) ?? '-')];
  };
  for (const v of ['aabbc', 'ac', 'bc', 'aaa', 'abcabc']) {
    const want = /^(a+)(b*)c/.exec(v);
    // a plain test first, then two capturing calls: the remembered "match" must still yield captures
    assert.equal(caps(v, false)[0], want !== null, v);
    for (let i = 0; i < 2; i++) {
      const [r, got] = caps(v, true);
      assert.equal(r, want !== null, v);
      assert.deepEqual(got, want ? [want[0], want[1], want[2], '-'] : ['-', '-', '-', '-'], `${v} call ${i + 1}`);
    }
    assert.equal(caps(v, false)[0], want !== null, v);
  }
});

test('the same rule on the same request gives the same matches, MATCHED_VAR and captures on every request', () => {
  const e = engineFrom([
    'SecRuleEngine On',
    'SecRule REQUEST_HEADERS:User-Agent "@rx ^(\\w+)/(\\d+)" "id:10,phase:1,pass,capture,log,msg:\'ua %{tx.1} %{tx.2}\',setvar:tx.ua=%{tx.1}"',
    'SecRule ARGS "@pm evil" "id:11,phase:2,pass,capture,log,msg:\'pm %{tx.0}\'"',
    'SecRule ARGS "@rx (?i)union\\s+select" "id:12,phase:2,deny,status:403,log"',
  ].join('\n'));
  const req = { uri: '/?q=EVILthing&x=1', headers: [['Host', 'h'], ['User-Agent', 'curl/8']] as [string, string][] };
  const first = run(e, req);
  for (let i = 0; i < 3; i++) {
    const tx = run(e, req);
    assert.deepEqual(tx.matches.map((m) => [m.id, m.msg, m.matchedVar, m.matchedVarName]), first.matches.map((m) => [m.id, m.msg, m.matchedVar, m.matchedVarName]));
    assert.equal(tx.getVar('TX', 'ua'), 'curl');
  }
  assert.deepEqual(first.matches.map((m) => m.msg), ['ua curl 8', 'pm EVIL']);
  assert.equal(run(e, { uri: '/?q=1+UNION+select+2' }).interruption?.ruleId, 12);
});

test('Collection.select: a literal selector picks what testing every key picks, in the same order', () => {
  const c = new Collection();
  const keys = ['header_name_920450_host', 'Header_Name_920450_X', 'other', 'x_header_name_920450_', 'HEADER_NAME_920450_host', 'multipart_headers_content_types_a', 'MULTIPART_HEADERS_CONTENT_TYPES_', 'zz'];
  keys.forEach((k, i) => c.add(k, String(i)));
  c.set('other', 'changed');
  for (const p of ['^header_name_920450_', 'header_name_920450_', 'MULTIPART_HEADERS_CONTENT_TYPES_*', '^HEADER_.*', '^he[a]der', 'o.her', '^zz$']) {
    const m = compileKeySelector(p);
    assert.deepEqual(c.select(m), c.entries().filter((e) => m.test(e.key)), p);
  }
  assert.ok(compileKeySelector('^header_name_920450_').literal, 'literal selectors take the lower-case path');
});

test('phase caches: a slot written in one generation is a miss in every other, and before the first', () => {
  const store = new SlotStore(4);
  const slots = store.slots<string | undefined>();
  const a = new PhaseCache(slots);
  const b = new PhaseCache(slots);
  assert.equal(a.has(0), false, 'no generation yet');
  a.begin(store.next());
  b.begin(store.next());
  a.set(0, 'a0');
  a.set(1, undefined);
  a.set('runtime-key', 'ar');
  assert.equal(a.get(0), 'a0');
  assert.equal(a.has(1), true, 'an undefined value is a hit');
  assert.equal(b.has(0), false);
  assert.equal(b.get('runtime-key'), undefined);
  b.set(0, 'b0');
  assert.equal(a.has(0), false, 'overwritten by another generation: a miss, never the other value');
  a.begin(store.next());
  assert.equal(a.has(1), false);
  assert.equal(a.get('runtime-key'), undefined, 'run-time keys are dropped with the phase');
});

test('transactions of one rule set interleaved phase by phase get the results they get alone', () => {
  const e = engineFrom([
    'SecRuleEngine On',
    'SecRule REQUEST_HEADERS|ARGS "@rx (?i)union\\s+select" "id:20,phase:1,pass,log,t:urlDecodeUni,t:lowercase"',
    'SecRule REQUEST_HEADERS|ARGS "@rx <script" "id:21,phase:2,pass,log,t:urlDecodeUni,t:htmlEntityDecode"',
    'SecRule ARGS "@rx ^x+$" "id:22,phase:2,pass,log"',
  ].join('\n'));
  const reqs = [
    { uri: '/?a=1+UNION+SELECT+2', headers: [['Host', 'h']] as [string, string][] },
    { uri: '/?b=%3Cscript%3E', headers: [['Host', 'h'], ['X-A', 'xxx']] as [string, string][] },
    { uri: '/?c=xxxx', headers: [['Host', 'h']] as [string, string][] },
  ];
  const alone = reqs.map((r) => run(e, r).matches.map((m) => `${m.id}:${m.matchedVarName}`));
  const txs = reqs.map((r) => {
    const tx = e.newTransaction('t');
    tx.setConnection('127.0.0.1', 1);
    tx.setRequest({ method: 'GET', uri: r.uri, protocol: 'HTTP/1.1' }, r.headers);
    return tx;
  });
  for (const tx of txs) tx.phaseRequestHeaders();
  for (const tx of [...txs].reverse()) tx.phaseRequestBody(undefined);
  for (const tx of txs) tx.phaseLogging();
  assert.deepEqual(txs.map((tx) => tx.matches.map((m) => `${m.id}:${m.matchedVarName}`)), alone);
  assert.deepEqual(alone, [['20:ARGS:a'], ['21:ARGS:b'], ['22:ARGS:c']]);
});

test('narrowing: values it rules out are remembered as not matching, and the next request with them takes the lookups', () => {
  // ten header values, a pattern matching one of them: narrowing rules out nine
  const e = engineFrom([
    'SecRuleEngine On',
    'SecRule REQUEST_HEADERS "@rx evil\\d" "id:30,phase:1,pass,log,t:lowercase"',
  ].join('\n'));
  const headers: [string, string][] = [['Host', 'h']];
  for (let i = 0; i < 9; i++) headers.push([`X-H${i}`, i === 4 ? 'an EVIL7 value' : `benign ${i}`]);
  const rx = e.ruleSet.byId.get(30)!.op!.fn;
  assert.equal(recall(rx, 'benign 0'), undefined);
  for (let i = 0; i < 3; i++) {
    const tx = run(e, { headers });
    assert.deepEqual(tx.matches.map((m) => [m.id, m.matchedVarName, m.matchedVar]), [[30, 'REQUEST_HEADERS:X-H4', 'an evil7 value']], `request ${i + 1}`);
  }
  assert.equal(recall(rx, 'benign 0'), false);
  assert.equal(recall(rx, 'an evil7 value'), true);
});

test('doorkeeper: a string is admitted the second time it is offered, per salt; one-off strings never are', () => {
  const d = new Doorkeeper(1024);
  assert.equal(d.admit('GET'), false);
  assert.equal(d.admit('GET'), true);
  assert.equal(d.admit('GET', 7), false, 'another salt is another key');
  assert.equal(d.admit('GET', 7), true);
  let admitted = 0;
  for (let i = 0; i < 5000; i++) if (d.admit(`request-id-${i}`)) admitted++;
  assert.ok(admitted < 50, `one-off strings admitted ${admitted} times (hash collisions only)`);
});

test('memos keep no entry for values seen once (their churn would grow the old generation)', () => {
  const rx = OPERATORS.get('rx')!.compile('^id-\\d+$', { where: { file: 't', line: 1 }, dir: '.' });
  const e = engineFrom('SecRuleEngine On');
  const tx = e.newTransaction('t');
  for (let i = 0; i < 100; i++) assert.equal(rx(tx, `id-${i}`, false), true);
  assert.equal(recall(rx, 'id-5'), undefined, 'seen once: not remembered');
  rx(tx, 'id-5', false);
  assert.equal(recall(rx, 'id-5'), true, 'seen twice: remembered');
});
