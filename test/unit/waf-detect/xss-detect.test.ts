import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HtmlStart, scanHtml, type HtmlEvent } from '../../../src/waf/detect/html-tokenizer.js';
import { detectXSS, isCodeUrl } from '../../../src/waf/detect/xss.js';
import { BENIGN, XSS_ATTACKS } from './samples.js';

function events(input: string, start: HtmlStart = HtmlStart.Data): HtmlEvent[] {
  const out: HtmlEvent[] = [];
  scanHtml(input, start, (e) => {
    out.push(e);
    return false;
  });
  return out;
}

test('html tokenizer: tags, attributes with every quoting, comments and declarations', () => {
  assert.deepEqual(events('a <B class=x id="y" title=\'z\' data-q=`w` checked>t</b>'), [
    { kind: 'tag', name: 'b' },
    { kind: 'attr', name: 'class', hasValue: true, value: 'x', quote: '' },
    { kind: 'attr', name: 'id', hasValue: true, value: 'y', quote: '"' },
    { kind: 'attr', name: 'title', hasValue: true, value: 'z', quote: "'" },
    { kind: 'attr', name: 'data-q', hasValue: true, value: 'w', quote: '`' },
    { kind: 'attr', name: 'checked', hasValue: false, value: '', quote: '' },
  ]);
  assert.deepEqual(events('<!-- note --><!DOCTYPE html><?xml x?>'), [
    { kind: 'comment', text: ' note ' },
    { kind: 'decl', text: 'DOCTYPE html' },
    { kind: 'comment', text: '?xml x?' },
  ]);
  // '/' between attributes, as browsers read it
  assert.deepEqual(events('<svg/onload=x>'), [
    { kind: 'tag', name: 'svg' },
    { kind: 'attr', name: 'onload', hasValue: true, value: 'x', quote: '' },
  ]);
  // not a tag: '<' must be followed by a letter
  assert.deepEqual(events('a < b, 1<2, <3'), []);
});

test('html tokenizer: attribute-value starts leave the value first', () => {
  assert.deepEqual(events('x" onclick="y', HtmlStart.ValueDouble), [
    { kind: 'attr', name: 'onclick', hasValue: true, value: 'y', quote: '"' },
  ]);
  assert.deepEqual(events("x' onclick=y", HtmlStart.ValueSingle), [
    { kind: 'attr', name: 'onclick', hasValue: true, value: 'y', quote: '' },
  ]);
  assert.deepEqual(events('x onclick=y', HtmlStart.ValueUnquoted), [
    { kind: 'attr', name: 'onclick', hasValue: true, value: 'y', quote: '' },
  ]);
  // the value never closes: nothing after it is markup
  assert.deepEqual(events('x onclick=y', HtmlStart.ValueDouble), []);
  // closing the tag goes back to data
  assert.deepEqual(events('x"><script>', HtmlStart.ValueDouble), [{ kind: 'tag', name: 'script' }]);
});

test('every XSS in our attack set is detected', () => {
  assert.deepEqual(XSS_ATTACKS.filter((s) => !detectXSS(s)), []);
});

test('no benign value is flagged', () => {
  assert.deepEqual(BENIGN.filter((s) => detectXSS(s)), []);
});

const CASES: Array<[string, boolean]> = [
  ['<script>', true],
  ['<ScRiPt >', true],
  ['<x:script>', true],
  ['<v8::Object>', false], // C++, not a namespace
  ['<img src=x onerror=alert(1)>', true],
  ['<img src="x.png" alt="a">', false],
  ['<xss onbeforehellfreezes=x>', true], // any on* inside a real tag
  ['x onbeforehellfreezes=1', false], // outside a tag only known handlers count
  ['x" onmouseover=1', true],
  ['go online now', false],
  ['<a href="javascript:x">', true],
  ['<a href="JaVaScRiPt:x">', true],
  ['<a href=" \tjava\nscript:x">', true],
  ['<a href="https://x/javascript:">', false],
  ['<img src="data:image/png;base64,AAAA">', false],
  ['<img src="data:image/svg+xml,<svg>">', true],
  ['<p style="color:red">', true],
  ['<!-- plain comment -->', false],
  ['<!--[if IE]>x<![endif]-->', true],
  ['<!DOCTYPE html>', true],
  ['</script>', false], // end tags do nothing
  ['<a href="jav&#x61;script&colon;x">', true], // browsers decode references in attribute values
  ['<a href="java&tab;script:x">', true],
  ['<a href="/search?a=1&amp;b=2">', false],
  ['<scr<script>ipt>', true], // what a tag-stripping filter would leave
  ['<br size="&{alert(1)}">', true],
  ['git tag --points-at <object> to limit', false], // placeholders: bare, these elements do nothing
  ['print tclass<base>::do_something', false],
  ['<svg>', false],
  ['<object data="x.swf">', true],
  ['<base href="//evil/">', true],
  ['<meta http-equiv="refresh" content="0;url=//evil">', true],
  ['<style>', true], // a style block starts at once (CSS injection)
  ['', false],
];

for (const [input, want] of CASES) {
  test(`detectXSS(${JSON.stringify(input)}) is ${want}`, () => {
    assert.equal(detectXSS(input), want);
  });
}

test('code URLs', () => {
  for (const u of ['javascript:x', ' vbscript:x', 'data:text/html,x', 'DATA:,x', 'view-source:x']) assert.ok(isCodeUrl(u), u);
  for (const u of ['http://x', '/javascript', 'javascript', 'mailto:x', 'data:image/gif;base64,R0lG']) assert.ok(!isCodeUrl(u), u);
});
