import RE2 from 're2';
import type { CorpusTest } from './corpus.js';
import { testRequest } from './request.js';
import type { WafEngine } from '../engine.js';
import { binFromUtf8 } from '../bytes.js';

export interface StageResult {
  uid: string;
  id: string;
  pass: boolean;
  /** Why it failed (empty when it passed). */
  reason: string;
  ids: number[];
  status: number;
  micros: number;
}

export interface TestResult {
  id: string;
  pass: boolean;
  excused: string | undefined;
  reason: string;
  stages: StageResult[];
}

export interface CorpusSummary {
  total: number;
  passed: number;
  failed: number;
  excused: number;
  /** passed / total, excused tests counted as failures. */
  passRate: number;
  /** passed / (total - excused). */
  passRateExcused: number;
  results: TestResult[];
  millis: number;
}

const regexCache = new Map<string, RE2>();
function rx(src: string): RE2 {
  let r = regexCache.get(src);
  if (!r) { r = new RE2(src, 's'); regexCache.set(src, r); }
  return r;
}

/** A response for phases 3-4: the `reflect` answer the test asks the backend for, else an empty 200. */
function testResponse(t: CorpusTest): { status: number; headers: [string, string][]; body: string } {
  if (!t.reflect) return { status: 200, headers: [['Content-Type', 'text/plain; charset=utf-8'], ['Content-Length', '0']], body: '' };
  const body = binFromUtf8(t.reflect.body ?? '');
  const headers: [string, string][] = Object.entries(t.reflect.headers ?? {}).map(([k, v]) => [binFromUtf8(k), binFromUtf8(String(v))]);
  if (!headers.some(([k]) => k.toLowerCase() === 'content-type')) {
    // what Go's net/http (the albedo backend) sniffs for a text body
    const head = body.slice(0, 512).trimStart().toLowerCase();
    headers.push(['Content-Type', head.startsWith('<html') || head.startsWith('<!doctype html') ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8']);
  }
  return { status: t.reflect.status ?? 200, headers, body };
}

/** Runs one corpus stage through the engine (what the CRS rig's web server + WAF would do). */
export function runStage(engine: WafEngine, t: CorpusTest): StageResult {
  const t0 = process.hrtime.bigint();
  const req = testRequest(t);
  let ids: number[] = [];
  let log = '';
  let status: number;
  if (req.reject) {
    status = req.reject.status;
  } else {
    const tx = engine.newTransaction();
    tx.setConnection('127.0.0.1', 40000, '127.0.0.1', 80);
    tx.setRequest({ method: req.method, uri: req.uri, protocol: req.protocol }, req.headers);
    let it = tx.phaseRequestHeaders();
    const limit = engine.ruleSet.settings.requestBodyLimit;
    if (!it) {
      if (req.body.length > limit && engine.ruleSet.settings.requestBodyLimitAction === 'reject') it = { ruleId: 0, action: 'deny', status: 413 };
      else it = tx.phaseRequestBody(req.body.length > limit ? req.body.slice(0, limit) : req.body, req.body.length <= limit);
    }
    const resp = testResponse(t);
    if (!it) {
      tx.setResponse(resp.status, 'HTTP/1.1', resp.headers);
      it = tx.phaseResponseHeaders() ?? tx.phaseResponseBody(resp.body);
    }
    tx.phaseLogging();
    status = it ? it.status : resp.status;
    ids = [...new Set(tx.matches.map((m) => m.id))];
    log = tx.matches.map((m) => m.line).join('\n');
  }
  const reasons: string[] = [];
  const idSet = new Set(ids);
  const missing = t.expect_ids.filter((i) => !idSet.has(i));
  if (missing.length) reasons.push(`expected ${missing.join(',')} not in log`);
  const unwanted = t.no_expect_ids.filter((i) => idSet.has(i));
  if (unwanted.length) reasons.push(`unexpected ${unwanted.join(',')} in log`);
  if (t.status !== null && t.status !== undefined) {
    const ok = Array.isArray(t.status) ? t.status.includes(status) : t.status === status;
    if (!ok) reasons.push(`status ${status}, expected ${JSON.stringify(t.status)}${req.reject ? ` (${req.reject.reason})` : ''}`);
  }
  if (t.match_regex && !rx(t.match_regex).test(log)) reasons.push(`log does not match /${t.match_regex}/`);
  if (t.no_match_regex && rx(t.no_match_regex).test(log)) reasons.push(`log matches /${t.no_match_regex}/`);
  const errored = req.transportError !== undefined;
  if (t.expect_error && !errored) reasons.push('expected an HTTP-layer error, got a response');
  if (!t.expect_error && errored) reasons.push(`HTTP-layer error: ${req.transportError}`);
  const micros = Number(process.hrtime.bigint() - t0) / 1000;
  return { uid: t.uid, id: t.id, pass: reasons.length === 0, reason: reasons.join('; '), ids, status, micros };
}

/** Runs a corpus; a test passes when every stage does. `excused` maps test id → reason. */
export function runCorpus(engine: WafEngine, tests: CorpusTest[], excused: Map<string, string> = new Map()): CorpusSummary {
  const t0 = performance.now();
  const byId = new Map<string, StageResult[]>();
  for (const t of tests) {
    const r = runStage(engine, t);
    const list = byId.get(t.id) ?? [];
    list.push(r);
    byId.set(t.id, list);
  }
  const results: TestResult[] = [];
  let passed = 0, failed = 0, exc = 0;
  for (const [id, stages] of byId) {
    const pass = stages.every((s) => s.pass);
    const ex = excused.get(id);
    if (pass) passed++;
    else if (ex !== undefined) exc++;
    else failed++;
    results.push({ id, pass, excused: pass ? undefined : ex, reason: stages.filter((s) => !s.pass).map((s) => s.reason).join(' | '), stages });
  }
  const total = results.length;
  return {
    total, passed, failed, excused: exc,
    passRate: total ? passed / total : 0,
    passRateExcused: total - exc ? passed / (total - exc) : 0,
    results,
    millis: performance.now() - t0,
  };
}
