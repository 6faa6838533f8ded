import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRecord } from '../../../src/audit/build-record.js';
import { createRedactor } from '../../../src/audit/redact.js';
import { chainLine, chainRecord, GENESIS_HASH, recordHash, canonicalJson, lineHashes } from '../../../src/audit/chain.js';
import { RECORD_VERSION } from '../../../src/audit/record.js';
import { makeCtx } from './fixtures.js';

test('a record carries every field of the format, versioned', () => {
  const ctx = makeCtx({ method: 'DELETE', path: '/orders/7', query: 'force=1', authority: 'orders.local:8080' });
  ctx.status = 403;
  ctx.outcome = 'denied';
  ctx.bytesIn = 10;
  ctx.bytesOut = 99;
  ctx.deniedBy = 'rbac';
  ctx.route = { name: 'inbound', host: 'orders.local', endpoints: [], spiffeIds: [] };
  ctx.upstream = '127.0.0.1:8080';
  ctx.rbac = { decision: 'deny', rule: null, policyVersion: 'sha256:1', mode: 'enforce', shadow: { decision: 'allow', rule: 'p.csv:4', policyVersion: 'sha256:2' } };
  ctx.waf = { mode: 'block', action: 'pass', score: 3, ruleIds: [920350], messages: ['m'] };
  ctx.endNs = ctx.startNs + 10_000_000n;
  const rec = buildRecord({ ctx, rule: 2, headers: false, requestBody: null, responseBody: null, redactor: createRedactor(undefined), nowMs: Date.parse('2026-01-01T00:00:00.010Z') });
  assert.equal(rec.v, RECORD_VERSION);
  assert.match(rec.id, /^[0-9a-f-]{36}$/);
  assert.equal(rec.time, '2026-01-01T00:00:00.000Z');
  assert.equal(rec.requestId, ctx.requestId);
  assert.deepEqual(rec.caller, { spiffeId: 'spiffe://example.org/ns/shop/sa/web', certSha256: 'ab'.repeat(32) });
  assert.equal(rec.identity, 'spiffe://example.org/ns/shop/sa/orders');
  assert.deepEqual([rec.listener, rec.rule, rec.method, rec.authority, rec.path, rec.query, rec.status, rec.outcome], ['inbound', 2, 'DELETE', 'orders.local:8080', '/orders/7', 'force=1', 403, 'denied']);
  assert.deepEqual([rec.bytesIn, rec.bytesOut, rec.route, rec.upstream, rec.deniedBy], [10, 99, 'inbound', '127.0.0.1:8080', 'rbac']);
  assert.equal(rec.timings.totalMs, 10);
  assert.deepEqual(rec.rbac, { decision: 'deny', rule: null, policyVersion: 'sha256:1', mode: 'enforce', shadow: { decision: 'allow', rule: 'p.csv:4', policyVersion: 'sha256:2' } });
  assert.deepEqual(rec.waf, { mode: 'block', action: 'pass', score: 3, ruleIds: [920350] });
  assert.deepEqual(rec.request, {});
  assert.equal(rec.seq, undefined);
});

test('chain: the hash covers the line as written, seq and the previous hash', () => {
  const base = buildRecord({ ctx: makeCtx(), rule: 0, headers: false, requestBody: null, responseBody: null, redactor: createRedactor(undefined) });
  const a = chainLine(base, { seq: 0, hash: GENESIS_HASH });
  const b = chainLine(base, { seq: a.seq, hash: a.hash });
  assert.equal(a.seq, 1);
  assert.notEqual(a.hash, b.hash);
  const pb = JSON.parse(b.line);
  assert.equal(pb.prevHash, a.hash);
  assert.equal(pb.hash, b.hash);
  assert.equal(recordHash(pb), b.hash);
  assert.deepEqual(lineHashes(b.line), { computed: b.hash, claimed: b.hash });
  // chainRecord's object serializes to the very same line.
  assert.equal(JSON.stringify(chainRecord(base, { seq: a.seq, hash: a.hash })), b.line);
  // One byte changed, or the same members in another order: the bytes no longer match the hash.
  const edited = lineHashes(b.line.replace('"status":200', '"status":201'))!;
  assert.notEqual(edited.computed, edited.claimed);
  const { hash, ...rest } = pb;
  const reordered = JSON.stringify({ ...Object.fromEntries(Object.entries(rest).reverse()), hash });
  const r = lineHashes(reordered)!;
  assert.notEqual(r.computed, r.claimed);
  assert.equal(lineHashes('{"v":1}'), null);
  assert.equal(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] }), '{"a":[2,{"c":2,"d":1}],"b":1}');
});
