import net from 'node:net';
import tls from 'node:tls';
import { UserInputError } from '../../errors.js';
import type { CorpusTest } from './corpus.js';
import type { CorpusSummary, StageResult, TestResult } from './runner.js';

/**
 * Sends each test's wire bytes (the `wire` field of crs-regression-wire.jsonl) to a running
 * meshguard (plain TCP, TLS, or mTLS with a client certificate for the inbound listener) and judges it by the answer: the WAF log is not visible from outside, so a test with
 * expect_ids passes when the request was blocked (403 `waf_blocked`; when the deny detail is
 * shown — `responses.showDenyDetail` — the expected ids must be in it), a test with only
 * no_expect_ids passes unless a shown detail names one of them, and an explicit status must match.
 */
/** TLS client material for an mTLS listener (PEM text). */
export interface ViaTls {
  cert?: string;
  key?: string;
  ca?: string;
}

export async function runCorpusVia(url: string, tests: CorpusTest[], excused: Map<string, string>, tlsOpts: ViaTls = {}): Promise<CorpusSummary> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserInputError({ file: '--via' }, `not a URL: ${url}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UserInputError({ file: '--via' }, 'only http:// and https:// are supported');
  const t0 = performance.now();
  const byId = new Map<string, StageResult[]>();
  for (const t of tests) {
    if (!t.wire) throw new UserInputError({ file: '--via' }, `test ${t.uid} has no wire field: use crs-regression-wire.jsonl`);
    const s0 = process.hrtime.bigint();
    const { status, body, error } = await exchange(u, Buffer.from(t.wire, 'base64'), tlsOpts);
    const reasons: string[] = [];
    const detailIds = (/rules ([\d,]+)/.exec(body)?.[1] ?? '').split(',').filter(Boolean).map(Number);
    if (t.expect_error) { if (!error) reasons.push('expected an HTTP-layer error'); }
    else if (error) reasons.push(`error: ${error}`);
    if (t.status !== null && t.status !== undefined) {
      const ok = Array.isArray(t.status) ? t.status.includes(status) : t.status === status;
      if (!ok) reasons.push(`status ${status}, expected ${JSON.stringify(t.status)}`);
    } else if (t.expect_ids.length) {
      if (status !== 403) reasons.push(`not blocked (status ${status})`);
      else if (detailIds.length) {
        const missing = t.expect_ids.filter((i) => !detailIds.includes(i));
        if (missing.length) reasons.push(`blocked without ${missing.join(',')}`);
      }
    }
    const unwanted = t.no_expect_ids.filter((i) => detailIds.includes(i));
    if (unwanted.length) reasons.push(`blocked by ${unwanted.join(',')}`);
    const r: StageResult = { uid: t.uid, id: t.id, pass: reasons.length === 0, reason: reasons.join('; '), ids: detailIds, status, micros: Number(process.hrtime.bigint() - s0) / 1000 };
    const list = byId.get(t.id) ?? [];
    list.push(r);
    byId.set(t.id, list);
  }
  const results: TestResult[] = [];
  let passed = 0, failed = 0, exc = 0;
  for (const [id, stages] of byId) {
    const pass = stages.every((s) => s.pass);
    const ex = pass ? undefined : excused.get(id);
    if (pass) passed++; else if (ex !== undefined) exc++; else failed++;
    results.push({ id, pass, excused: ex, reason: stages.filter((s) => !s.pass).map((s) => s.reason).join(' | '), stages });
  }
  const total = results.length;
  return { total, passed, failed, excused: exc, passRate: total ? passed / total : 0, passRateExcused: total - exc ? passed / (total - exc) : 0, results, millis: performance.now() - t0 };
}

function exchange(u: URL, bytes: Buffer, t: ViaTls): Promise<{ status: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    const sock = u.protocol === 'https:'
      ? tls.connect({
        host: u.hostname, port, ...(net.isIP(u.hostname) ? {} : { servername: u.hostname }),
        ...(t.cert && t.key ? { cert: t.cert, key: t.key } : {}),
        // with --ca the server chain is verified; its SPIFFE name is not a host name, so only the chain is
        ...(t.ca ? { ca: t.ca, checkServerIdentity: () => undefined } : { rejectUnauthorized: false }),
      })
      : net.connect({ host: u.hostname, port });
    const chunks: Buffer[] = [];
    const done = (error?: string) => {
      sock.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(text);
      const r: { status: number; body: string; error?: string } = { status: m ? Number(m[1]) : 0, body: text };
      if (error ?? (!m ? 'no HTTP status line in the answer' : undefined)) r.error = error ?? 'no HTTP status line in the answer';
      resolve(r);
    };
    sock.setTimeout(10_000, () => done('timeout'));
    sock.on('error', (e) => done(e.message));
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      // one answer is enough: stop at the end of the head plus Content-Length bytes
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      if (head < 0) return;
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, head));
      if (cl && text.length - head - 4 >= Number(cl[1])) done();
    });
    sock.on('end', () => done());
    sock.write(bytes);
  });
}
