import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TRANSFORMATIONS } from '../../../src/waf/transformations/index.js';

function t(name: string, input: string): string {
  const tr = TRANSFORMATIONS.get(name.toLowerCase());
  assert.ok(tr, `transformation ${name}`);
  return tr.fn(input);
}

const cases: [string, string, string][] = [
  ['lowercase', 'SeLeCT \xc9', 'select \xc9'],
  ['urlDecodeUni', 'a%20b+c%2', 'a b c%2'],
  ['urlDecodeUni', '%u0041%uFF1C%zz', 'A<%zz'],
  ['urlDecode', '%u0041%41', '%u0041A'],
  ['jsDecode', '\\x41\\u0042\\101\\n\\q', 'ABA\nq'],
  ['htmlEntityDecode', '&lt;a&#x41;&#66&quot;&amp&nbsp;&bogus;', '<aAB"&\xa0&bogus;'],
  ['utf8toUnicode', 'a\xc3\xa9\xe2\x82\xac\xff', 'a%u00e9%u20ac\xff'],
  ['removeNulls', 'a\0b\0', 'ab'],
  ['cssDecode', '\\3c script\\>\\\nx', '<script>x'],
  ['cmdLine', 'C^:\\"Win"dows\\, ;  /c ,WHO\'AMI', 'c:windows/c whoami'], // spaces before / and ( go,
  ['removeWhitespace', ' a \t b\xa0c\n', 'abc'],
  ['compressWhitespace', 'a  \t\n b\xa0\xa0c', 'a b c'],
  ['replaceComments', 'a/*x*/b/*open', 'a b '],
  ['removeComments', 'a/*x*/b -- rest', 'ab '],
  ['removeCommentsChar', 'a/*b*/c--d#e', 'abcde'],
  ['normalizePath', '/a//b/./c/../d/', '/a/b/d/'],
  ['normalizePath', '../../etc/passwd', '../../etc/passwd'],
  ['normalizePath', '/../../etc/passwd', '/etc/passwd'],
  ['normalizePathWin', 'C:\\a\\..\\b', 'C:/b'],
  ['escapeSeqDecode', '\\x41\\101\\n\\\\\\z', 'AA\n\\\\z'],
  ['base64Decode', 'PHNjcmlwdD4=!ignored', '<script>'],
  ['length', 'abc\xff', '4'],
  ['hexEncode', 'A\xff', '41ff'],
  ['sha1', 'abc', Buffer.from('a9993e364706816aba3e25717850c26c9cd0d89d', 'hex').toString('latin1')],
  ['trim', ' \ta b\n', 'a b'],
];

test('transformations: table of inputs and outputs (binary strings, one char per byte)', () => {
  for (const [name, input, want] of cases) assert.equal(t(name, input), want, `${name}(${JSON.stringify(input)})`);
});

test('transformations never throw and stay linear on hostile input', () => {
  const inputs = [
    '%'.repeat(100_000), '%u'.repeat(50_000), '\\'.repeat(100_000), '&#'.repeat(50_000) + '9'.repeat(1000),
    '/*'.repeat(50_000), '../'.repeat(50_000), '\xff\xfe\xc0\xaf'.repeat(25_000), '\\x'.repeat(50_000),
  ];
  // 100 nested URL encodings of one payload decode one layer per pass, never recursing
  let nested = '<script>';
  for (let i = 0; i < 100; i++) nested = encodeURIComponent(nested);
  inputs.push(nested);
  const t0 = performance.now();
  for (const tr of TRANSFORMATIONS.values()) for (const s of inputs) assert.equal(typeof tr.fn(s), 'string');
  let s = nested;
  for (let i = 0; i < 100; i++) s = t('urlDecodeUni', s);
  assert.equal(s, '<script>');
  assert.ok(performance.now() - t0 < 20_000, 'no transformation is super-linear');
});

test('join-safe transformations: T(a + "\\n" + b) === T(a) + "\\n" + T(b) on random escape-heavy values', () => {
  const alphabet = ['%', 'u', 'U', 'f', 'F', '0', '4', '1', 'a', 'A', '&', '#', 'x', ';', 'l', 't', 'g', 'q', '/', '*', '-', '\\', '\0', ' ', '+', '\n', '\xc3', '\xa9', '\xe2', '\x82', '\xff', 'amp', 'lt'];
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const value = () => {
    let s = '';
    const len = rnd(12);
    for (let i = 0; i < len; i++) s += alphabet[rnd(alphabet.length)];
    return s;
  };
  const safe = [...TRANSFORMATIONS.values()].filter((x) => x.joinSafe || x.joinSafeFor);
  assert.ok(safe.length >= 12);
  for (const tr of safe) {
    for (let i = 0; i < 3000; i++) {
      const a = value(), b = value();
      // conditionally safe ones: only where their predicate accepts the joined string
      if (!tr.joinSafe && !tr.joinSafeFor!(a + '\n' + b)) continue;
      assert.equal(tr.fn(a + '\n' + b), tr.fn(a) + '\n' + tr.fn(b), `${tr.name}(${JSON.stringify(a)} + \\n + ${JSON.stringify(b)})`);
    }
  }
});

test('fast paths agree with the general code: normalizePath, lowercase', () => {
  for (const s of ['json.items.0.sku', 'a.', '..a', 'x/', '/x', 'a/.b', 'a/b.', './x', 'x/.', 'x/..', '.', '..', 'a//b', '9.99']) {
    const segs = s.split('/');
    const unchanged = !segs.some((x, i) => (x === '' && i > 0 && i < segs.length - 1) || x === '.' || x === '..');
    if (unchanged) assert.equal(t('normalizePath', s), s, s);
  }
  assert.equal(t('normalizePath', 'a/./b/../c'), 'a/c');
  assert.equal(t('lowercase', 'ABC def'), 'abc def');
  assert.equal(t('lowercase', 'AB\xc0\xde'), 'ab\xc0\xde', 'bytes >= 0x80 are not letters');
});

test('base64Decode: the JS decoder for short inputs agrees with Buffer on random prefixes', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  for (let k = 0; k < 3000; k++) {
    let s = '';
    const len = rnd(k < 2000 ? 40 : 700);
    for (let i = 0; i < len; i++) s += alphabet[rnd(64)];
    // a stop byte, then more alphabet that must be ignored
    if (rnd(3) === 0) s += '!QUJD';
    let end = 0;
    while (end < s.length && alphabet.includes(s[end]!)) end++;
    const want = Buffer.from(s.slice(0, end), 'base64').toString('latin1');
    assert.equal(t('base64Decode', s), want, s);
  }
});

test('removeCommentsChar: the run-copying code agrees with a char-by-char reference on random strings', () => {
  const reference = (s: string): string => {
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const c = s[i]!, d = s[i + 1];
      if ((c === '/' && d === '*') || (c === '*' && d === '/') || (c === '-' && d === '-')) { i++; continue; }
      if (c === '#') continue;
      out += c;
    }
    return out;
  };
  const chars = '/*-#ab \n';
  let seed = 11;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  for (let k = 0; k < 3000; k++) {
    let s = '';
    for (let i = rnd(24); i > 0; i--) s += chars[rnd(chars.length)];
    assert.equal(t('removeCommentsChar', s), reference(s), JSON.stringify(s));
  }
  assert.equal(t('removeCommentsChar', 'SKU-1000\nc-4711'), 'SKU-1000\nc-4711');
});

test('urlDecode/urlDecodeUni: the run-copying decoder agrees with a per-char reference on random escape-heavy strings', () => {
  const hex = (c: number) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);
  const reference = (s: string, uni: boolean): string => {
    const out: number[] = [];
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 43) { out.push(32); continue; }
      if (c !== 37) { out.push(c); continue; }
      if (uni && i + 5 < s.length && (s.charCodeAt(i + 1) | 32) === 117) {
        const v = [2, 3, 4, 5].map((k) => hex(s.charCodeAt(i + k)));
        if (v.every((x) => x >= 0)) {
          const code = (v[0]! << 12) | (v[1]! << 8) | (v[2]! << 4) | v[3]!;
          const lo = code & 0xff;
          out.push((code & 0xff00) === 0xff00 && lo > 0 && lo < 0x5f ? lo + 0x20 : lo);
          i += 5;
          continue;
        }
      }
      if (i + 2 < s.length && hex(s.charCodeAt(i + 1)) >= 0 && hex(s.charCodeAt(i + 2)) >= 0) {
        out.push((hex(s.charCodeAt(i + 1)) << 4) | hex(s.charCodeAt(i + 2)));
        i += 2;
        continue;
      }
      out.push(c);
    }
    return String.fromCharCode(...out);
  };
  const chars = '%%+uUfF0a9gz \n\xff';
  let seed = 5;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  for (let k = 0; k < 4000; k++) {
    let s = '';
    for (let i = rnd(20); i > 0; i--) s += chars[rnd(chars.length)];
    assert.equal(t('urlDecodeUni', s), reference(s, true), JSON.stringify(s));
    assert.equal(t('urlDecode', s), reference(s, false), JSON.stringify(s));
  }
});

test('htmlEntityDecode: the run-copying decoder agrees with a per-char reference on random entity-heavy strings', () => {
  const NAMED: Record<string, number> = { quot: 34, amp: 38, lt: 60, gt: 62, nbsp: 160 };
  const hex = (c: number) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);
  const reference = (s: string): string => {
    const out: number[] = [];
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c !== 38 || i + 1 >= n) { out.push(c); continue; }
      if (s[i + 1] === '#') {
        let j = i + 2;
        let v = 0;
        let digits = 0;
        if (s[j] === 'x' || s[j] === 'X') {
          j++;
          while (j < n && hex(s.charCodeAt(j)) >= 0) { v = (v * 16 + hex(s.charCodeAt(j))) & 0xffffff; j++; digits++; }
        } else {
          while (j < n && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) { v = (v * 10 + s.charCodeAt(j) - 48) % 0x1000000; j++; digits++; }
        }
        if (digits > 0) { out.push(v & 0xff); i = s[j] === ';' ? j : j - 1; continue; }
        out.push(c);
        continue;
      }
      let j = i + 1;
      while (j < n && j - i <= 5 && ((s.charCodeAt(j) | 32) >= 97 && (s.charCodeAt(j) | 32) <= 122)) j++;
      const v = NAMED[s.slice(i + 1, j).toLowerCase()];
      if (v !== undefined) { out.push(v); i = s[j] === ';' ? j : j - 1; continue; }
      out.push(c);
    }
    return String.fromCharCode(...out);
  };
  const pieces = ['&', '&', '#', 'x', 'X', ';', '1', '9', 'f', 'amp', 'LT', 'nbsp', 'quot', 'gtx', 'a', ' ', '\n'];
  let seed = 3;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  for (let k = 0; k < 4000; k++) {
    let s = '';
    for (let i = rnd(14); i > 0; i--) s += pieces[rnd(pieces.length)];
    assert.equal(t('htmlEntityDecode', s), reference(s), JSON.stringify(s));
  }
});

test('removeWhitespace: the run-copying code agrees with a char-by-char reference on random strings', () => {
  const space = (c: number) => c === 32 || (c >= 9 && c <= 13) || c === 0xa0;
  const reference = (s: string): string => [...s].filter((c) => !space(c.charCodeAt(0))).join('');
  const chars = ' \t\n\r\x0b\x0c\xa0ab';
  let seed = 13;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  for (let k = 0; k < 3000; k++) {
    let s = '';
    for (let i = rnd(16); i > 0; i--) s += chars[rnd(chars.length)];
    assert.equal(t('removeWhitespace', s), reference(s), JSON.stringify(s));
  }
});

test('cmdLine: the run-copying code agrees with a char-by-char reference on random strings', () => {
  // ModSecurity's cmdLine, a byte at a time: drop \\ " ' ^, turn , ; and whitespace into one space
  // (none before / or ( ), lowercase A-Z only (bytes >= 0x80 stay as they are)
  const reference = (s: string): string => {
    let out = '';
    let space = false;
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c === 92 || c === 34 || c === 39 || c === 94) continue;
      if (c === 44 || c === 59 || c === 32 || (c >= 9 && c <= 13)) { space = true; continue; }
      if (space) {
        if (c !== 47 && c !== 40) out += ' ';
        space = false;
      }
      if (c >= 65 && c <= 90) c += 32;
      out += String.fromCharCode(c);
    }
    return space ? out + ' ' : out;
  };
  const chars = ' \t\n\\"\'^,;/(aZB\xc0\xde\xe9\x00';
  let seed = 17;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  for (let k = 0; k < 4000; k++) {
    let s = '';
    for (let i = rnd(20); i > 0; i--) s += chars[rnd(chars.length)];
    assert.equal(t('cmdLine', s), reference(s), JSON.stringify(s));
  }
  const xfcc = 'By=spiffe://example.org/ns/default/sa/server;Hash=' + 'ab'.repeat(32) + ';URI=spiffe://example.org/ns/default/sa/client';
  assert.equal(t('cmdLine', xfcc), reference(xfcc));
});

test('utf8toUnicode: the run-copying code agrees with a per-char reference on random byte strings', () => {
  const reference = (s: string): string => {
    let out = '';
    const n = s.length;
    const cont = (k: number) => k < n && (s.charCodeAt(k) & 0xc0) === 0x80;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      let cp = -1;
      let len = 1;
      if (c >= 0xc2 && c <= 0xdf && cont(i + 1)) {
        cp = ((c & 0x1f) << 6) | (s.charCodeAt(i + 1) & 0x3f); len = 2;
      } else if (c >= 0xe0 && c <= 0xef && cont(i + 1) && cont(i + 2)) {
        cp = ((c & 0x0f) << 12) | ((s.charCodeAt(i + 1) & 0x3f) << 6) | (s.charCodeAt(i + 2) & 0x3f); len = 3;
        if (cp < 0x800) cp = -1;
      } else if (c >= 0xf0 && c <= 0xf4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
        cp = ((c & 0x07) << 18) | ((s.charCodeAt(i + 1) & 0x3f) << 12) | ((s.charCodeAt(i + 2) & 0x3f) << 6) | (s.charCodeAt(i + 3) & 0x3f); len = 4;
        if (cp < 0x10000) cp = -1;
      }
      if (cp < 0) { out += s[i]; continue; }
      out += '%u' + cp.toString(16).padStart(4, '0');
      i += len - 1;
    }
    return out;
  };
  const bytes = [0x41, 0x0a, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe2, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa9, 0x82, 0x9f];
  let seed = 17;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  for (let k = 0; k < 4000; k++) {
    let s = '';
    for (let i = rnd(14); i > 0; i--) s += String.fromCharCode(bytes[rnd(bytes.length)]!);
    assert.equal(t('utf8toUnicode', s), reference(s), JSON.stringify(s));
  }
  assert.equal(t('utf8toUnicode', 'caf\xc3\xa9 cr\xc3\xa8me'), 'caf%u00e9 cr%u00e8me');
});

test('length flags: a nonGrowing step never lengthens a value it changes, a nonShrinking one never shortens it (random escape-heavy values)', () => {
  // The prefilter treats "the joined values came out equal" as "no value changed" for these steps
  // (Transaction.unchangedByStep); that proof needs exactly this property.
  const alphabet = ['%', 'u', 'U', 'f', 'F', '0', '4', '1', '9', 'a', 'A', 'Z', '&', '#', 'x', 'X', ';', 'l', 't', 'g', 'q', 'n', 'b', 's', 'p',
    '/', '*', '-', '\\', '\0', ' ', '+', '\n', '\xc3', '\xa9', '\xe2', '\x82', '\xf0', '\x9f', '\xff', 'amp', 'lt', 'nbsp', '&#x10ffff;', '&#1114111;',
    '%u00e9', '%uff1c', '%c3%a9', '\\u00e9', '\\x41', '\\101', '\\3c ', '/*', '*/', '--'];
  let seed = 11;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const flagged = [...TRANSFORMATIONS.values()].filter((x) => x.length !== undefined);
  assert.ok(flagged.length >= 14, 'the decoders and case changes are flagged');
  for (const tr of flagged) {
    for (let i = 0; i < 5000; i++) {
      let s = '';
      const len = rnd(16);
      for (let k = 0; k < len; k++) s += alphabet[rnd(alphabet.length)];
      const out = tr.fn(s);
      if (out === s) continue;
      if (tr.length === 'nonGrowing') assert.ok(out.length <= s.length, `${tr.name}(${JSON.stringify(s)}) = ${JSON.stringify(out)} is longer`);
      else assert.ok(out.length >= s.length, `${tr.name}(${JSON.stringify(s)}) = ${JSON.stringify(out)} is shorter`);
    }
  }
});
