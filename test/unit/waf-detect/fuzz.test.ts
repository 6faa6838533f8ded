import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fold, MAX_RAW_TOKENS } from '../../../src/waf/detect/sqli-fold.js';
import { detectSQLi, detectSQLiUncached } from '../../../src/waf/detect/sqli.js';
import { SqlTokenizer } from '../../../src/waf/detect/sqli-tokenizer.js';
import { detectXSS, detectXSSUncached } from '../../../src/waf/detect/xss.js';

// Robustness: hostile input never throws, and the work is bounded. Time limits here are generous
// safety nets against a hang (quadratic behaviour on 1 MB would take minutes), not speed targets:
// throughput is measured by throughput.ts.

/** Small deterministic PRNG so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const ALPHABET = "'\"`\\/*-#;()<>=!&|@:,.{}[]?%+ \t\n\0aoe1x0unionselect/*!onerror=javascript:<script";

function randomInput(r: () => number, len: number, binary: boolean): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    s += binary ? String.fromCharCode(Math.floor(r() * 256)) : ALPHABET[Math.floor(r() * ALPHABET.length)];
  }
  return s;
}

test('random bytes and random syntax soup never throw', () => {
  const r = rng(0x5eed);
  for (let i = 0; i < 4000; i++) {
    const s = randomInput(r, Math.floor(r() * 200), i % 2 === 0);
    const res = detectSQLi(s);
    assert.equal(typeof res.match, 'boolean');
    assert.ok(res.fingerprint.length <= 5);
    assert.equal(typeof detectXSS(s), 'boolean');
  }
});

test('random sequences of SQL and HTML pieces never throw', () => {
  // Pieces rather than bytes reach the folding, veto and attribute paths far more often.
  const pieces = ["'", '"', '`', ' ', '1', '0x1f', 'or', 'and', '||', '&&', '=', '-', '+', '(', ')', ',', ';', '--', '#',
    '/*', '*/', '/*!', 'union', 'all', 'select', 'sleep', 'if', 'order', 'by', 'waitfor', 'delay', 'not', 'in', '@@v',
    '@x', 'x', 'null', 'true', '\\', '<', '>', 'script', 'img', 'onerror', 'href', 'javascript:', '&#x6a;', '&colon;',
    '!', '?', '\n', '\xe9', '\u2028', 'is', 'like', 'drop', 'table', '|', '^', ':', '.', '[', ']', '{', '}', 'char',
    'concat', 'exec', 'having', 'collate'];
  const r = rng(99);
  let sqli = 0;
  let xss = 0;
  for (let i = 0; i < 30_000; i++) {
    const n = 1 + Math.floor(r() * 14);
    let s = '';
    for (let k = 0; k < n; k++) s += pieces[Math.floor(r() * pieces.length)]! + (r() < 0.5 ? ' ' : '');
    if (detectSQLi(s).match) sqli++;
    if (detectXSS(s)) xss++;
  }
  // both detectors were exercised on both outcomes
  assert.ok(sqli > 100 && sqli < 29_900, `sqli matched ${sqli}`);
  assert.ok(xss > 10 && xss < 29_990, `xss matched ${xss}`);
});

test('chars above 0xFF (non-binary strings) are handled', () => {
  for (const s of ['\u2028\u2029', '\ud800', '\uffff<script>', "\u0100' or 1=1--", '\u00a0or\u00a01=1']) {
    detectSQLi(s);
    detectXSS(s);
  }
  assert.equal(detectXSS('\uffff<script>'), true);
});

test('tokenizer always makes progress', () => {
  const r = rng(42);
  for (let i = 0; i < 500; i++) {
    const s = randomInput(r, 300, i % 2 === 0);
    const tz = new SqlTokenizer(s);
    let n = 0;
    let last = -1;
    for (let t = tz.next(); t !== null; t = tz.next()) {
      assert.ok(t.pos > last || t.pos === 0, 'token positions advance');
      last = t.pos;
      n++;
      assert.ok(n <= s.length, 'no more tokens than chars');
    }
  }
});

test('folding examines a bounded number of tokens, and padding cannot hide an attack', () => {
  // A million comments would otherwise be walked one by one; running out of budget with the
  // fingerprint window still empty is itself the attack signal.
  const s = '/**/'.repeat(250_000) + ' union select 1';
  const f = fold(s, '');
  assert.equal(f.fingerprint, 'X');
  assert.ok(MAX_RAW_TOKENS <= 1000);
  assert.equal(detectSQLi(`1${'/**/'.repeat(MAX_RAW_TOKENS)} or 1=1`).match, true);
  // a long run that does fill the window is judged on its first five tokens as usual
  assert.equal(detectSQLi('a '.repeat(500)).match, false);
});

const BIG: Array<[string, string]> = [
  ['1 MB of one char', 'a'.repeat(1 << 20)],
  ['1 MB of quotes', "'".repeat(1 << 20)],
  ['1 MB of alternating quotes', `'"`.repeat(1 << 19)],
  ['1 MB of nested quotes with escapes', "\\'\"\\\"'".repeat(1 << 18)],
  ['1 MB of open comments', '/*'.repeat(1 << 19)],
  ['1 MB of nested comment openers and closers', '/*/*/'.repeat(209715)],
  ['1 MB of dashes', '-'.repeat(1 << 20)],
  ['1 MB of <', '<'.repeat(1 << 20)],
  ['1 MB of <a', '<a'.repeat(1 << 19)],
  ['1 MB of attributes', `<a ${'x=1 '.repeat(1 << 18)}`],
  ['1 MB of open attribute values', `<a ${'x="'.repeat(349525)}`],
  ['1 MB of comments', '<!--'.repeat(1 << 18)],
  ['1 MB of words and spaces', 'or '.repeat(349525)],
  ['1 MB of whitespace then an attack', `${' '.repeat(1 << 20)}' or 1=1--`],
  ['1 MB random binary', randomInput(rng(7), 1 << 20, true)],
  ['1 MB of nested parentheses', '('.repeat(1 << 20)],
  ['1 MB of quotes nested in quotes', `"'\\"'`.repeat(1 << 18)],
  ['1 MB of doubled quotes', "''".repeat(1 << 19)],
  ['1 MB of nested tags with open values', '<a href="<b title=\''.repeat(55188)],
  ['1 MB of /*! openers', '/*!'.repeat(349525)],
  ['1 MB of character references in a URL', `<a href="${'&#x6a;'.repeat(174762)}">`],
];

for (const [name, s] of BIG) {
  test(`1 MB input: ${name}`, { timeout: 30_000 }, () => {
    const r = detectSQLi(s);
    assert.equal(typeof r.match, 'boolean');
    assert.equal(typeof detectXSS(s), 'boolean');
  });
}

test('leading whitespace does not hide an attack', () => {
  assert.equal(detectSQLi(`${' '.repeat(1 << 20)}' or 1=1--`).match, true);
  assert.equal(detectXSS(`${' '.repeat(1 << 20)}<script>`), true);
});

test('the memo answers exactly what the detectors answer, also after it fills up', () => {
  const r = rng(2024);
  for (let i = 0; i < 20_000; i++) {
    const s = randomInput(r, 1 + Math.floor(r() * 40), i % 3 === 0);
    const again = i % 5 === 0 ? randomInput(rng(i % 50), 20, false) : s; // some values repeat
    assert.deepEqual(detectSQLi(again), detectSQLiUncached(again));
    assert.equal(detectXSS(again), detectXSSUncached(again));
  }
  // a caller mutating a result does not change later answers
  const first = detectSQLi("' or 1=1--");
  first.match = false;
  assert.equal(detectSQLi("' or 1=1--").match, true);
});
