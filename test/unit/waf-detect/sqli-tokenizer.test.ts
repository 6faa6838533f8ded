import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlTokenizer } from '../../../src/waf/detect/sqli-tokenizer.js';

function tokens(input: string, quote: '' | "'" | '"' = ''): Array<[string, string]> {
  const tz = new SqlTokenizer(input, { quote });
  const out: Array<[string, string]> = [];
  for (let t = tz.next(); t !== null; t = tz.next()) out.push([t.type, t.val]);
  return out;
}

const TABLE: Array<[string, Array<[string, string]>]> = [
  ['select * from t', [['E', 'select'], ['o', '*'], ['k', 'from'], ['n', 't']]],
  ["id='a''b'", [['n', 'id'], ['o', '='], ['s', "a''b"]]],
  ["'esc\\'aped' x", [['s', "esc\\'aped"], ['n', 'x']]],
  ["'open", [['s', 'open']]],
  ['"dq" `bt` [br]', [['s', 'dq'], ['n', 'bt'], ['n', 'br']]],
  ["N'abc' X'41' b'01'", [['s', 'abc'], ['s', '41'], ['s', '01']]],
  ['0x41 0b101 1.5e3 .5 7 20.to_i', [['1', '0x41'], ['1', '0b101'], ['1', '1.5e3'], ['1', '.5'], ['1', '7'], ['1', '20.'], ['n', 'to_i']]],
  ['1e', [['1', '1'], ['n', 'e']]],
  ['@@version @x @\'q\'', [['v', '@@version'], ['v', '@x'], ['v', "@'q'"]]],
  ['/* c */ -- d', [['c', '/* c */'], ['c', '-- d']]],
  ['# line\nx', [['c', '# line'], ['n', 'x']]],
  ['/*!50000 union*/', [['X', '/*!50000 union*/']]],
  ['/*/* nested */', [['X', '/*/* nested */']]],
  ['/*/*/', [['X', '/*/*/']]],
  ['/* open', [['c', '/* open']]],
  ['a<=>b != c || d && e := f', [['n', 'a'], ['o', '<=>'], ['n', 'b'], ['o', '!='], ['n', 'c'], ['&', '||'], ['n', 'd'], ['&', '&&'], ['n', 'e'], ['o', ':='], ['n', 'f']]],
  ['a and b OR c xor d', [['n', 'a'], ['&', 'and'], ['n', 'b'], ['&', 'or'], ['n', 'c'], ['&', 'xor'], ['n', 'd']]],
  ['sleep(5) sleep', [['f', 'sleep'], ['(', '('], ['1', '5'], [')', ')'], ['n', 'sleep']]],
  ['sleep (5)', [['f', 'sleep'], ['(', '('], ['1', '5'], [')', ')']]],
  ['dbms_lock.sleep(5)', [['f', 'dbms_lock.sleep'], ['(', '('], ['1', '5'], [')', ')']]],
  ['union except intersect', [['U', 'union'], ['U', 'except'], ['U', 'intersect']]],
  ['waitfor having null true', [['T', 'waitfor'], ['B', 'having'], ['1', 'null'], ['1', 'true']]],
  ['not like is', [['o', 'not'], ['o', 'like'], ['o', 'is']]],
  ['cast(x as int)', [['f', 'cast'], ['(', '('], ['n', 'x'], ['k', 'as'], ['t', 'int'], [')', ')']]],
  ['a,b;c:d{e}\\', [['n', 'a'], [',', ','], ['n', 'b'], [';', ';'], ['n', 'c'], [':', ':'], ['n', 'd'], ['{', '{'], ['n', 'e'], ['}', '}'], ['\\', '\\']]],
  ['caf\xe9 \xff\xfe', [['n', 'caf\xe9'], ['n', '\xff\xfe']]],
  ['a\u0100B', [['n', 'a\u0101b']]],
  ['\x00\x01', [['?', '\x01']]],
  ['', []],
  ['   \t\r\n', []],
];

for (const [input, want] of TABLE) {
  test(`tokenize ${JSON.stringify(input)}`, () => {
    assert.deepEqual(tokens(input), want);
  });
}

test('a quote context reads the start as the rest of an open string', () => {
  assert.deepEqual(tokens("abc' or 1", "'"), [['s', 'abc'], ['&', 'or'], ['1', '1']]);
  assert.deepEqual(tokens('abc" or 1', '"'), [['s', 'abc'], ['&', 'or'], ['1', '1']]);
  // the other quote does not close it
  assert.deepEqual(tokens('abc" or 1', "'"), [['s', 'abc" or 1']]);
});

test('long words are cut in val but fully consumed', () => {
  const long = 'a'.repeat(1000);
  const t = tokens(`${long} or`);
  assert.equal(t.length, 2);
  assert.equal(t[0]![1].length, 32);
  assert.deepEqual(t[1], ['&', 'or']);
});
