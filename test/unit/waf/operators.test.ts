import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { OPERATORS } from '../../../src/waf/operators/index.js';
import { sharedDir } from '../../../src/paths.js';
import { engineFrom } from './helpers.js';

const tx = engineFrom('').newTransaction('t');
const ctx = { where: { file: 'test.conf', line: 1 }, dir: path.join(sharedDir, 'crs', 'rules') };

function op(name: string, param: string, value: string): boolean {
  const def = OPERATORS.get(name.toLowerCase());
  assert.ok(def, `operator @${name}`);
  return def.compile(param, ctx)(tx, value, true);
}

const cases: [string, string, string, boolean][] = [
  ['rx', '^a.c$', 'a\nc', true], // DOTALL, as ModSecurity compiles
  ['rx', 'a$', 'a\n', false], // DOLLAR_ENDONLY
  ['rx', 'a\\sb', 'a\x0bb', true], // PCRE \s includes VT; RE2's does not
  ['rx', '[\\s]x', '\x0bx', true],
  ['rx', 'a\\Sb', 'a\x0bb', false],
  ['rx', '\\xc2\\xa0', 'x\xc2\xa0y', true], // byte-written UTF-8 pattern on a byte string
  ['pm', 'foo Bar', 'xxBARxx', true],
  ['pm', 'foo bar', 'fo ba', false],
  ['streq', 'abc', 'abc', true],
  ['streq', 'abc', 'abcd', false],
  ['contains', 'bc', 'abcd', true],
  ['containsWord', 'bc', 'a bc d', true],
  ['containsWord', 'bc', 'abcd', false],
  ['beginsWith', 'ab', 'abc', true],
  ['endsWith', 'bc', 'abc', true],
  ['within', 'GET HEAD POST', 'HEAD', true],
  ['within', 'GET HEAD POST', 'PUT', false],
  ['eq', '5', '5', true],
  ['eq', '0', 'abc', true], // atoi
  ['lt', '10', '9', true],
  ['le', '10', '10', true],
  ['gt', '10', '11', true],
  ['ge', '10', '9', false],
  ['ne', '1', '2', true],
  ['validateByteRange', '32-126', 'abc', false],
  ['validateByteRange', '32-126', 'ab\x01', true],
  ['validateByteRange', '9,10,13,32-126', 'a\tb', false],
  ['validateUrlEncoding', '', 'a%20b', false],
  ['validateUrlEncoding', '', 'a%2', true],
  ['validateUrlEncoding', '', 'a%zz', true],
  ['validateUtf8Encoding', '', 'caf\xc3\xa9', false],
  ['validateUtf8Encoding', '', 'caf\xe9', true],
  ['validateUtf8Encoding', '', '\xc0\xaf', true], // overlong '/'
  ['ipMatch', '10.0.0.0/8,192.168.1.1,::1', '10.2.3.4', true],
  ['ipMatch', '10.0.0.0/8,192.168.1.1,::1', '192.168.1.2', false],
  ['ipMatch', '10.0.0.0/8,192.168.1.1,::1', '::1', true],
  ['ipMatch', '2001:db8::/32,172.16.0.0/12', '2001:db8:0:1::5', true],
  ['ipMatch', '2001:db8::/32,172.16.0.0/12', '2001:db9::1', false],
  ['ipMatch', '2001:db8::/32,172.16.0.0/12', '172.31.255.255', true],
  ['ipMatch', '2001:db8::/32,172.16.0.0/12', '172.32.0.1', false],
  ['ipMatch', '10.0.0.0/8', 'not-an-ip', false],
  ['unconditionalMatch', '', 'x', true],
  ['noMatch', '', 'x', false],
  ['pmFromFile', 'unix-shell.data', 'x /bin/bash y', true],
  ['pmFromFile', 'unix-shell.data', 'hello world', false],
];

test('operators: table of parameters, inputs and results', () => {
  for (const [name, param, value, want] of cases) assert.equal(op(name, param, value), want, `@${name} ${param} on ${JSON.stringify(value)}`);
});

test('@rx capture fills TX.0..TX.9; @pm captures the phrase', () => {
  assert.equal(op('rx', '(a)(b)?(c)', 'xac'), true);
  assert.equal(tx.getVar('TX', '0'), 'ac');
  assert.equal(tx.getVar('TX', '1'), 'a');
  assert.equal(tx.getVar('TX', '2'), '');
  assert.equal(tx.getVar('TX', '3'), 'c');
  assert.equal(op('pm', 'evil', 'some EVIL here'), true);
  assert.equal(tx.getVar('TX', '0'), 'EVIL');
});

test('@detectSQLi / @detectXSS call the detectors', () => {
  assert.equal(op('detectSQLi', '', "1' or '1'='1"), true);
  assert.equal(op('detectSQLi', '', 'hello world'), false);
  assert.equal(op('detectXSS', '', '<script>alert(1)</script>'), true);
  assert.equal(op('detectXSS', '', 'just text'), false);
});

test('operators reject bad parameters at load time', () => {
  assert.throws(() => op('validateByteRange', '300-400', 'x'), /bad range/);
  assert.throws(() => op('ipMatch', 'not-an-ip', 'x'), /not an IP address/);
  assert.throws(() => op('pmFromFile', 'no-such-file.data', 'x'), /cannot read phrase file/);
});
