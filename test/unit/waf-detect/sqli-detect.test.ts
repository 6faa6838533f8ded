import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectSQLi } from '../../../src/waf/detect/sqli.js';
import { BENIGN, SQLI_ATTACKS } from './samples.js';

test('every SQL injection in our attack set is detected', () => {
  const missed = SQLI_ATTACKS.filter((s) => !detectSQLi(s).match);
  assert.deepEqual(missed, []);
});

test('no benign value is flagged', () => {
  const flagged = BENIGN.filter((s) => detectSQLi(s).match).map((s) => `${s} => ${detectSQLi(s).fingerprint}`);
  assert.deepEqual(flagged, []);
});

const FAMILIES: Array<[string, string, string]> = [
  ['tautology on a number', '1 or 1=1', '1&1'],
  ['tautology after a single quote', "x' or 'a'='a", 's&s'],
  ['tautology after a double quote', 'x" or 1=1 --', 's&1c'],
  ['union select', "' union select null--", 'sUE1c'],
  ['stacked query', '1; drop table users', '1;En'],
  ['comment cut', "admin'#", 'sc'],
  ['time based', "' and sleep(5)--", 's&f(1'],
  ['mysql conditional comment', '1/*!union*/select', '1X'],
  ['hex literal compare', "' or 0x41=0x41 --", 's&1c'],
  ['char() building', "' or char(65)=char(65)--", 's&f(1'],
  ['waitfor', "'; waitfor delay '0:0:5'--", 's;Tsc'],
];

for (const [family, input, fp] of FAMILIES) {
  test(`detects ${family}: ${input}`, () => {
    assert.deepEqual(detectSQLi(input), { match: true, fingerprint: fp });
  });
}

test('the result carries the plain reading fingerprint when nothing matches', () => {
  assert.deepEqual(detectSQLi("O'Brien"), { match: false, fingerprint: 'ns' });
  assert.deepEqual(detectSQLi(''), { match: false, fingerprint: '' });
});

test('binary strings with high bytes are words, not attacks', () => {
  assert.equal(detectSQLi('caf\xe9 cr\xe8me br\xfbl\xe9e').match, false);
  assert.equal(detectSQLi("\xe9' or 1=1--").match, true);
});

test('long folded runs are judged as usual, not as padding', () => {
  assert.equal(detectSQLi(".'".repeat(200)).match, false);
  assert.equal(detectSQLi('1+'.repeat(200) + '1').match, false);
});

// Prose and code shapes found while measuring false positives on documentation text; each pairs
// with the attack it resembles.
const LOOKALIKES: Array<[string, boolean]> = [
  ['to" -- that is, the subject of the sentence', false],
  ['admin" -- ', true],
  ['Guard by "#ifdef', false],
  ["admin'#", true],
  ['find/*.c locate/*.c xargs/*.c', false],
  ['/post/*/*/2 union all', true],
  ['/*! jQuery v3.6.0 | (c) OpenJS Foundation */', false],
  ['1/*!50000union*/select 1', true],
  ['/*!or*/1=1', true],
  ['(merge 5eb660e ab/perl-i18n later to maint).', false],
  ['(select 1)', true],
  ['update /etc/motd.tail based on md5sum', false],
  ['select * from users', true],
  ["send('shutdown')", false],
  ["'; shutdown--", true],
  ['Also removed "if (interactive)" before', false],
  ['x" if(1=1,sleep(5),0) "', true],
  ['747772 Having hardcoded utf8 strings', false],
  ['1 having 1=1', true],
  ["'^[a-z][-a-z0-9_]*$'", false],
  ['" | type %SystemDrive%\\config.ini | "', true],
  ["'cipher.c'; Add selection of ghash", false],
  ["'; set @a=1", true],
  ['(the "Files") or Unicode software and any associated documentation', false],
  ["x')) or sleep(5)#", true],
  ['"$DIFF_HIGHLIGHT" | left_trim >graph.exp &&', false],
  ["g]'|fe\xe2\x18z\xb1", false],
];

for (const [input, want] of LOOKALIKES) {
  test(`lookalike ${JSON.stringify(input)} is ${want ? 'an attack' : 'benign'}`, () => {
    assert.equal(detectSQLi(input).match, want, detectSQLi(input).fingerprint);
  });
}
