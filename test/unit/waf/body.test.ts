import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { engineFrom, run } from './helpers.js';
import type { Transaction } from '../../../src/waf/transaction.js';

// a large no-files limit: these tests exercise the parsers themselves on big hostile bodies
const e = engineFrom('SecRequestBodyAccess On\nSecArgumentsLimit 1000\nSecRequestBodyJsonDepthLimit 100\nSecRequestBodyNoFilesLimit 10485760');

function post(ct: string, body: string): Transaction {
  return run(e, { method: 'POST', headers: [['Host', 'x'], ['Content-Type', ct], ['Content-Length', String(body.length)]], body });
}

function args(tx: Transaction): [string, string][] {
  return tx.collection('ARGS_POST').entries().map((x) => [x.key, x.value]);
}

test('URLENCODED: split on & and the first =, decoded, repeated names kept', () => {
  const tx = post('application/x-www-form-urlencoded', 'a=1&b=x%20y+z&a=2&flag&c==d');
  assert.deepEqual(args(tx), [['a', '1'], ['a', '2'], ['b', 'x y z'], ['flag', ''], ['c', '=d']]);
  assert.equal(tx.scalars.get('REQBODY_PROCESSOR'), 'URLENCODED');
  assert.equal(tx.scalars.get('REQUEST_BODY'), 'a=1&b=x%20y+z&a=2&flag&c==d');
});

test('JSON: dotted names, array indexes, scalars as text; \\u escapes become UTF-8 bytes', () => {
  const tx = post('application/json', '{"a":{"b":[1,"two",null,true]},"s":"\\u00e9\\u20ac"}');
  assert.deepEqual(args(tx), [['json.a.b.0', '1'], ['json.a.b.1', 'two'], ['json.a.b.2', ''], ['json.a.b.3', 'true'], ['json.s', '\xc3\xa9\xe2\x82\xac']]);
  assert.equal(tx.scalars.get('REQBODY_ERROR'), '0');
  assert.equal(post('application/json', '{"a":').scalars.get('REQBODY_ERROR'), '1');
});

test('MULTIPART: fields to ARGS_POST, files to FILES, part headers kept, strict errors flagged', () => {
  const body = '--XyZ\r\nContent-Disposition: form-data; name="field"\r\n\r\nvalue 1\r\n'
    + '--XyZ\r\nContent-Disposition: form-data; name="up"; filename="C:\\dir\\a.php"\r\nContent-Type: text/plain\r\n\r\n<?php ?>\r\n--XyZ--\r\n';
  const tx = post('multipart/form-data; boundary=XyZ', body);
  assert.deepEqual(args(tx), [['field', 'value 1']]);
  assert.deepEqual(tx.collection('FILES').entries().map((x) => [x.key, x.value]), [['up', 'C:\\dir\\a.php']]);
  assert.equal(tx.scalars.get('FILES_COMBINED_SIZE'), '8');
  assert.deepEqual(tx.collection('MULTIPART_PART_HEADERS').get('up').map((x) => x.value), ['Content-Disposition: form-data; name="up"; filename="C:\\dir\\a.php"', 'Content-Type: text/plain']);
  assert.equal(tx.scalars.get('MULTIPART_STRICT_ERROR'), '0');
  const broken = post('multipart/form-data; boundary=XyZ', 'junk\r\n--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n');
  assert.equal(broken.scalars.get('MULTIPART_STRICT_ERROR'), '1');
  assert.equal(broken.scalars.get('MULTIPART_UNMATCHED_BOUNDARY'), '1');
  assert.equal(broken.scalars.get('REQBODY_ERROR'), '1');
});

test('XML: text and attribute values; external entities are never resolved', () => {
  const tx = post('application/xml', '<?xml version="1.0"?><r a="1"><x b="two">hello</x><y>world</y></r>');
  assert.deepEqual(tx.xmlEntries('/*').map((x) => x.value), ['helloworld']);
  assert.deepEqual(tx.xmlEntries('//@*').map((x) => x.value), ['1', 'two']);
  const xxe = post('text/xml', '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>');
  assert.equal(xxe.scalars.get('REQBODY_ERROR'), '1');
  assert.ok(!xxe.xmlEntries('/*').some((x) => x.value.includes('root:')), 'the file was not read');
  const bomb = post('text/xml', '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;&b;&b;</l>');
  assert.ok(bomb.xmlEntries('/*').every((x) => x.value.length < 1000), 'internal entities are not expanded');
});

test('hostile bodies: deep nesting, many parts, invalid UTF-8, random bytes — no crash, bounded time', () => {
  const t0 = performance.now();
  const deep = post('application/json', '['.repeat(200_000) + ']'.repeat(200_000));
  assert.equal(deep.scalars.get('REQBODY_ERROR'), '1');
  assert.match(deep.scalars.get('REQBODY_ERROR_MSG') ?? '', /nesting too deep/);
  const deepXml = post('application/xml', '<a>'.repeat(50_000) + '</a>'.repeat(50_000));
  assert.equal(typeof deepXml.scalars.get('REQBODY_ERROR'), 'string');
  const parts = Array.from({ length: 5000 }, (_, i) => `--b\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`).join('') + '--b--\r\n';
  const many = post('multipart/form-data; boundary=b', parts);
  assert.ok(many.collection('ARGS_POST').size <= 1000, 'argument limit holds');
  post('application/x-www-form-urlencoded', 'a=\xff\xfe\xc0\xaf&\xed\xa0\x80=%ff%');
  for (let i = 0; i < 50; i++) {
    const junk = randomBytes(2000).toString('latin1');
    for (const ct of ['application/json', 'application/xml', 'multipart/form-data; boundary=' + junk.slice(0, 10), 'application/x-www-form-urlencoded']) post(ct, junk);
  }
  assert.ok(performance.now() - t0 < 30_000);
});

test('SecRequestBodyNoFilesLimit: non-file bytes over the limit give 413 (Reject) or are cut (ProcessPartial); file contents do not count', () => {
  const strict = engineFrom('SecRequestBodyAccess On\nSecRequestBodyNoFilesLimit 100\nSecRequestBodyLimitAction Reject\nSecRule ARGS "@rx attack" "id:1,phase:2,deny"');
  const big = 'a=' + 'x'.repeat(200);
  const r = run(strict, { method: 'POST', headers: [['Host', 'x'], ['Content-Type', 'application/x-www-form-urlencoded']], body: big });
  assert.deepEqual(r.interruption, { ruleId: 0, action: 'deny', status: 413 });
  const file = '--b\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\n' + 'y'.repeat(5000) + '\r\n--b--\r\n';
  const up = run(strict, { method: 'POST', headers: [['Host', 'x'], ['Content-Type', 'multipart/form-data; boundary=b']], body: file });
  assert.equal(up.interruption, undefined, 'a large file is not counted');
  const fields = '--b\r\nContent-Disposition: form-data; name="f"\r\n\r\n' + 'y'.repeat(500) + '\r\n--b--\r\n';
  assert.equal(run(strict, { method: 'POST', headers: [['Host', 'x'], ['Content-Type', 'multipart/form-data; boundary=b']], body: fields }).interruption?.status, 413);
  const partial = engineFrom('SecRequestBodyAccess On\nSecRequestBodyNoFilesLimit 100\nSecRequestBodyLimitAction ProcessPartial\nSecRule ARGS "@rx attack" "id:1,phase:2,deny"');
  const p1 = run(partial, { method: 'POST', headers: [['Host', 'x'], ['Content-Type', 'application/x-www-form-urlencoded']], body: 'a=attack&b=' + 'x'.repeat(500) });
  assert.equal(p1.interruption?.ruleId, 1, 'the first bytes are inspected');
  const p2 = run(partial, { method: 'POST', headers: [['Host', 'x'], ['Content-Type', 'application/x-www-form-urlencoded']], body: 'b=' + 'x'.repeat(500) + '&a=attack' });
  assert.equal(p2.interruption, undefined, 'bytes past the limit are not');
});
