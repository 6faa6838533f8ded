/**
 * The mirror's own CPU per request, without the network: the filter's hooks for N synthetic
 * exchanges, with the file sink writing (and hashing, and signing checkpoints) in the same process,
 * as it does in a sidecar. Sample rates 0 (mirror on, nothing selected), 0.1 and 1.
 *
 *   node dist/bench/audit-record-cost.js [N=200000]
 *
 * Complements bench/audit-overhead.ts, whose req/s figures need a quiet machine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { mirrorFilterFactory, type MirrorFilter } from '../src/audit/filter.js';
import { generateSigningKeyPair } from '../src/audit/checkpoint.js';
import type { FilterBuildContext } from '../src/proxy/filter.js';
import type { MeshguardConfig } from '../src/config/types.js';
import { silentLogger } from '../src/log.js';
import { makeCtx } from '../test/unit/audit/fixtures.js';

const N = Number(process.argv[2] ?? 200_000);

async function run(sample: number, headers: boolean): Promise<{ usPerReq: number; records: number }> {
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
  const ctxs = Array.from({ length: 1000 }, () => {
    const c = makeCtx({ path: '/', headers: { 'user-agent': 'wrk', accept: '*/*' } });
    c.endNs = process.hrtime.bigint();
    return c;
  });
  const u0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
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
  const written = (await metrics.getMetricsAsJSON()).find((m) => m.name === 'audit_written_total')?.values[0]?.value ?? 0;
  rmSync(dir, { recursive: true, force: true });
  return { usPerReq: (u.user + u.system) / N, records: Number(written) };
}

await run(1, false); // warm-up (JIT)
const rows: string[] = ['| sample | headers captured | CPU per request (µs) | records written |', '|---|---|---|---|'];
for (const [sample, headers] of [[0, false], [0.1, false], [1, false], [1, true]] as const) {
  const r = await run(sample, headers);
  rows.push(`| ${sample} | ${headers ? 'yes' : 'no'} | ${r.usPerReq.toFixed(2)} | ${r.records} |`);
}
process.stdout.write(`# Mirror CPU per request, file sink (N=${N})\n\n${rows.join('\n')}\n`);
