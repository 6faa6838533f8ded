import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineFrom, run, ids } from './helpers.js';

test('chains: every link must match; effects of a link are visible to the next', () => {
  const e = engineFrom(`
SecRule ARGS:a "@rx ^(\\w+)$" "id:1,phase:2,pass,capture,setvar:tx.first=%{tx.1},chain"
  SecRule TX:first "@streq hello" "setvar:tx.hit=1"
`);
  const hit = run(e, { uri: '/?a=hello' });
  assert.deepEqual(ids(hit), [1]);
  assert.equal(hit.getVar('TX', 'hit'), '1');
  const miss = run(e, { uri: '/?a=bye' });
  assert.deepEqual(ids(miss), []);
  assert.equal(miss.getVar('TX', 'hit'), undefined);
});

test('skipAfter jumps to a marker; rules after it still run', () => {
  const e = engineFrom(`
SecAction "id:1,phase:1,pass,nolog,skipAfter:END"
SecAction "id:2,phase:1,pass"
SecMarker END
SecAction "id:3,phase:1,pass"
`);
  assert.deepEqual(ids(run(e)), [3]);
});

test('skipAfter naming a rule id jumps past that rule; an unknown marker ends the phase, not the request', () => {
  const e = engineFrom(`
SecAction "id:1,phase:1,pass,nolog,skipAfter:3"
SecAction "id:2,phase:1,pass"
SecAction "id:3,phase:1,pass"
SecAction "id:4,phase:1,pass"
SecAction "id:5,phase:1,pass,nolog,skipAfter:NO_SUCH_MARKER"
SecAction "id:6,phase:1,pass"
SecAction "id:7,phase:2,pass"
`);
  assert.deepEqual(ids(run(e)), [4, 7]);
});

test('setvar names are case-insensitive: a constant name with capitals is read back by any case', () => {
  const e = engineFrom(`
SecAction "id:1,phase:1,pass,nolog,setvar:tx.MixedCase=7,setvar:tx.Counter=+2,setvar:tx.COUNTER=+3"
SecRule TX:mixedcase "@eq 7" "id:2,phase:1,pass"
SecRule TX:MIXEDCASE "@eq 7" "id:3,phase:1,pass"
SecRule TX:counter "@eq 5" "id:4,phase:1,pass,setvar:!tx.MIXEDCASE"
SecRule &TX:mixedcase "@eq 0" "id:5,phase:2,pass"
`);
  const tx = run(e);
  assert.deepEqual(ids(tx), [2, 3, 4, 5]);
  assert.equal(tx.getVar('TX', 'counter'), '5');
  // reported under the lower-case name, as before
  assert.deepEqual(tx.collection('TX').entries().filter((x) => x.key.toLowerCase() === 'counter').map((x) => x.key), ['counter']);
});

test('scalars and header names read per request: each request sees its own, whatever the one before had', () => {
  const e = engineFrom(`
SecRule REQUEST_METHOD "@streq POST" "id:1,phase:1,pass"
SecRule REQUEST_FILENAME "@streq /admin" "id:2,phase:1,pass"
SecRule REQUEST_HEADERS_NAMES "@streq x-debug" "id:3,phase:1,pass,t:lowercase"
SecRule MATCHED_VARS_NAMES "@rx ^REQUEST_HEADERS_NAMES:" "id:4,phase:1,pass,chain"
  SecRule REQUEST_HEADERS_NAMES "@streq x-debug" "t:lowercase"
`);
  const cases: [Parameters<typeof run>[1], number[]][] = [
    [{ method: 'POST', uri: '/admin' }, [1, 2]],
    [{ method: 'GET', uri: '/' }, []],
    [{ method: 'POST', uri: '/', headers: [['Host', 'h'], ['X-Debug', '1']] }, [1, 3, 4]],
    [{ method: 'GET', uri: '/admin', headers: [['Host', 'h']] }, [2]],
    [{ method: 'GET', uri: '/', headers: [['X-Debug', '1']] }, [3, 4]],
  ];
  for (let round = 0; round < 2; round++) {
    for (const [req, want] of cases) assert.deepEqual(ids(run(e, req)).sort(), want, JSON.stringify(req));
  }
});

test('setvar arithmetic, deletion, macros in keys; counting; exclusions; regex selectors', () => {
  const e = engineFrom(`
SecAction "id:1,phase:1,pass,nolog,setvar:tx.score=10,setvar:tx.score=+5,setvar:tx.score=-3,setvar:'tx.%{REQUEST_METHOD}_seen=%{REQUEST_HEADERS.host}',setvar:tx.gone=1,setvar:!tx.gone"
SecRule &ARGS "@eq 3" "id:2,phase:2,pass"
SecRule ARGS|!ARGS:safe "@rx evil" "id:3,phase:2,pass"
SecRule ARGS:/^id_/ "@rx ^\\d+$" "id:4,phase:2,pass"
SecRule &TX:gone "@eq 0" "id:5,phase:2,pass"
`);
  const tx = run(e, { uri: '/?safe=evil&ID_x=12&other=ok', headers: [['Host', 'shop']] });
  assert.equal(tx.getVar('TX', 'score'), '12');
  assert.equal(tx.getVar('TX', 'get_seen'), 'shop');
  assert.deepEqual(ids(tx).sort(), [2, 4, 5]);
  assert.deepEqual(ids(run(e, { uri: '/?x=evil' })).sort(), [3, 5]);
});

test('MATCHED_VAR holds the transformed value; logdata macros expand', () => {
  const e = engineFrom(`SecRule ARGS "@rx select" "id:1,phase:2,pass,t:none,t:urlDecodeUni,t:lowercase,msg:'m %{MATCHED_VAR_NAME}',logdata:'%{MATCHED_VAR}'"`);
  const tx = run(e, { uri: '/?q=SE%4cECT' });
  assert.equal(tx.matches[0]!.msg, 'm ARGS:q');
  assert.equal(tx.matches[0]!.data, 'select');
  assert.match(tx.matches[0]!.line, /\[id "1"\] \[msg "m ARGS:q"\] \[data "select"\]/);
});

test('multiMatch tries the value before and after each transformation', () => {
  const e = engineFrom(`SecRule ARGS "@rx ^%41$" "id:1,phase:2,pass,multiMatch,t:none,t:urlDecodeUni"`);
  // ARGS are URL-decoded once by the parser: `%2541` arrives as `%41`
  assert.deepEqual(ids(run(e, { uri: '/?a=%2541' })), [1], 'the untransformed value matches');
  const plain = engineFrom(`SecRule ARGS "@rx ^%41$" "id:1,phase:2,pass,t:none,t:urlDecodeUni"`);
  assert.deepEqual(ids(run(plain, { uri: '/?a=%2541' })), [], 'only the final value is tried');
  assert.deepEqual(ids(run(plain, { uri: '/?a=%252541' })), [1]);
});

test('negated operators, nolog, deny interrupts in On mode, DetectionOnly records what would block', () => {
  const rules = `
SecRule REQUEST_METHOD "!@within GET HEAD" "id:1,phase:1,pass,nolog,setvar:tx.bad=1"
SecRule TX:bad "@eq 1" "id:2,phase:1,deny,status:405"
SecAction "id:3,phase:2,pass"
`;
  const on = run(engineFrom(rules), { method: 'DELETE' });
  assert.deepEqual(on.interruption, { ruleId: 2, action: 'deny', status: 405 });
  assert.deepEqual(ids(on), [2], 'nolog rule 1 is not logged; phase 2 never ran');
  const detect = run(engineFrom('SecRuleEngine DetectionOnly\n' + rules), { method: 'DELETE' });
  assert.equal(detect.interruption, undefined);
  assert.deepEqual(detect.wouldInterrupt, { ruleId: 2, action: 'deny', status: 405 });
  assert.deepEqual(ids(detect), [2, 3]);
  assert.deepEqual(ids(run(engineFrom(rules), { method: 'GET' })), [3]);
});

test('block follows SecDefaultAction; ctl removes rules and targets for this request', () => {
  const e = engineFrom(`
SecDefaultAction "phase:2,log,deny,status:418"
SecRule ARGS:off "@streq 1" "id:1,phase:1,pass,nolog,ctl:ruleRemoveById=3,ctl:ruleRemoveTargetById=4;ARGS:q"
SecRule ARGS "@rx attack" "id:3,phase:2,block"
SecRule ARGS "@rx attack" "id:4,phase:2,block"
`);
  assert.equal(run(e, { uri: '/?q=attack' }).interruption?.status, 418);
  const tx = run(e, { uri: '/?q=attack&off=1' });
  assert.equal(tx.interruption, undefined);
  assert.deepEqual(ids(tx), []);
});

test('SecRuleRemoveById / SecRuleUpdateTargetById apply to rules loaded before them', () => {
  const e = engineFrom(`
SecRule ARGS "@rx x" "id:1,phase:2,pass"
SecRule ARGS "@rx x" "id:2,phase:2,pass"
SecRuleRemoveById 1
SecRuleUpdateTargetById 2 "!ARGS:skip"
`);
  assert.deepEqual(ids(run(e, { uri: '/?skip=x' })), []);
  assert.deepEqual(ids(run(e, { uri: '/?other=x' })), [2]);
});

test('the prefilter never changes a result: grouped and ungrouped rules agree', () => {
  const patterns = ['a+b', '(?i)select\\s+from', '^\\d{3}$', '[<>]script', 'x\\sy'];
  const grouped = engineFrom(patterns.map((p, i) => `SecRule ARGS "@rx ${p}" "id:${i + 1},phase:2,pass,t:none"`).join('\n'));
  const single = patterns.map((p) => engineFrom(`SecRule ARGS "@rx ${p}" "id:1,phase:2,pass,t:none"`));
  const inputs = ['aab', 'SELECT  from t', '123', '1234', '<script', 'x\x0by', 'nothing'];
  for (const v of inputs) {
    const got = ids(run(grouped, { uri: '/?v=' + encodeURIComponent(v) })).sort();
    const want = single.flatMap((e, i) => (ids(run(e, { uri: '/?v=' + encodeURIComponent(v) })).length ? [i + 1] : []));
    assert.deepEqual(got, want, JSON.stringify(v));
  }
});

test('run-time target removals shared between transactions: each request gets exactly its own', () => {
  // ctl:ruleRemoveTargetById results are cached per sequence of removals and reused by later
  // transactions: requests with different removals, none, or the same again must not mix
  const e = engineFrom(`
SecRule ARGS:dropq "@streq 1" "id:1,phase:1,pass,nolog,ctl:ruleRemoveTargetById=10;ARGS:q"
SecRule ARGS:dropr "@streq 1" "id:2,phase:1,pass,nolog,ctl:ruleRemoveTargetById=10;ARGS:r"
SecRule ARGS "@rx attack" "id:10,phase:2,pass,log"
`);
  const cases: [string, number[]][] = [
    ['/?dropq=1&q=attack', []],
    ['/?dropq=1&r=attack', [10]],
    ['/?q=attack', [10]],
    ['/?dropr=1&q=attack', [10]],
    ['/?dropr=1&r=attack', []],
    ['/?dropq=1&dropr=1&q=attack&r=attack', []],
    ['/?dropq=1&q=attack', []],
    ['/?r=attack', [10]],
  ];
  for (let round = 0; round < 2; round++) {
    for (const [uri, want] of cases) assert.deepEqual(ids(run(e, { uri })), want, `${uri} (round ${round})`);
  }
});
