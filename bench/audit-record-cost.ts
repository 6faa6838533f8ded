/**
 * The mirror's own CPU per request, without the network: the filter's hooks for N exchanges, with the
 * file sink writing (and hashing, and signing checkpoints) in the same process, as it does in a
 * sidecar. The exchange is the load bench's as the inbound sidecar sees it: a small GET with wrk's
 * headers plus those the outbound sidecar adds (a fresh request id each time), RBAC allowed it, the
 * WAF passed it, the app answered 200 with 100 bytes of text/plain.
 *
 *   node dist/bench/audit-record-cost.js [N=200000] [--case NAME] [--alloc]
 *
 * Cases: `off` (mirror on, nothing selected), `10pct` (10% to file), `full` (100% to file, as in the
 * load bench), `headers` (100% to file, headers captured). Without --case all four run after a
 * warm-up. For instruction counts, run one case at two N and divide the difference:
 *
 *   perf stat -x, -e instructions:u node dist/bench/audit-record-cost.js 400000 --case full
 *
 * `--alloc`: bytes allocated per request (V8's sampling heap profiler, objects a scavenge or a full GC
 * collected included) and the functions that allocate most, instead of CPU time.
 *
 * Complements bench/audit-overhead.ts, whose req/s figures need a quiet machine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { heapTop, type HeapNode } from './heap-sampling.js';
import { Registry } from 'prom-client';
import { mirrorFilterFactory, type MirrorFilter } from '../src/audit/filter.js';
import { generateSigningKeyPair } from '../src/audit/checkpoint.js';
import type { FilterBuildContext } from '../src/proxy/filter.js';
import type { MeshguardConfig } from '../src/config/types.js';
import type { RequestContext } from '../src/proxy/context.js';
import { silentLogger } from '../src/log.js';
import { makeCtx } from '../test/unit/audit/fixtures.js';

const argv = process.argv.slice(2);
const N = Number(argv.find((a) => /^\d+$/.test(a)) ?? 200_000);
const only = argv.includes('--case') ? argv[argv.indexOf('--case') + 1] ?? '' : '';
const alloc = argv.includes('--alloc');

const CASES = { off: [0, false], '10pct': [0.1, false], full: [1, false], headers: [1, true] } as const;
type CaseName = keyof typeof CASES;

/** The load bench's request as the inbound's mirror sees it at the end of the exchange. */
function exchange(): RequestContext {
  const requestId = randomUUID();
  const c = makeCtx({
    path: '/', authority: 'backend',
    headers: {
      'user-agent': 'meshguard-bench/1', accept: '*/*', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http',
      'x-meshguard-request-id': requestId,
      'x-forwarded-client-cert': `By=spiffe://example.org/ns/default/sa/server;Hash=${'3f9a0c1e'.repeat(8)};URI=spiffe://example.org/ns/default/sa/client`,
    },
  });
  (c as { requestId: string }).requestId = requestId;
  c.route = { name: 'app', host: 'app', endpoints: ['127.0.0.1:8081'], spiffeIds: [] };
  c.upstream = '127.0.0.1:8081';
  c.rbac = { decision: 'allow', rule: 'policy.csv:3', policyVersion: `sha256:${'5e'.repeat(32)}`, mode: 'enforce' };
  c.waf = { mode: 'block', action: 'pass', score: 0, ruleIds: [], messages: [] };
  c.responseHeaders = { server: 'nginx/1.22.1', date: 'Tue, 25 Nov 2025 21:05:00 GMT', 'content-type': 'text/plain', 'content-length': '100', connection: 'keep-alive' };
  c.bytesOut = 100;
  c.upstreamStartNs = c.startNs + 20_000n;
  c.responseStartNs = c.startNs + 90_000n;
  c.endNs = c.startNs + 110_000n;
  return c;
}

async function run(name: CaseName, n: number, session?: Session): Promise<{ usPerReq: number; records: number; heap?: ReturnType<typeof heapTop> }> {
  const [sample, headers] = CASES[name];
  const dir = mkdtempSync(path.join(tmpdir(), 'mg-audit-cost-'));
  writeFileSync(path.join(dir, 'k.pem'), generateSigningKeyPair().privatePem, { mode: 0o600 });
  const hooks: Array<() => Promise<void>> = [];
  const metrics = new Registry();
  const bctx: FilterBuildContext = {
    config: {
      audit: {
        sinks: [{ name: 'f', type: 'file', dir: './audit', signingKey: './k.pem' }],
        mirror: [{ match: { listener: 'inbound' }, sample, sinks: ['f'], capture: { headers } }],
      },
    } as unknown as MeshguardConfig,
    configFile: path.join(dir, 'meshguard.yaml'), configDir: dir, listener: 'inbound', logger: silentLogger, metrics,
    shared: new Map(), onShutdown: (fn) => { hooks.push(fn); }, watch: () => undefined, routeDispatcher: () => undefined,
  };
  const f = (await mirrorFilterFactory.build(bctx)) as MirrorFilter;
  // A fixed pool, so that making the exchanges costs the same whatever N is.
  const ctxs = Array.from({ length: 1000 }, exchange);
  if (session) await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const u0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const c = ctxs[i % 1000]!;
    f.onRequestHeaders?.(c);
    f.onComplete(c);
    // Between requests the event loop turns and the sink's worker writes, as in a sidecar; the
    // loop also waits when the queue grows, so that every record is written (none dropped).
    if (i % 200 === 199) {
      do await new Promise((r) => setTimeout(r, 0));
      while (((f.describe().sinks as Array<{ backlog: number }>)[0]?.backlog ?? 0) > 2000);
    }
  }
  for (const h of hooks) await h();
  const u = process.cpuUsage(u0);
  let heap: ReturnType<typeof heapTop> | undefined;
  if (session) {
    const { profile } = await session.post('HeapProfiler.stopSampling') as unknown as { profile: { head: HeapNode } };
    heap = heapTop(profile.head, n, 20);
  }
  const written = (await metrics.getMetricsAsJSON()).find((m) => m.name === 'audit_written_total')?.values[0]?.value ?? 0;
  rmSync(dir, { recursive: true, force: true });
  return { usPerReq: (u.user + u.system) / n, records: Number(written), ...(heap ? { heap } : {}) };
}

const names = (Object.keys(CASES) as CaseName[]).filter((k) => !only || k === only);
if (names.length === 0) throw new Error(`unknown --case ${only}; one of ${Object.keys(CASES).join(', ')}`);
await run('full', only ? 20_000 : N); // warm-up (JIT); fixed size with --case, so that two N differ by the cases' work only
let session: Session | undefined;
if (alloc) { session = new Session(); session.connect(); }
const rows: string[] = alloc
  ? ['| case | sample | headers captured | bytes allocated per request | records written |', '|---|---|---|---|---|']
  : ['| case | sample | headers captured | CPU per request (µs) | records written |', '|---|---|---|---|---|'];
const tops: string[] = [];
for (const name of names) {
  const [sample, headers] = CASES[name];
  const r = await run(name, N, session);
  rows.push(`| ${name} | ${sample} | ${headers ? 'yes' : 'no'} | ${r.heap ? r.heap.bytesPerRequest : r.usPerReq.toFixed(2)} | ${r.records} |`);
  if (r.heap) tops.push(`\n${name}: top allocating functions (bytes per request)\n${r.heap.top.map(({ fn, bytes: b }) => `  ${String(b).padStart(6)}  ${fn}`).join('\n')}`);
}
session?.disconnect();
process.stdout.write(`# Mirror ${alloc ? 'allocation' : 'CPU'} per request, file sink (N=${N})\n\n${rows.join('\n')}\n${tops.join('\n')}\n`);
