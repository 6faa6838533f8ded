/**
 * WAF cost per request with OWASP CRS v4 at paranoia 1, in-process (no sockets): the time the
 * engine adds to one request. Four shapes: the load bench's keep-alive GET (3 headers, as
 * bench/loadgen.ts sends it), a GET with 10 headers, a 2 KB JSON POST, a 1 MB multipart upload.
 * Reports median / p99 µs, CPU µs per request, MB/s of request bytes, and the memory a loaded CRS
 * takes (RSS after loading, and after every shape ran). Run: `npx tsc -p . && node --expose-gc dist/bench/waf-cost.js [--iterations N] [--only SHAPE] [--json] [--no-prefilter]`
 * (`--no-prefilter`: the same rules without the RE2.Set prefilter, to see what it buys).
 */
import os from 'node:os';
import path from 'node:path';
import { sharedDir } from '../src/paths.js';
import { WafEngine } from '../src/waf/engine.js';
import { deploymentPreamble } from '../src/waf/load.js';
import type { Transaction } from '../src/waf/transaction.js';

interface Shape {
  name: string;
  method: string;
  uri: string;
  headers: [string, string][];
  body: string | undefined;
  bytes: number;
}

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
  return [
    { name: 'GET /, 3 headers', method: 'GET', uri: '/', headers: wrk, body: undefined, bytes: 1 + wrk.reduce((n, [k, v]) => n + k.length + v.length + 4, 0) },
    { name: 'GET, 10 headers', method: 'GET', uri: get, headers: browserHeaders, body: undefined, bytes: get.length + browserHeaders.reduce((n, [k, v]) => n + k.length + v.length + 4, 0) },
    { name: 'POST 2 KB JSON', method: 'POST', uri: '/api/orders', headers: [...base, ['Content-Type', 'application/json'], ['Content-Length', String(json.length)]], body: json, bytes: json.length },
    { name: 'POST 1 MB multipart', method: 'POST', uri: '/upload', headers: [...base, ['Content-Type', `multipart/form-data; boundary=${boundary}`], ['Content-Length', String(multipart.length)]], body: multipart, bytes: multipart.length },
  ];
}

function once(engine: WafEngine, s: Shape): Transaction {
  const tx = engine.newTransaction('bench');
  tx.setConnection('10.0.0.7', 51234);
  tx.setRequest({ method: s.method, uri: s.uri, protocol: 'HTTP/1.1' }, s.headers);
  if (!tx.phaseRequestHeaders()) tx.phaseRequestBody(s.body);
  tx.phaseLogging();
  return tx;
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
  for (const s of shapes().filter((x) => x.name.includes(only))) {
    const n = s.bytes > 100_000 ? Math.max(20, Math.floor(it / 20)) : it;
    const blocked = once(engine, s).interruption;
    if (blocked) throw new Error(`${s.name}: the benign request was blocked by rule ${blocked.ruleId}; the bench would measure the wrong thing`);
    for (let i = 0; i < Math.min(200, n); i++) once(engine, s);
    const ts: number[] = [];
    // CPU time as well as wall time: on a shared machine the wall clock includes waiting for a core
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const a = process.hrtime.bigint();
      once(engine, s);
      ts.push(Number(process.hrtime.bigint() - a) / 1000);
    }
    const cpu = process.cpuUsage(cpu0);
    const cpuMeanUs = Math.round((cpu.user + cpu.system) / n);
    ts.sort((a, b) => a - b);
    const median = pct(ts, 0.5);
    results.push({ shape: s.name, requests: n, bytes: s.bytes, medianUs: Math.round(median), p99Us: Math.round(pct(ts, 0.99)), cpuMeanUs, mbPerS: +((s.bytes / 1048576) / (median / 1e6)).toFixed(1) });
  }
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
