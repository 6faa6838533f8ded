/**
 * WAF cost per request with OWASP CRS v4 at paranoia 1, in-process (no sockets): the time the
 * engine adds to one request. Five shapes: the load bench's request as the inbound sidecar's WAF
 * sees it (through the WAF filter, with the headers the outbound sidecar adds and a fresh request
 * id every request), the keep-alive GET wrk sends (3 headers, engine only), a GET with 10 headers,
 * a 2 KB JSON POST, a 1 MB multipart upload.
 * Reports median / p99 µs, CPU µs per request, MB/s of request bytes, and the memory a loaded CRS
 * takes (RSS after loading, and after every shape ran). Run: `npx tsc -p . && node --expose-gc dist/bench/waf-cost.js [--iterations N] [--only SHAPE] [--json] [--no-prefilter]`
 * (`--no-prefilter`: the same rules without the RE2.Set prefilter, to see what it buys).
 *
 * `--alloc`: instead of timing, the bytes allocated per request (V8's sampling heap profiler, objects
 * a scavenge or a full GC collected included), with the functions that allocate most.
 * `--inflight K`: the heap a request keeps alive between its request phases and its end, with K
 * requests in flight (what survives scavenges under load and ends as old-generation garbage).
 */
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { allocationsPer } from './heap-sampling.js';
import { Registry } from 'prom-client';
import { sharedDir } from '../src/paths.js';
import { silentLogger } from '../src/log.js';
import { WafEngine } from '../src/waf/engine.js';
import { deploymentPreamble } from '../src/waf/load.js';
import { wafFilterFactory } from '../src/waf/filter.js';
import type { Transaction } from '../src/waf/transaction.js';
import type { Filter, FilterBuildContext } from '../src/proxy/filter.js';
import { RequestContext, type RequestHead } from '../src/proxy/context.js';
import type { MeshguardConfig } from '../src/config/types.js';

interface Shape {
  name: string;
  method: string;
  uri: string;
  /** Fixed headers, or made per request (`i` counts the requests). */
  headers: [string, string][] | ((i: number) => [string, string][]);
  body: string | undefined;
  bytes: number;
  /** Through the WAF filter (onRequestHeaders, onResponseHeaders, onComplete) as the inbound runs it. */
  filter?: boolean;
}

/** The headers the inbound's WAF sees in the load bench: wrk's three, then what the outbound sidecar adds. */
function inboundHeaders(): [string, string][] {
  return [
    ['host', 'backend'], ['user-agent', 'meshguard-bench/1'], ['accept', '*/*'],
    ['x-forwarded-for', '127.0.0.1'], ['x-forwarded-proto', 'http'],
    ['x-meshguard-request-id', randomUUID()],
    ['x-forwarded-client-cert', `By=spiffe://example.org/ns/default/sa/server;Hash=${'3f9a0c1e'.repeat(8)};URI=spiffe://example.org/ns/default/sa/client`],
  ];
}

/** The upstream's answer in the load bench (nginx, 100-byte text/plain body). */
const RESPONSE_HEADERS = {
  server: 'nginx/1.22.1', date: 'Tue, 25 Nov 2025 21:05:00 GMT', 'content-type': 'text/plain',
  'content-length': '100', connection: 'keep-alive',
};

const browserHeaders: [string, string][] = [
  ['Host', 'shop.example'],
  ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'],
  ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
  ['Accept-Language', 'en-US,en;q=0.5'],
  ['Accept-Encoding', 'gzip, deflate, br'],
  ['Connection', 'keep-alive'],
  ['Cookie', 'session=4f9c2a7e1b6d8e03; theme=dark'],
  ['Referer', 'https://shop.example/products?page=2'],
  ['Upgrade-Insecure-Requests', '1'],
  ['Cache-Control', 'max-age=0'],
];

function shapes(): Shape[] {
  const items = [];
  for (let i = 0; items.length === 0 || JSON.stringify({ items }).length < 2048 - 90; i++) {
    items.push({ sku: `SKU-${1000 + i}`, name: `Product number ${i} in blue`, qty: (i % 4) + 1, price: 9.99 + i });
  }
  const json = JSON.stringify({ customer: 'c-4711', note: 'Please deliver after 5pm.', items });
  const boundary = '----meshguardbench7MA4YWxkTrZu0gW';
  const file = 'A'.repeat(1024 * 1024 - 400);
  const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nquarterly report\r\n`
    + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="report.txt"\r\nContent-Type: text/plain\r\n\r\n${file}\r\n--${boundary}--\r\n`;
  const base = browserHeaders.slice(0, 6);
  const get = '/products/42?color=blue&size=m&ref=homepage';
  const wrk: [string, string][] = [['Host', 'backend'], ['User-Agent', 'meshguard-bench/1'], ['Accept', '*/*']];
  const inbound = inboundHeaders();
  return [
    { name: 'inbound GET (bench)', method: 'GET', uri: '/', headers: inboundHeaders, body: undefined, bytes: 1 + inbound.reduce((n, [k, v]) => n + k.length + v.length + 4, 0), filter: true },
    { name: 'GET /, 3 headers', method: 'GET', uri: '/', headers: wrk, body: undefined, bytes: 1 + wrk.reduce((n, [k, v]) => n + k.length + v.length + 4, 0) },
    { name: 'GET, 10 headers', method: 'GET', uri: get, headers: browserHeaders, body: undefined, bytes: get.length + browserHeaders.reduce((n, [k, v]) => n + k.length + v.length + 4, 0) },
    { name: 'POST 2 KB JSON', method: 'POST', uri: '/api/orders', headers: [...base, ['Content-Type', 'application/json'], ['Content-Length', String(json.length)]], body: json, bytes: json.length },
    { name: 'POST 1 MB multipart', method: 'POST', uri: '/upload', headers: [...base, ['Content-Type', `multipart/form-data; boundary=${boundary}`], ['Content-Length', String(multipart.length)]], body: multipart, bytes: multipart.length },
  ];
}

let counter = 0;

function headersOf(s: Shape): [string, string][] {
  return typeof s.headers === 'function' ? s.headers(counter++) : s.headers;
}

function once(engine: WafEngine, s: Shape): Transaction {
  const tx = engine.newTransaction('bench');
  tx.setConnection('10.0.0.7', 51234);
  tx.setRequest({ method: s.method, uri: s.uri, protocol: 'HTTP/1.1' }, headersOf(s));
  if (!tx.phaseRequestHeaders()) tx.phaseRequestBody(s.body);
  tx.phaseLogging();
  return tx;
}

/** The WAF filter the inbound listener builds for `waf: { crs, paranoia: 1 }` (block mode, responses not inspected). */
async function inboundFilter(crs: string): Promise<Filter> {
  const bctx: FilterBuildContext = {
    config: { waf: { mode: 'block', crs, paranoia: 1 } } as unknown as MeshguardConfig,
    configFile: path.join(crs, 'meshguard.yaml'), configDir: crs, listener: 'inbound', logger: silentLogger,
    metrics: new Registry(), shared: new Map(), onShutdown: () => undefined, watch: () => undefined, routeDispatcher: () => undefined,
  };
  const f = await wafFilterFactory.build(bctx);
  if (!f) throw new Error('no WAF filter built');
  return f;
}

/** A request's context as the inbound listener makes it (the request id is the one the outbound sent). */
function contextFor(s: Shape): RequestContext {
  const headers = headersOf(s);
  const rawHeaders: string[] = [];
  const lower: Record<string, string> = {};
  for (const [k, v] of headers) { rawHeaders.push(k, v); lower[k.toLowerCase()] = v; }
  const req = { method: s.method, url: s.uri, httpVersion: '1.1', rawHeaders, headers: lower, socket: { remoteAddress: '127.0.0.1', remotePort: 51234 }, complete: true } as RequestHead;
  return new RequestContext({
    requestId: lower['x-meshguard-request-id'] ?? randomUUID(), listener: 'inbound', req,
    peer: { spiffeId: 'spiffe://example.org/ns/default/sa/client', certSha256: '3f9a0c1e'.repeat(8), serial: '01' },
    ourIdentity: 'spiffe://example.org/ns/default/sa/server', path: s.uri, query: '', authority: lower['host'] ?? '', startNs: 0n,
  });
}

function filterRequest(f: Filter, ctx: RequestContext): void {
  const v = f.onRequestHeaders?.(ctx);
  if (v instanceof Promise || v !== undefined) throw new Error('the benign request was refused by the WAF filter');
}

function filterEnd(f: Filter, ctx: RequestContext): void {
  ctx.status = 200;
  ctx.responseHeaders = RESPONSE_HEADERS;
  f.onResponseHeaders?.(ctx, 200, RESPONSE_HEADERS);
  f.onComplete?.(ctx);
}

function onceVia(f: Filter, s: Shape): void {
  const ctx = contextFor(s);
  filterRequest(f, ctx);
  filterEnd(f, ctx);
}

/** Heap kept alive per request between its request phases and its end, with k requests in flight. */
function inflight(f: Filter, s: Shape, k: number, rounds: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const ctxs = Array.from({ length: k }, () => contextFor(s));
    global.gc!();
    const h0 = process.memoryUsage().heapUsed;
    for (const c of ctxs) filterRequest(f, c);
    global.gc!();
    const h1 = process.memoryUsage().heapUsed;
    for (const c of ctxs) filterEnd(f, c);
    out.push(Math.round((h1 - h0) / k));
  }
  return out;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  const it = Number(argv[argv.indexOf('--iterations') + 1]) || 2000;
  const crs = path.join(sharedDir, 'crs');
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const settings = argv.includes('--no-prefilter') ? { prefilter: false } : undefined;
  const engine = WafEngine.load({ crsDir: crs, preamble: { name: 'bench-setup', text: deploymentPreamble({ mode: 'block', crs, paranoia: 1 }) }, settings });
  const loadMs = performance.now() - t0;
  global.gc?.();
  const mem = { heapMB: (process.memoryUsage().heapUsed - heap0) / 1048576, rssMB: (process.memoryUsage().rss - rss0) / 1048576 };
  const results = [];
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] ?? '' : '';
  const filter = await inboundFilter(crs);
  for (const s of shapes().filter((x) => x.name.includes(only))) {
    const n = s.bytes > 100_000 ? Math.max(20, Math.floor(it / 20)) : it;
    if (!s.filter) {
      const blocked = once(engine, s).interruption;
      if (blocked) throw new Error(`${s.name}: the benign request was blocked by rule ${blocked.ruleId}; the bench would measure the wrong thing`);
    }
    const run = s.filter ? () => onceVia(filter, s) : () => { once(engine, s); };
    for (let i = 0; i < Math.min(200, n); i++) run();
    if (argv.includes('--alloc')) {
      global.gc?.();
      const a = await allocationsPer(n, run);
      process.stdout.write(`${s.name}: ${a.bytesPerRequest} bytes allocated per request (${n} requests)\n`);
      for (const t of a.top) process.stdout.write(`  ${String(t.bytes).padStart(7)}  ${t.fn}\n`);
      continue;
    }
    if (argv.includes('--inflight') && s.filter) {
      const k = Number(argv[argv.indexOf('--inflight') + 1]) || 200;
      process.stdout.write(`${s.name}: heap kept per request in flight (${k} in flight): ${inflight(filter, s, k, 5).join(' / ')} bytes\n`);
      continue;
    }
    const ts: number[] = [];
    // CPU time as well as wall time: on a shared machine the wall clock includes waiting for a core
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const a = process.hrtime.bigint();
      run();
      ts.push(Number(process.hrtime.bigint() - a) / 1000);
    }
    const cpu = process.cpuUsage(cpu0);
    const cpuMeanUs = Math.round((cpu.user + cpu.system) / n);
    ts.sort((a, b) => a - b);
    const median = pct(ts, 0.5);
    results.push({ shape: s.name, requests: n, bytes: s.bytes, medianUs: Math.round(median), p99Us: Math.round(pct(ts, 0.99)), cpuMeanUs, mbPerS: +((s.bytes / 1048576) / (median / 1e6)).toFixed(1) });
  }
  if (results.length === 0) return;
  global.gc?.();
  const after = process.memoryUsage();
  const memory = {
    heapMB: +mem.heapMB.toFixed(1), rssMB: +mem.rssMB.toFixed(1),
    rssBaseMB: +(rss0 / 1048576).toFixed(1), rssAfterRequestsMB: +(after.rss / 1048576).toFixed(1),
  };
  const out = { crs: 'v4 (../shared/crs)', paranoia: 1, prefilter: settings === undefined, rules: engine.ruleCount, loadMs: Math.round(loadMs), memory, results };
  if (json) {
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return;
  }
  process.stdout.write(`CRS PL1${out.prefilter ? '' : ' (no prefilter)'}: ${out.rules} rules, loaded in ${out.loadMs} ms, heap +${memory.heapMB} MB, rss +${memory.rssMB} MB (${memory.rssBaseMB} MB before loading)\n`);
  for (const r of results) {
    process.stdout.write(`${r.shape.padEnd(20)} median ${String(r.medianUs).padStart(7)} µs  p99 ${String(r.p99Us).padStart(7)} µs  cpu ${String(r.cpuMeanUs).padStart(7)} µs/req  ${String(r.mbPerS).padStart(7)} MB/s  (${r.requests} requests, ${r.bytes} bytes)\n`);
  }
  process.stdout.write(`rss ${memory.rssAfterRequestsMB} MB after ${results.reduce((n, r) => n + r.requests, 0)} requests\n`);
  process.stdout.write(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores\n`);
}

await main();
