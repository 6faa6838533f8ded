import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lexSecLang } from '../../../src/waf/seclang/lexer.js';
import { parseActionList } from '../../../src/waf/seclang/actions-parser.js';
import { parseTargets } from '../../../src/waf/seclang/variables-parser.js';
import { UserInputError } from '../../../src/errors.js';
import { engineFrom } from './helpers.js';

test('lexer: continuation lines join, comments skipped, every directive keeps its first line', () => {
  const d = lexSecLang('# comment\n\nSecRule ARGS "@rx a b" \\\n    "id:1,\\\n    phase:2"\nSecMarker END\r\n', 'r.conf');
  assert.equal(d.length, 2);
  assert.deepEqual(d[0], { name: 'SecRule', args: ['ARGS', '@rx a b', 'id:1,    phase:2'], file: 'r.conf', line: 3 });
  assert.deepEqual(d[1], { name: 'SecMarker', args: ['END'], file: 'r.conf', line: 6 });
});

test('lexer: only a backslash before the quote is an escape; regex backslashes are kept', () => {
  const d = lexSecLang('SecRule ARGS "@rx \\"a\\\\d\\s" "id:2"', 'r.conf');
  assert.equal(d[0]!.args[1], '@rx "a\\\\d\\s');
  assert.throws(() => lexSecLang('SecRule ARGS "@rx a', 'bad.conf'), /bad\.conf:1: unterminated/);
});

test('actions: commas inside quotes, escaped quotes, bare flags', () => {
  assert.deepEqual(parseActionList("id:5,msg:'a, b \\'c\\'',pass,setvar:'tx.x=+%{tx.y}'"), [
    { name: 'id', value: '5' }, { name: 'msg', value: "a, b 'c'" }, { name: 'pass', value: undefined }, { name: 'setvar', value: 'tx.x=+%{tx.y}' },
  ]);
});

test('targets: exclusion, counting, regex keys holding |, XML XPath keys', () => {
  const t = parseTargets('ARGS|!REQUEST_HEADERS:Referer|&ARGS|ARGS:/^(a|b)$/|XML:/*|XML://@*');
  assert.deepEqual(t.map((x) => [x.name, x.key, x.keyIsRegex, x.exclude, x.count]), [
    ['ARGS', undefined, false, false, false],
    ['REQUEST_HEADERS', 'Referer', false, true, false],
    ['ARGS', undefined, false, false, true],
    ['ARGS', '^(a|b)$', true, false, false],
    ['XML', '/*', false, false, false],
    ['XML', '//@*', false, false, false],
  ]);
});

function loadError(text: string): UserInputError {
  try {
    engineFrom(text, 'rules/bad.conf');
  } catch (err) {
    assert.ok(err instanceof UserInputError, `expected UserInputError, got ${String(err)}`);
    return err;
  }
  assert.fail('loaded without error');
}

test('errors name file, line and rule id', () => {
  const src = 'SecAction "id:1,phase:1,pass,nolog"\n\nSecRule ARGS "@nosuch x" \\\n  "id:42,phase:2"\n';
  const e = loadError(src);
  assert.match(e.message, /^rules\/bad\.conf:3: rule 42: unknown operator "@nosuch"/);
  assert.match(loadError('SecRule NOPE "@rx a" "id:7,phase:1"').message, /bad\.conf:1: rule 7: unknown variable "NOPE"/);
  assert.match(loadError('SecRule ARGS "@rx a" "id:8,phase:1,explode"').message, /bad\.conf:1: rule 8: unknown action "explode"/);
  assert.match(loadError('SecRule ARGS "@rx a" "id:9,t:rot13"').message, /bad\.conf:1: rule 9: unknown transformation "t:rot13"/);
  // RE2 refuses lookahead: the regex error carries the rule id too
  assert.match(loadError('SecRule ARGS "@rx a(?=b)" "id:10,phase:2"').message, /bad\.conf:1: rule 10: .*invalid perl operator/);
  assert.match(loadError('SecRule ARGS "@rx a" "phase:2"').message, /bad\.conf:1: rule has no id/);
  assert.match(loadError('SecAction "id:3,pass"\nSecAction "id:3,pass"').message, /bad\.conf:2: rule 3: duplicate id \(first at rules\/bad\.conf:1\)/);
  assert.match(loadError('SecRule ARGS "@rx a" "id:11,chain"').message, /bad\.conf:1: rule 11: chain action but no rule follows/);
  assert.match(loadError('SecRuleEngine Maybe').message, /bad\.conf:1: SecRuleEngine: expected On, Off or DetectionOnly/);
  assert.match(loadError('SecFrobnicate On').message, /bad\.conf:1: unknown directive SecFrobnicate/);
  // a chained rule's error names the chain starter's id
  assert.match(loadError('SecRule ARGS "@rx a" "id:12,phase:2,chain"\n  SecRule ARGS "@bad" ""').message, /bad\.conf:2: rule 12 \(chained rule\): unknown operator/);
});

test('fuzz: random rule text either loads or fails with a UserInputError naming the file', () => {
  const pieces = ['SecRule', 'SecAction', 'SecMarker', 'ARGS', 'REQUEST_HEADERS:Host', '!ARGS:/x|y/', '&TX:a', '"@rx a(b"', '"@rx ^a$"',
    '"id:1,phase:2,pass"', '"id:2,chain"', "\"msg:'unterminated", '\\\n', '"', "'", '|', ':', ',', 't:none', '@pm', 'X'.repeat(50), '\xff\xfe', '#', '\n'];
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let loaded = 0;
  let refused = 0;
  for (let i = 0; i < 500; i++) {
    let text = '';
    const lines = 1 + rnd(3);
    for (let l = 0; l < lines; l++) {
      const directive = ['SecRule ARGS "@rx a"', 'SecAction', 'SecMarker', 'SecRule', '# comment'][rnd(5)]!;
      text += directive + ' ';
      const len = rnd(4);
      for (let j = 0; j < len; j++) text += pieces[rnd(pieces.length)] + (rnd(3) ? ' ' : '');
      text += ` "id:${100 + i * 10 + l},phase:2,pass"\n`;
    }
    try {
      engineFrom(text, 'fuzz.conf');
      loaded++;
    } catch (err) {
      refused++;
      assert.ok(err instanceof UserInputError, `not a UserInputError for ${JSON.stringify(text)}: ${String(err)}`);
      assert.match(err.message, /^fuzz\.conf(:\d+)?: /);
    }
  }
  assert.ok(loaded > 0 && refused > 0, `loaded ${loaded}, refused ${refused}`);
});
