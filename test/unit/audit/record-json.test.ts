import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordJson, recordJsonOpen } from '../../../src/audit/record-json.js';
import { buildRecord } from '../../../src/audit/build-record.js';
import { createRedactor } from '../../../src/audit/redact.js';
import { BodyCapture } from '../../../src/audit/capture.js';
import { createHash } from 'node:crypto';
import { ChainedBatch, chainLine, GENESIS_HASH, lineHashes, type ChainState } from '../../../src/audit/chain.js';
import { isoTime } from '../../../src/audit/iso-time.js';
import type { AuditRecord } from '../../../src/audit/record.js';
import { makeCtx } from './fixtures.js';

// The hash covers the record's bytes, so the fast text must be JSON.stringify's to the byte, whatever
// the record holds.

/** Characters that JSON escapes, or that UTF-8 encodes in more than one byte, mixed with plain ones. */
const TRICKY = ['a', 'Z', '/', ' ', '"', '\\', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u001f', '\u007f', 'é', '€', '\u2028',
  '😀', '\ud83d', '\ude00', '\ufffd', '<', '%2F'];

function rnd(n: number): number {
  return Math.floor(Math.random() * n);
}

function trickyString(): string {
  let s = '';
  for (let i = rnd(12); i > 0; i--) s += TRICKY[rnd(TRICKY.length)];
  return s;
}

const capture = (s: string | Buffer, max = 1 << 20): BodyCapture => { const c = new BodyCapture(max); c.add(Buffer.from(s)); return c; };

function richRecord(str: () => string): AuditRecord {
  const ctx = makeCtx({
    method: 'POST', path: `/p/${str()}`, query: `a=${str()}&token=x`, authority: `h${str()}:8080`,
    headers: { 'x-one': str(), 'x-list': [str(), str()] as unknown as string, 'content-type': 'application/json', authorization: 'Bearer s' },
    peer: { spiffeId: `spiffe://example.org/${str()}`, certSha256: 'ab'.repeat(32), serial: '01' },
  });
  ctx.status = 502;
  ctx.outcome = 'upstream_error';
  ctx.bytesIn = 1234;
  ctx.bytesOut = 0;
  ctx.deniedBy = rnd(2) ? str() : undefined;
  ctx.route = { name: str(), host: 'h', endpoints: [], spiffeIds: [] };
  ctx.upstream = rnd(2) ? `127.0.0.1:${rnd(65535)}` : undefined;
  ctx.rbac = { decision: 'deny', rule: rnd(2) ? null : `p.csv:${rnd(99)}`, policyVersion: `sha256:${str()}`, mode: 'audit' };
  if (rnd(2)) ctx.rbac.shadow = { decision: 'allow', rule: rnd(2) ? null : str(), policyVersion: 'v2' };
  ctx.waf = { mode: 'detect', action: 'would-block', score: rnd(50), ruleIds: Array.from({ length: rnd(4) }, () => 900000 + rnd(99999)), messages: ['m'] };
  ctx.responseHeaders = { 'set-cookie': ['a=1'], 'content-type': rnd(2) ? 'text/plain' : 'application/octet-stream', 'x-r': str() };
  ctx.upstreamStartNs = ctx.startNs + BigInt(rnd(100_000));
  ctx.responseStartNs = rnd(2) ? 0n : ctx.startNs + BigInt(rnd(10_000_000));
  ctx.endNs = ctx.startNs + BigInt(rnd(100_000_000));
  const body = rnd(2) ? JSON.stringify({ password: str(), keep: str() }) : `{"cut":"${str()}`;
  const res = rnd(2) ? capture(Buffer.from([0xff, 0x00, 0xfe, 0x41])) : capture(str(), 5);
  return buildRecord({ ctx, rule: rnd(3), headers: rnd(4) > 0, requestBody: capture(body, 40 + rnd(40)), responseBody: res, redactor: createRedactor({ jsonFields: ['password'], query: ['token'] }) });
}

test('record JSON: the same text as JSON.stringify for records holding escapes, controls, surrogates and non-ASCII', () => {
  for (let i = 0; i < 2000; i++) {
    const rec = richRecord(trickyString);
    const expected = JSON.stringify(rec);
    assert.equal(recordJson(rec), expected);
    assert.equal(recordJsonOpen(rec), expected.slice(0, -1));
  }
  const plain = buildRecord({ ctx: makeCtx(), rule: 0, headers: false, requestBody: null, responseBody: null, redactor: createRedactor(undefined) });
  assert.equal(recordJson(plain), JSON.stringify(plain));
});

test('record JSON: shapes of no template (other order, extra or missing members, odd values) still give JSON.stringify\'s text', () => {
  const base = (): AuditRecord => richRecord(() => 'x');
  const variants: Array<(r: AuditRecord) => unknown> = [
    (r) => Object.fromEntries(Object.entries(r).reverse()),
    (r) => ({ ...r, seq: 3, prevHash: GENESIS_HASH, hash: 'f'.repeat(64) }),
    (r) => ({ ...r, extra: { n: 1 } }),
    (r) => { const { waf: _w, ...rest } = r; return rest; },
    (r) => ({ ...r, deniedBy: undefined }),
    (r) => ({ ...r, status: Number.NaN, bytesIn: Infinity, bytesOut: -0 }),
    (r) => ({ ...r, timings: { ...r.timings, upstreamMs: undefined } }),
    (r) => ({ ...r, timings: { firstByteMs: 1, totalMs: 2, upstreamMs: 3 } }),
    (r) => ({ ...r, caller: { spiffeId: 's', certSha256: 'c', extra: true } }),
    (r) => ({ ...r, rule: '0', v: true, id: 5, path: null }),
    (r) => ({ ...r, waf: { ...r.waf!, ruleIds: [1, , 3] } }), // eslint-disable-line no-sparse-arrays
    (r) => ({ ...r, waf: { ...r.waf!, ruleIds: [1, 'x', null] } }),
    (r) => ({ ...r, rbac: { ...r.rbac!, shadow: undefined } }),
    (r) => ({ ...r, request: { body: r.request.body, headers: { b: '1', a: undefined, '2': 'n', '1': ['x'] } } }),
    (r) => ({ ...r, response: { other: [1, 2], headers: null } }),
    (r) => ({ ...r, response: { body: { ...r.response.body!, truncated: 'yes', redacted: 'unparseable' } } }),
    (r) => ({ ...r, query: Object.assign(Object.create(null) as object, { q: 1 }) }),
    (r) => ({ ...r, time: new Date(0) }),
    (r) => Object.assign(Object.create({ inherited: 1 }) as object, r),
  ];
  for (const [i, v] of variants.entries()) {
    const rec = v(base()) as AuditRecord;
    assert.equal(recordJson(rec), JSON.stringify(rec), `variant ${i}`);
  }
});

/** The format's own words (docs/audit.md): SHA-256 of the JSON text up to the hash member, plus `}`. */
function referenceLine(rec: AuditRecord, state: ChainState): { line: string; seq: number; hash: string } {
  const seq = state.seq + 1;
  const pre = `${JSON.stringify(rec).slice(0, -1)},"seq":${seq},"prevHash":"${state.hash}"}`;
  const hash = createHash('sha256').update(Buffer.from(pre, 'utf8')).digest('hex');
  return { line: `${pre.slice(0, -1)},"hash":"${hash}"}`, seq, hash };
}

test('chained batch and chainLine: the bytes and hashes the format defines, across buffer growth and reuse', () => {
  const b = new ChainedBatch();
  let a: ChainState = { seq: 0, hash: GENESIS_HASH };
  let s: ChainState = a;
  for (let round = 0; round < 3; round++) {
    b.reset();
    const lines: string[] = [];
    // Round 1 holds records large enough to outgrow the buffer (and the size it keeps).
    for (let i = 0; i < 40; i++) {
      const big = round === 1 && i % 10 === 0;
      const rec = richRecord(big ? () => `${trickyString()}${'é'.repeat(40_000)}` : trickyString);
      const c = referenceLine(rec, a);
      assert.deepEqual(chainLine(rec, a), c);
      a = { seq: c.seq, hash: c.hash };
      s = b.record(rec, s);
      assert.deepEqual(s, a);
      lines.push(c.line);
      if (i === 7) { b.line('{"checkpoint":{"seq":7},"jws":"x"}'); lines.push('{"checkpoint":{"seq":7},"jws":"x"}'); }
    }
    const text = b.bytes().toString('utf8');
    assert.equal(text, `${lines.join('\n')}\n`);
    for (const l of lines.filter((x) => !x.startsWith('{"checkpoint"'))) {
      const h = lineHashes(l)!;
      assert.equal(h.computed, h.claimed);
    }
  }
});

test('isoTime: the text of Date#toISOString, within a second, across seconds, backwards, before 1970, and for fractions', () => {
  const samples = [0, -1, -999.5, -1000, 999.999, 1000, 1e12 + 0.7, Date.now(), 253402300799999, 253402300800000, 8.64e15, -8.64e15 + 1000];
  for (let i = 0; i < 5000; i++) samples.push(Date.now() + (Math.random() - 0.5) * 1e7 + (i % 3 ? 0 : Math.random()));
  for (let i = 0; i < 1000; i++) samples.push(1_700_000_000_000 + i); // one second after another, in order
  for (const ms of samples) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  assert.throws(() => isoTime(Number.NaN), RangeError);
  assert.throws(() => isoTime(8.64e15 + 1), RangeError);
});
