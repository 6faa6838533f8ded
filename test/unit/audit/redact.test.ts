import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor, REDACTED } from '../../../src/audit/redact.js';
import { BodyCapture } from '../../../src/audit/capture.js';
import { buildRecord, encodeBody } from '../../../src/audit/build-record.js';
import { makeCtx } from './fixtures.js';

const capture = (s: string | Buffer, max = 1 << 20) => { const c = new BodyCapture(max); c.add(Buffer.from(s)); return c; };

test('credential headers are redacted by default, configured ones too, others kept', () => {
  const r = createRedactor({ headers: ['X-Api-Key'] });
  const out = r.headers({ authorization: 'Bearer abc', 'proxy-authorization': 'Basic x', cookie: 'sid=1', 'set-cookie': ['a=1', 'b=2'], 'x-api-key': 'k', accept: 'text/plain' });
  assert.deepEqual(out, { authorization: REDACTED, 'proxy-authorization': REDACTED, cookie: REDACTED, 'set-cookie': [REDACTED, REDACTED], 'x-api-key': REDACTED, accept: 'text/plain' });
  assert.equal(createRedactor(undefined).headers({ authorization: 'x' })['authorization'], REDACTED);
});

test('query parameters by name (raw or percent-encoded)', () => {
  const r = createRedactor({ query: ['token', 'card number'] });
  assert.equal(r.query('a=1&token=s3cr3t&b=2'), `a=1&token=${REDACTED}&b=2`);
  assert.equal(r.query('card%20number=4111&x'), `card%20number=${REDACTED}&x`);
  assert.equal(r.query(''), '');
  assert.equal(createRedactor({}).query('token=1'), 'token=1');
});

test('JSON body fields by path, through arrays and with *', () => {
  const r = createRedactor({ jsonFields: ['password', 'card.number', 'items.cvv', 'meta.*.secret'] });
  const out = JSON.parse(r.jsonBody(JSON.stringify({
    password: 'p', user: 'u', card: { number: '4111', exp: '12/30' },
    items: [{ cvv: '123', sku: 'a' }, { cvv: '456' }], meta: { a: { secret: 1, keep: 2 }, b: { secret: 3 } },
  }))!);
  assert.deepEqual(out, {
    password: REDACTED, user: 'u', card: { number: REDACTED, exp: '12/30' },
    items: [{ cvv: REDACTED, sku: 'a' }, { cvv: REDACTED }], meta: { a: { secret: REDACTED, keep: 2 }, b: { secret: REDACTED } },
  });
});

test('a JSON body that cannot be parsed (cut at the cap) is withheld, not leaked', () => {
  const r = createRedactor({ jsonFields: ['password'] });
  const body = JSON.stringify({ user: 'u', password: 'hunter2', pad: 'x'.repeat(100) });
  const b = encodeBody(capture(body, 30), 'application/json', r);
  assert.equal(b.truncated, true);
  assert.equal(b.redacted, 'unparseable');
  assert.equal(b.data, REDACTED);
  assert.ok(!JSON.stringify(b).includes('hunter2'));
  const whole = encodeBody(capture(body), 'application/json; charset=utf-8', r);
  assert.equal(JSON.parse(whole.data).password, REDACTED);
});

test('form bodies are redacted like the query', () => {
  const r = createRedactor({ query: ['pin'] });
  const b = encodeBody(capture('user=a&pin=1234'), 'application/x-www-form-urlencoded', r);
  assert.equal(b.data, `user=a&pin=${REDACTED}`);
});

test('record: headers, query and bodies redacted; binary bodies base64; cut bodies flagged', () => {
  const ctx = makeCtx({ method: 'POST', path: '/pay', query: 'token=abc&x=1', headers: { authorization: 'Bearer t', 'content-type': 'application/octet-stream' } });
  ctx.responseHeaders = { 'set-cookie': ['sid=9'], 'content-type': 'text/plain' };
  const bin = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x02]);
  const req = new BodyCapture(4);
  req.add(bin);
  const rec = buildRecord({ ctx, rule: 0, headers: true, requestBody: req, responseBody: capture('ok'), redactor: createRedactor({ query: ['token'] }) });
  assert.equal(rec.query, `token=${REDACTED}&x=1`);
  assert.equal(rec.request.headers?.['authorization'], REDACTED);
  assert.deepEqual(rec.response.headers?.['set-cookie'], [REDACTED]);
  assert.deepEqual(rec.request.body, { encoding: 'base64', data: bin.subarray(0, 4).toString('base64'), bytes: 5, captured: 4, truncated: true });
  assert.deepEqual(rec.response.body, { encoding: 'utf8', data: 'ok', bytes: 2, captured: 2, truncated: false });
  assert.ok(!JSON.stringify(rec).includes('Bearer t'));
});
