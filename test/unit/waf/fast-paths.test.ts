import { test } from 'node:test';
import assert from 'node:assert/strict';
import RE2 from 're2';
import { narrowerFor, narrowValues, hasLineAnchor } from '../../../src/waf/prefilter.js';
import { compileRegex, pcreSpaceToRe2, re2Subject } from '../../../src/waf/regex.js';
import { OPERATORS } from '../../../src/waf/operators/index.js';
import type { OperatorFn } from '../../../src/waf/types.js';

let seed = 5;
const rnd = (n: number): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return (seed >>> 8) % n;
};
const pieces = ['a', 'b', 'x', 'Z', '0', '9', '_', ' ', '\t', '\n', '\r', '\0', '\x01', '\x7f', '\x80', '\xc3', '\xa9', '\xe2', '\x82', '\xac', '\xff',
  '%0a', '<', '>', '"', "'", '=', '/', '*', ';', 'foo', 'bar', 'select', 'SCRIPT'];
const randomValue = (max: number): string => {
  let s = '';
  const len = rnd(max);
  for (let i = 0; i < len; i++) s += pieces[rnd(pieces.length)];
  return s;
};

function compile(op: string, param: string): OperatorFn {
  return OPERATORS.get(op.toLowerCase())!.compile(param, { where: { file: 't', line: 1 }, dir: '.' });
}

test('hasLineAnchor: ^ and $ outside classes and escapes', () => {
  for (const [src, want] of [['^a', true], ['a$', true], ['a|^b', true], ['[\\n\\r]', false], ['[^a]', false], ['[$^]', false], ['\\$x\\^', false],
    ['[]^$]x', false], ['(?:a[$])$', true], ['\\s', false], ['.', false], ['a\\\\$', true]] as const) {
    assert.equal(hasLineAnchor(src), want, src);
  }
});

test('narrowing with a separator other than \\n: every value the pattern matches alone is reported (random values)', () => {
  const patterns = ['[\\n\\r]', '\\s', '.', 'foo\\b', '\\bbar', '\\Bo', '[^a-z]', 'x\\x00?y', '(?i)select', '\\x7f',
    '\\s|foo\\b', '[\\n\\r]|\\bbar', '\\n|\\Bo', '\\s|a\\x00?b'];
  let alt = 0;
  for (const p of patterns) {
    const fn = { pattern: p };
    const nw = narrowerFor(fn);
    assert.ok(nw, p);
    if (nw.sep !== '\n') alt++;
    const alone = compileRegex(p);
    for (let round = 0; round < 400; round++) {
      const values: string[] = [];
      const n = 2 + rnd(12);
      for (let i = 0; i < n; i++) values.push(randomValue(6));
      const starts = new Int32Array(n);
      let joined = '';
      values.forEach((v, i) => {
        if (i) joined += nw.sep;
        starts[i] = joined.length;
        joined += v;
      });
      const maybe = narrowValues(nw.re, joined, starts);
      values.forEach((v, i) => {
        if (alone.test(v)) assert.equal(maybe[i], 1, `${p}: ${JSON.stringify(v)} matches but was not reported in ${JSON.stringify(values)}`);
      });
    }
  }
  assert.ok(alt >= 5, 'the newline-matching patterns without anchors get another separator');
  assert.equal(narrowerFor({ pattern: '^$' })?.sep, '\n', 'an anchored pattern keeps \\n');
});

test('noneCanMatch: when the operator rules out the joined values, it matches none of them (random values)', () => {
  const ops: [string, string][] = [['validateByteRange', '1-255'], ['validateByteRange', '9,10,13,32-126,128-255'], ['validateByteRange', '32-126,10'],
    ['validateUtf8Encoding', '']];
  for (const [name, param] of ops) {
    const fn = compile(name, param);
    assert.ok(fn.noneCanMatch, `${name} ${param} has the joined test`);
    let ruledOut = 0, matched = 0;
    for (let round = 0; round < 3000; round++) {
      const values: string[] = [];
      const n = 1 + rnd(6);
      for (let i = 0; i < n; i++) values.push(randomValue(rnd(3) === 0 ? 8 : 3).replace(/[\0\x80-\xff]/g, (c) => (rnd(4) === 0 ? c : 'q')));
      const any = values.some((v) => fn({} as never, v, false));
      if (any) matched++;
      if (fn.noneCanMatch!(values.join('\n'))) {
        ruledOut++;
        assert.equal(any, false, `${name} ${param}: ruled out ${JSON.stringify(values)} but a value matches`);
      }
    }
    assert.ok(ruledOut > 100 && matched > 100, `${name} ${param}: both outcomes were tried (${ruledOut} ruled out, ${matched} matched)`);
  }
  assert.equal(compile('validateByteRange', '32-126').noneCanMatch, undefined, 'no joined test when \\n itself is outside the range');
});

test('re2Subject: RE2 and RE2.Set answer the same on the UTF-8 Buffer as on the string (random binary values, short and long)', () => {
  const patterns = ['\\xc3\\xa9', '[\\x80-\\xff]{2}', '(?i)select\\s', '^a', 'b$', '\\bfoo\\b', '.{3}\\xff'];
  const res = patterns.map((p) => compileRegex(p));
  const set = new RE2.Set(patterns.map((p) => '(?m)' + p), 's');
  for (let round = 0; round < 2000; round++) {
    let v = randomValue(12);
    if (round % 50 === 0) v = v.repeat(400); // past the scratch-buffer threshold
    const b = re2Subject(v);
    res.forEach((re, i) => assert.equal(re.test(b), re.test(v), `${patterns[i]} on ${JSON.stringify(v.slice(0, 40))}`));
    assert.deepEqual(set.match(b), set.match(v));
  }
});

test('pcreSpaceToRe2 copying runs agrees with the character-by-character rewrite (random patterns)', () => {
  const reference = (src: string): string => {
    let out = '';
    let inClass = false;
    for (let i = 0; i < src.length; i++) {
      const c = src[i]!;
      if (c === '\\' && i + 1 < src.length) {
        const n = src[i + 1]!;
        i++;
        if (n === 's') out += inClass ? '\\s\\x0b' : '[\\s\\x0b]';
        else if (n === 'S' && !inClass) out += '[^\\s\\x0b]';
        else out += c + n;
        continue;
      }
      if (!inClass && c === '[') {
        inClass = true;
        out += c;
        if (src[i + 1] === '^') { out += '^'; i++; }
        if (src[i + 1] === ']') { out += ']'; i++; }
        continue;
      }
      if (inClass && c === '[' && src[i + 1] === ':') {
        const end = src.indexOf(':]', i + 2);
        if (end > 0) { out += src.slice(i, end + 2); i = end + 1; continue; }
      }
      if (inClass && c === ']') inClass = false;
      out += c;
    }
    return out;
  };
  const alphabet = ['\\', 's', 'S', '[', ']', '^', ':', 'a', '[:alpha:]', ':]', 'x', '\\s', '\\S', '[^', '[]', '(?i)'];
  for (let i = 0; i < 20000; i++) {
    let p = '';
    for (let j = rnd(14); j > 0; j--) p += alphabet[rnd(alphabet.length)];
    assert.equal(pcreSpaceToRe2(p), reference(p), JSON.stringify(p));
  }
});
