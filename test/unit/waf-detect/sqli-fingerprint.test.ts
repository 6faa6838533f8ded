import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fold, FINGERPRINT_LEN } from '../../../src/waf/detect/sqli-fold.js';
import { isAttackFingerprint, knowledgeSetSize } from '../../../src/waf/detect/sqli-fingerprints.js';

// [input, quote context, expected fingerprint]
const TABLE: Array<[string, '' | "'" | '"', string]> = [
  ['1 or 1=1', '', '1&1'],
  ["x' or '1'='1", "'", 's&s'],
  ['x" or "1"="1', '"', 's&s'],
  ["' or 1=1--", "'", 's&1c'],
  ["admin'--", "'", 'sc'],
  ["admin' -- x", "'", 'sc'],
  ["admin'--x", "'", 's'], // MySQL needs a space after --
  [".option('--first')", "'", 's'], // the comment holds the quote: text, not a cut
  ['-1 or -2', '', '1&1'], // unary minus dropped
  ['1 or not 1', '', '1&1'],
  ['2010-01-01', '', '1'], // arithmetic folds
  ["'a' 'b' 'c'", '', 's'], // adjacent strings concatenate
  ['1 union all select 1,2', '', '1UE1,'],
  ['1 union/**/select 1', '', '1UE1'], // comments between tokens vanish
  ["x') waitfor delay '0:0:5'--", "'", 's)Tsc'],
  ['1 order by 1', '', '1B1'],
  ['a group by b', '', 'nBn'],
  ['1 is not null', '', '1'],
  ['sleep(5)', '', 'f(1)'],
  ['sleep', '', 'n'],
  ['/*!union*/ select', '', 'X'],
  ['hello world', '', 'nn'],
  ["O'Brien", '', 'ns'],
  ["O'Brien", "'", 'sn'],
  ['a b c d e f g h', '', 'nnnnn'],
  ['', '', ''],
  ['/* only a comment */', '', 'c'],
  // libinjection's published README example yields s&1UE; our independent folding agrees
  ["-1' and 1=1 union/* foo */select load_file('/etc/passwd')--", "'", 's&1UE'],
];

for (const [input, quote, want] of TABLE) {
  test(`fingerprint ${JSON.stringify(input)} in context ${JSON.stringify(quote)} is ${want}`, () => {
    assert.equal(fold(input, quote).fingerprint, want);
  });
}

test('fingerprints are at most five tokens', () => {
  const f = fold('1 union select 1,2,3,4,5,6,7,8 from t where a=1', '');
  assert.equal(f.fingerprint.length, FINGERPRINT_LEN);
  assert.equal(f.fingerprint, '1UE1,');
});

test('knowledge set: prefix, exact and class patterns', () => {
  // prefix pattern s&1*
  assert.ok(isAttackFingerprint('s&1'));
  assert.ok(isAttackFingerprint('s&1on'));
  // exact-only pattern 1&1 with chosen tails: a count in prose is not an attack
  assert.ok(isAttackFingerprint('1&1'));
  assert.ok(isAttackFingerprint('1&1c'));
  assert.ok(!isAttackFingerprint('1&1n'));
  // union select anywhere in the window
  assert.ok(isAttackFingerprint('nnUE1'));
  assert.ok(isAttackFingerprint('1)U(E'));
  // evil token anywhere
  assert.ok(isAttackFingerprint('onX'));
  for (const benign of ['', 'n', 'nn', 's', 'sn', 'ns', 'nsn', '1', '1o1', 'onono', 'sUon', 'E', 'En', 'Ekn', 'T', 'f(n,n']) {
    assert.ok(!isAttackFingerprint(benign), benign);
  }
  const size = knowledgeSetSize();
  assert.ok(size.exact > 10 && size.prefix > 50, JSON.stringify(size));
});
