import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cssDecode,
  htmlEntityDecode,
  jsDecode,
  removeNulls,
  requestVars,
  ruleTargets,
  urlDecodeUni,
  utf8toUnicode,
  toBinary,
  type CorpusLine,
} from './crs-harness.js';

// The CRS harness approximates the rules' transformations; these checks keep the approximations
// honest, since the CRS test results depend on them.

test('transformations', () => {
  assert.equal(urlDecodeUni('a%27+or%201%3D1%zz%u0041%uFF07'), "a' or 1=1%zzA'");
  assert.equal(utf8toUnicode(toBinary('é日')), '%u00e9%u65e5');
  assert.equal(urlDecodeUni(utf8toUnicode(toBinary('é'))), '\xe9');
  assert.equal(removeNulls('a\0b'), 'ab');
  assert.equal(htmlEntityDecode('&lt;a&gt;&#x7B;&#125;&quot;&amp'), '<a>{}"&');
  assert.equal(jsDecode('\\x3c\\u003e\\74\\n\\q'), '<><\nq');
  assert.equal(cssDecode('\\3c script\\3e\\"'), '<script>"');
});

function line(partial: Partial<CorpusLine>): CorpusLine {
  return {
    id: 't-1', uid: 't-1', rule: 0, method: 'GET', uri: '/', headers: [], body: null, body_b64: false, raw: null,
    expect_ids: [], no_expect_ids: [], ...partial,
  };
}

test('request variables and rule targets', () => {
  const v = requestVars(
    line({
      method: 'POST',
      uri: '/a/b%27c?q=1%27&x',
      headers: [
        ['Cookie', 'sid=abc; t=1'],
        ['User-Agent', 'UA'],
        ['Referer', 'http://r/'],
        ['Content-Type', 'application/x-www-form-urlencoded'],
      ],
      body: 'v=2+or+1%3D1',
    }),
  );
  assert.deepEqual(v.args, [['q', "1'"], ['x', ''], ['v', '2 or 1=1']]);
  assert.deepEqual(v.cookies, [['sid', 'abc'], ['t', '1']]);
  assert.equal(v.filename, '/a/b%27c');
  assert.equal(v.basename, 'b%27c');
  const t942100 = ruleTargets(942100, v).map(([n]) => n);
  assert.ok(t942100.includes('REQUEST_HEADERS:Referer') && t942100.includes('ARGS:v') && t942100.includes('REQUEST_COOKIES_NAMES'));
  assert.ok(!ruleTargets(941100, v).some(([n]) => n === 'REQUEST_HEADERS:Referer'));
  assert.deepEqual(ruleTargets(942101, v), [['REQUEST_BASENAME', 'b%27c'], ['REQUEST_FILENAME', '/a/b%27c']]);
  const xml = requestVars(line({ method: 'POST', headers: [['Content-Type', 'application/xml']], body: '<r><a p="1 or 1=1">t&lt;x</a></r>' }));
  assert.deepEqual(xml.xmlAttrs, ['1 or 1=1']);
  assert.deepEqual(xml.xmlText, ['t<x']);
});
