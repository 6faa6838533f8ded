/**
 * Issue 6's measurement: primary req/s and p99 with mirroring off, 10% and 100% to a file sink, and
 * 100% to NATS JetStream, in one run of the side-by-side harness (bench/run.ts: wrk -> outbound ->
 * mTLS -> inbound -> app, the sidecars on one core). The mirror runs on the inbound sidecar.
 *
 *   node dist/bench/audit-overhead.js            # knobs: DURATION REPS CONNS (as bench/run.ts)
 *
 * Prints medians per topology and concurrency and checks the goal: at 100% to file, at most 5%
 * fewer req/s and at most 10% higher p99 than with mirroring off.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../src/paths.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TOPOS = ['mg-mtls', 'mg-mirror10', 'mg-mirror100', 'mg-nats100'];
const LABEL: Record<string, string> = { 'mg-mtls': 'mirror off', 'mg-mirror10': '10% to file', 'mg-mirror100': '100% to file', 'mg-nats100': '100% to nats' };
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = process.env['OUT_DIR'] || path.join(repoRoot, 'bench', 'results', `audit-${stamp}`);

// bench/run.ts shares bench/run/ (ports, pids.json) between runs and stops the servers a previous
// run left behind; started while another run is live, it would stop that run's servers. Refuse.
function otherBenchRunning(): number | null {
  for (const d of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      // Node processes only: a wrapper such as `timeout` carries the same script in its arguments.
      if (!cmd[0]?.endsWith('node')) continue;
      if (cmd.some((a) => a.endsWith('bench/run.js') || a.endsWith('bench/audit-overhead.js'))) return Number(d);
    } catch { /* gone */ }
  }
  return null;
}
const busy = otherBenchRunning();
if (busy !== null) {
  process.stderr.write(`another bench is running (pid ${busy}); not starting (it would stop that run's servers)\n`);
  process.exit(2);
}

const env = {
  ...process.env,
  TOPOS: TOPOS.join(','),
  HS_TOPOS: 'direct', // no handshake runs: this bench is about the request path
  OUT_DIR: outDir,
  REPS: process.env['REPS'] ?? '3',
  CONNS: process.env['CONNS'] ?? '50,200',
  DURATION: process.env['DURATION'] ?? '5',
};
const r = spawnSync(process.execPath, [path.join(here, 'run.js')], { env, stdio: 'inherit' });
if (r.status !== 0) {
  process.stderr.write(`bench/run.js failed (exit ${r.status})\n`);
  process.exit(1);
}

interface Row { topo: string; conns: number; ok: boolean; rps: number; p99Us: number; errors: number }
const res = JSON.parse(readFileSync(path.join(outDir, 'results.json'), 'utf8')) as { load: Row[]; audit?: Array<Record<string, unknown>> };
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

const conns = [...new Set(res.load.map((l) => l.conns))].sort((a, b) => a - b);
const lines: string[] = ['| mirroring | conns | req/s (median) | p99 ms (median) | req/s vs off | p99 vs off | errors |', '|---|---|---|---|---|---|---|'];
let goal: boolean | null = null;
for (const c of conns) {
  const stat = (t: string) => {
    const rows = res.load.filter((l) => l.topo === t && l.conns === c && l.ok);
    return rows.length ? { rps: median(rows.map((x) => x.rps)), p99: median(rows.map((x) => x.p99Us)) / 1000, errors: rows.reduce((n, x) => n + x.errors, 0), n: rows.length } : null;
  };
  const off = stat('mg-mtls');
  for (const t of TOPOS) {
    const s = stat(t);
    if (!s) { lines.push(`| ${LABEL[t]} | ${c} | - | - | - | - | no valid run |`); continue; }
    const dr = off ? ((s.rps / off.rps - 1) * 100).toFixed(1) + '%' : '-';
    const dp = off ? ((s.p99 / off.p99 - 1) * 100).toFixed(1) + '%' : '-';
    lines.push(`| ${LABEL[t]} | ${c} | ${s.rps.toFixed(0)} | ${s.p99.toFixed(2)} | ${dr} | ${dp} | ${s.errors} |`);
    if (t === 'mg-mirror100' && off) goal = (goal ?? true) && s.rps >= off.rps * 0.95 && s.p99 <= off.p99 * 1.1;
  }
}
const out = [
  `# Audit mirroring overhead (${new Date().toISOString()})`,
  '',
  `Command: \`node ${path.relative(repoRoot, process.argv[1] ?? '')}\` (REPS=${env.REPS} CONNS=${env.CONNS} DURATION=${env.DURATION}); full report: ${path.relative(repoRoot, outDir)}/summary.md`,
  '',
  ...lines,
  '',
  `Goal (100% to file: ≥ 95% of req/s and ≤ 110% of p99 of mirroring off): ${goal === null ? 'not measured (a topology had no valid run)' : goal ? 'met' : 'NOT met'}`,
  ...(res.audit?.length ? ['', 'Written by the mirror: ' + res.audit.map((a) => `${String(a['topo'])} ${String(a['sink'])} ${(Number(a['bytes']) / 1e6).toFixed(1)} MB${a['messages'] !== undefined ? ` / ${String(a['messages'])} msgs` : ''}`).join('; ')] : []),
];
process.stdout.write(out.join('\n') + '\n');
if (goal === null) process.exitCode = 1;
