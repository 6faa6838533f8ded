/**
 * `npm run bench`: meshguard side by side with nginx and HAProxy sidecar pairs and the direct app.
 *
 *   wrk -> outbound sidecar -> mTLS -> inbound sidecar -> upstream app (nginx, 100-byte body)
 *
 * Placement: wrk, the handshake client and this orchestrator on LOADGEN_CPU (0); the app and every
 * sidecar on SUT_CPU (1), so each figure is "what one core delivers for the whole chain". All pairs
 * start once, are warmed up, and are measured in interleaved repetitions (rotating order). Foreign
 * CPU (other tenants of the machine) is measured for every run; a disturbed run is retried once
 * when the time budget allows. Writes bench/results/<timestamp>/{results.json,summary.md,ratios.svg}.
 *
 * Knobs (environment): DURATION REPS CONNS TOPOS HS_TOPOS HS_MODES HS_TIME HS_LOOPS WARMUP
 * WARMUP_NATIVE WARMUP_NODE PIN LOADGEN_CPU SUT_CPU QUIET_PCT QUIET_MAX FOREIGN_MAX RETRIES BUDGET
 * MAX_TOTAL CPU_PROF CRS NATS_URL OUT_DIR MG_B_DIST MG_NODE_FLAGS MG_B_NODE_FLAGS (see docs/bench.md).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, appendFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../src/paths.js';
import { ensureCerts, SERVER_ID } from './certs.js';
import { sample, usage, processTree, memory } from './cpu.js';
import { runWrk, runHandshakes, type WrkResult } from './loadgen.js';
import { takeLock, setPidFile, stopLeftovers, startServer, stopServer, isRunning, waitPort, portOpen, stopAll, signalAll } from './procs.js';
import { buildTopology, isKnownTopology, defaultCrsDir, launcherNodeFlags, renderUpstream, TOPOLOGY_NAMES, UPSTREAM_PORT, ROUTE_HOST, APP_BODY, type Topology, type ProcSpec } from './topologies.js';
import { writeReport, type BenchResults, type LoadRow, type HsRow, type TopoStatus } from './report.js';
import { deleteNatsStreams } from './nats-cleanup.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** bench/ in the checkout: wrk-report.lua and hsclient/ live beside the sources, not in the out dir. */
const benchSrc = path.join(repoRoot, 'bench');
const env = process.env;
const num = (k: string, d: number) => (env[k] !== undefined && env[k] !== '' ? Number(env[k]) : d);
const list = (k: string, d: string) => (env[k] ?? d).split(',').map((s) => s.trim()).filter(Boolean);

export const DEFAULT_TOPOS = 'direct,nginx,haproxy,mg-mtls,mg-rbac,mg-waf,mg-full';

const CFG = {
  duration: num('DURATION', 3),
  reps: num('REPS', 3),
  conns: list('CONNS', '200,50').map(Number),
  topos: list('TOPOS', DEFAULT_TOPOS),
  hsTopos: list('HS_TOPOS', 'nginx,haproxy,mg-mtls'),
  hsModes: list('HS_MODES', 'full,resumed') as Array<'full' | 'resumed'>,
  hsTime: num('HS_TIME', 2),
  hsLoops: num('HS_LOOPS', 32),
  warmup: num('WARMUP', 1),
  warmupNative: num('WARMUP_NATIVE', 2),
  warmupNode: num('WARMUP_NODE', 8),
  pin: env['PIN'] !== '0',
  loadCpu: env['LOADGEN_CPU'] || '0',
  sutCpu: env['SUT_CPU'] || '1',
  quietPct: num('QUIET_PCT', 15),
  quietMax: num('QUIET_MAX', 8),
  foreignMax: num('FOREIGN_MAX', 25),
  retries: num('RETRIES', 1),
  budget: num('BUDGET', 330),
  maxTotal: num('MAX_TOTAL', 420),
  cpuProf: env['CPU_PROF'] || '',
  crs: env['CRS'] || defaultCrsDir(),
  natsUrl: env['NATS_URL'] || 'nats://127.0.0.1:4222',
  inboundNoTickets: env['MG_NO_TICKETS'] === '1',
};

const runDir = path.join(repoRoot, 'bench', 'run');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = env['OUT_DIR'] || path.join(repoRoot, 'bench', 'results', stamp);
mkdirSync(path.join(runDir, 'logs'), { recursive: true });
mkdirSync(outDir, { recursive: true });

const T0 = Date.now();
const elapsed = () => (Date.now() - T0) / 1000;
function log(msg: string): void {
  const line = `[${elapsed().toFixed(1).padStart(6)}s] ${msg}\n`;
  process.stderr.write(line);
  appendFileSync(path.join(outDir, 'run.log'), line);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadCpu = CFG.pin ? CFG.loadCpu : null;
const sutCpu = CFG.pin ? CFG.sutCpu : null;

// Pin this orchestrator to the load core too, so it never takes time from the chain under test.
if (CFG.pin) {
  try {
    execFileSync('taskset', ['-pc', CFG.loadCpu, String(process.pid)], { stdio: 'ignore' });
  } catch {
    /* not fatal: reported through the per-core figures */
  }
}

const results: BenchResults = {
  meta: {
    started: new Date().toISOString(),
    command: process.argv.join(' '),
    config: { ...CFG },
    host: os.hostname(),
    cpuModel: os.cpus()[0]?.model ?? '?',
    ncpu: os.cpus().length,
    kernel: os.release(),
    node: process.version,
    opensslNode: process.versions.openssl,
    versions: {},
    backgroundBusy: {},
    partial: false,
  },
  topologies: [],
  load: [],
  handshakes: [],
  audit: [],
};

function finish(partial: boolean): string {
  results.meta.finished = new Date().toISOString();
  results.meta.elapsedS = elapsed();
  results.meta.partial = partial;
  return writeReport(outDir, results);
}

const watchdog = setTimeout(() => {
  log(`watchdog: ${CFG.maxTotal}s exceeded; writing partial results and stopping everything this bench started`);
  try {
    process.stdout.write(finish(true));
  } catch (e) {
    log(`could not write partial results: ${(e as Error).message}`);
  }
  void stopAll().then(() => process.exit(3));
}, CFG.maxTotal * 1000);
watchdog.unref();
process.on('exit', () => signalAll('SIGTERM'));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    log(`${sig}: stopping everything this bench started`);
    void stopAll().then(() => process.exit(130));
  });
}

/** First line a tool prints about its version (nginx and wrk print it on stderr, wrk exits 1). */
function version(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return `${path.basename(cmd)}: not installed`;
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '';
}

function httpGet(port: number, p = '/', host = ROUTE_HOST): Promise<{ status: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent: false, timeout: 5000, headers: { host, 'user-agent': 'meshguard-bench/1', accept: '*/*' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
  });
}

/** Audit counters of a pair's sidecars summed (null when no sidecar has a sink): did the mirror keep up? */
async function auditCounts(r: Running): Promise<{ written: number; dropped: number; spooled: number; queued: number } | null> {
  let found = false;
  const sum = { written: 0, dropped: 0, spooled: 0, queued: 0 };
  for (const spec of r.topo.procs) {
    if (spec.kind !== 'meshguard' || !spec.adminPort) continue;
    const m = await httpGet(spec.adminPort, '/stats/prometheus', '127.0.0.1');
    for (const line of m.body.split('\n')) {
      const [name, value] = [line.slice(0, line.indexOf('{')), Number(line.slice(line.lastIndexOf(' ') + 1))];
      const key = ({ audit_written_total: 'written', audit_dropped_total: 'dropped', audit_spooled_total: 'spooled', audit_queued: 'queued' } as const)[name as 'audit_queued'];
      if (key && Number.isFinite(value)) { sum[key] += value; found = true; }
    }
  }
  return found ? sum : null;
}

// ------------------------------------------------------------------ processes
function startProc(spec: ProcSpec, topo: string): number {
  const logFile = path.join(runDir, 'logs', `${topo}-${spec.role}.log`);
  if (spec.kind === 'nginx') return startServer(`${topo}-${spec.role}`, sutCpu, '/usr/sbin/nginx', ['-p', `${runDir}/`, '-e', logFile, '-c', spec.config], logFile, spec.config);
  if (spec.kind === 'haproxy') return startServer(`${topo}-${spec.role}`, sutCpu, '/usr/sbin/haproxy', ['-db', '-f', spec.config], logFile, spec.config);
  const procEnv = { ...process.env, ...spec.env };
  const nodeArgs: string[] = spec.plainNode ? [] : launcherNodeFlags(procEnv);
  // Experiments (e.g. --trace-gc, a V8 heap flag): extra node flags for every meshguard sidecar, reported in the summary's run log.
  if (env['MG_NODE_FLAGS']) nodeArgs.push(...env['MG_NODE_FLAGS'].split(/\s+/).filter(Boolean));
  // ...and for the NAME@b pairs only, to compare a flag side by side.
  if (spec.build === 'b' && env['MG_B_NODE_FLAGS']) nodeArgs.push(...env['MG_B_NODE_FLAGS'].split(/\s+/).filter(Boolean));
  if (CFG.cpuProf) {
    const dir = path.resolve(CFG.cpuProf === '1' ? path.join(outDir, 'profiles') : CFG.cpuProf);
    mkdirSync(dir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${topo}-${spec.role}.cpuprofile`);
  }
  const entry = spec.build === 'b' ? path.join(bDist(), 'bench', 'mg-run.js') : path.join(here, 'mg-run.js');
  return startServer(`${topo}-${spec.role}`, sutCpu, process.execPath, [...nodeArgs, entry, 'run', '--config', spec.config], logFile, spec.config, procEnv);
}

/** The second build of an A/B run: `MG_B_DIST` names its out dir (e.g. a `tsc --outDir dist-b` of another commit). */
function bDist(): string {
  // Without a second build, NAME@b is this build again (with MG_B_NODE_FLAGS, a flag A/B).
  const d = env['MG_B_DIST'] || path.dirname(here);
  if (!existsSync(path.join(d, 'bench', 'mg-run.js'))) throw new Error(`MG_B_DIST=${d}: no bench/mg-run.js there (it names the out dir of the other build)`);
  return path.resolve(d);
}

async function waitReady(spec: ProcSpec, pid: number): Promise<void> {
  await waitPort(spec.port, spec.kind === 'meshguard' ? 60_000 : 10_000, () => isRunning(pid));
  if (spec.kind !== 'meshguard' || spec.adminPort === undefined) return;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await httpGet(spec.adminPort, '/ready', '127.0.0.1');
    if (r.status === 200) break;
    if (!isRunning(pid)) throw new Error(`${spec.role} exited before ready`);
    if (Date.now() > deadline) throw new Error(`${spec.role} not ready after 30 s: ${r.status} ${r.body.slice(0, 200)}`);
    await sleep(200);
  }
  if (spec.expectFilters?.length) {
    // The filters must really be in the chain: a configuration that was silently ignored is not measured.
    const dump = await httpGet(spec.adminPort, '/config_dump', '127.0.0.1');
    let names: string[] = [];
    try {
      const j = JSON.parse(dump.body) as { filters?: { inbound?: Array<{ name: string }> } };
      names = (j.filters?.inbound ?? []).map((f) => f.name);
    } catch {
      throw new Error(`config_dump unreadable: ${dump.status} ${dump.body.slice(0, 200)}`);
    }
    const missing = spec.expectFilters.filter((f) => !names.some((n) => n.toLowerCase().includes(f)));
    if (missing.length) throw new Error(`filters not in the inbound chain: ${missing.join(', ')} (chain: ${names.join(', ') || 'empty'})`);
  }
}

// ------------------------------------------------------------------ foreign load
const PLAN = { loadRuns: 0, hsRuns: 0, rewarms: 0 };
const remainingEstimate = () => PLAN.loadRuns * (CFG.duration + 0.8) + PLAN.hsRuns * (CFG.hsTime + 0.8) + PLAN.rewarms * (CFG.warmup + 0.3);
const slack = () => CFG.budget - elapsed() - remainingEstimate();

/** Waits (bounded by QUIET_MAX and the budget's slack) until other tenants use less than QUIET_PCT. */
async function quietGate(): Promise<{ waitedS: number; busyPct: number }> {
  const t0 = Date.now();
  let busy: number;
  for (;;) {
    const a = sample({});
    await sleep(400);
    const u = usage(a, sample({}));
    busy = u.busyPct - u.selfPct;
    if (busy < CFG.quietPct || (Date.now() - t0) / 1000 >= CFG.quietMax || slack() <= 0) break;
  }
  return { waitedS: (Date.now() - t0) / 1000, busyPct: busy };
}

// ------------------------------------------------------------------ measurements
interface Running {
  topo: Topology;
  pids: Partial<Record<'outbound' | 'inbound', number>>;
  /** Set when a sidecar of the pair exited: the pair is not measured again. */
  dead?: string;
}

/** Every pair that is up; the ones not under test are idle but still ours, never "foreign". */
const running: Running[] = [];

function rolePids(r: Running, upPid: number): Record<string, number[]> {
  const roles: Record<string, number[]> = { upstream: processTree(upPid) };
  for (const [role, pid] of Object.entries(r.pids)) roles[role] = processTree(pid);
  roles['idlePairs'] = running.filter((x) => x !== r).flatMap((x) => Object.values(x.pids).flatMap((pid) => processTree(pid)));
  return roles;
}

const fmtK = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0));
const fmtMs = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)}ms` : `${us.toFixed(0)}µs`);

async function measureLoad(rep: number, r: Running, conns: number, upPid: number): Promise<LoadRow> {
  let best: LoadRow | null = null;
  for (let attempt = 0; attempt <= CFG.retries; attempt++) {
    const gate = await quietGate();
    const roles = rolePids(r, upPid);
    const a0 = await auditCounts(r);
    const s0 = sample(roles);
    const w: WrkResult = await runWrk({ port: r.topo.entry, conns, seconds: CFG.duration, cpu: loadCpu, luaDir: benchSrc });
    const u = usage(s0, sample(roles));
    const a1 = a0 && await auditCounts(r);
    const audit = a0 && a1 ? { written: a1.written - a0.written, dropped: a1.dropped - a0.dropped, spooled: a1.spooled - a0.spooled, queuedAfter: a1.queued } : undefined;
    // A mirror that loses records is not the pipeline the row names: not a measurement.
    if (audit && audit.dropped > 0 && w.ok) {
      w.ok = false;
      w.error = `the audit mirror dropped ${audit.dropped} records (${audit.spooled} spooled)`;
    }
    const mem: Record<string, { rssMb: number; hwmMb: number }> = {};
    for (const role of ['outbound', 'inbound'] as const) {
      const pids = roles[role];
      if (pids) {
        const m = memory(pids);
        mem[role] = { rssMb: m.rssKb / 1024, hwmMb: m.hwmKb / 1024 };
      }
    }
    const ours = Object.values(u.pct).reduce((a, b) => a + b, 0) + (w.cpuPct ?? 0) + u.selfPct;
    if (w.ok && w.requests === 0) {
      // Every request outlived the run (a starved or stalled pair): not a measurement.
      w.ok = false;
      w.error = 'no request completed during the run';
    }
    const dead = Object.entries(r.pids).filter(([, pid]) => !isRunning(pid)).map(([role]) => role);
    if (dead.length) {
      w.ok = false;
      w.error = `${dead.join(' and ')} exited during the run (see bench/run/logs/${r.topo.name}-*.log)`;
      r.dead = w.error;
    }
    const sidecarS = (u.cpuS['outbound'] ?? 0) + (u.cpuS['inbound'] ?? 0);
    const row: LoadRow = {
      rep, topo: r.topo.name, conns, attempt, ok: w.ok && w.errors === 0,
      ...(w.ok ? (w.errors ? { error: `${w.errors} errors (${w.non2xx} non-2xx, ${w.timeouts} timeouts over 5 s)` } : {}) : { error: w.error ?? 'wrk failed' }),
      rps: w.rps, requests: w.requests, p50Us: w.p50Us, p90Us: w.p90Us, p99Us: w.p99Us, p999Us: w.p999Us, maxUs: w.maxUs, errors: w.errors,
      sidecarCpuUsPerReq: r.topo.procs.length && w.requests ? (1e6 * sidecarS) / w.requests : null,
      cpuPct: { ...u.pct, wrk: w.cpuPct ?? NaN, bench: u.selfPct },
      cores: u.cores, irqPct: u.irqPct, stealPct: u.stealPct,
      foreignPct: Math.max(0, u.busyPct - ours),
      memory: mem, gate,
      ...(audit ? { audit } : {}),
    };
    log(
      `rep${rep} ${r.topo.name.padEnd(12)} c=${String(conns).padStart(3)} ${fmtK(w.rps).padStart(6)} req/s p50=${fmtMs(w.p50Us)} p99=${fmtMs(w.p99Us)} ` +
        `err=${w.errors} cpu/req=${row.sidecarCpuUsPerReq?.toFixed(1) ?? '-'}µs ` +
        `cpu[${Object.entries(row.cpuPct).map(([k, v]) => `${k}=${Number.isFinite(v) ? v.toFixed(0) : '?'}`).join(' ')}] ` +
        `cores[${Object.values(u.cores).map((v) => v.toFixed(0)).join('/')}] foreign=${row.foreignPct.toFixed(0)}%` +
        `${mem['inbound'] ? ` rss in=${mem['inbound'].rssMb.toFixed(0)}MB out=${mem['outbound']?.rssMb.toFixed(0)}MB` : ''}` +
        `${audit ? ` audit written=${audit.written} dropped=${audit.dropped} spooled=${audit.spooled} queued=${audit.queuedAfter}` : ''}` +
        `${attempt ? ` (retry ${attempt})` : ''}${w.ok ? '' : ` ERROR ${w.error}`}`,
    );
    if (!best || row.foreignPct < best.foreignPct) best = row;
    if (!w.ok || row.foreignPct <= CFG.foreignMax || slack() < CFG.duration + 1) break;
  }
  return best!;
}

async function measureHandshakes(rep: number, r: Running, mode: 'full' | 'resumed', upPid: number, hsBin: string, certDir: string): Promise<HsRow> {
  let best: HsRow | null = null;
  for (let attempt = 0; attempt <= CFG.retries; attempt++) {
    const gate = await quietGate();
    const roles = { ...rolePids(r, upPid), inbound: processTree(r.pids.inbound!) };
    const s0 = sample(roles);
    const h = await runHandshakes({ bin: hsBin, port: r.topo.inbound!, seconds: CFG.hsTime, loops: CFG.hsLoops, mode, certDir, serverId: SERVER_ID, cpu: loadCpu });
    const u = usage(s0, sample(roles));
    if (!isRunning(r.pids.inbound!)) {
      h.ok = false;
      h.error = `inbound exited during the run (see bench/run/logs/${r.topo.name}-inbound.log)`;
      r.dead = h.error;
    }
    const inS = u.cpuS['inbound'] ?? 0;
    const ours = Object.values(u.pct).reduce((a, b) => a + b, 0) + (h.cpuPct ?? 0) + u.selfPct;
    const row: HsRow = {
      rep, topo: r.topo.name, mode, attempt, ok: h.ok && h.failed === 0,
      ...(h.error ? { error: h.error } : {}),
      rate: h.rate, handshakes: h.handshakes, resumed: h.resumed, failed: h.failed,
      inboundCpuPct: u.pct['inbound'] ?? 0, clientCpuPct: h.cpuPct,
      perCoreS: inS > 0 ? h.handshakes / inS : 0,
      inboundCpuUsPer: h.handshakes ? (1e6 * inS) / h.handshakes : 0,
      cores: u.cores, foreignPct: Math.max(0, u.busyPct - ours), gate,
    };
    log(
      `rep${rep} ${r.topo.name.padEnd(12)} handshakes/${mode.padEnd(7)} ${h.rate.toFixed(0)}/s (${h.handshakes} ok, ${h.resumed} resumed, ${h.failed} failed${h.error ? `: ${h.error}` : ''}) ` +
        `inbound cpu=${row.inboundCpuPct.toFixed(0)}% client cpu=${h.cpuPct?.toFixed(0) ?? '?'}% => ${row.perCoreS.toFixed(0)} per inbound core-s ` +
        `cores[${Object.values(u.cores).map((v) => v.toFixed(0)).join('/')}] foreign=${row.foreignPct.toFixed(0)}%${attempt ? ` (retry ${attempt})` : ''}`,
    );
    if (!best || row.foreignPct < best.foreignPct) best = row;
    if (!h.ok || row.foreignPct <= CFG.foreignMax || slack() < CFG.hsTime + 1) break;
  }
  return best!;
}

/** Builds bench/hsclient with the Go toolchain when it is installed; null (and why) otherwise. */
function buildHsClient(): { bin: string | null; why?: string } {
  const src = path.join(repoRoot, 'bench', 'hsclient', 'main.go');
  const bin = path.join(runDir, 'bin', 'hsclient');
  if (existsSync(bin) && statSync(bin).mtimeMs >= statSync(src).mtimeMs) return { bin };
  try {
    mkdirSync(path.dirname(bin), { recursive: true });
    execFileSync('go', ['build', '-o', bin, src], { stdio: ['ignore', 'ignore', 'pipe'], cwd: path.dirname(src), env: { ...process.env, GOFLAGS: '-mod=mod', GO111MODULE: 'off' } });
    return { bin };
  } catch (e) {
    return { bin: null, why: `could not build bench/hsclient (Go toolchain: apt-get install golang-go): ${(e as Error).message.split('\n')[0]}` };
  }
}

function dirBytes(dir: string): number {
  let n = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

// ------------------------------------------------------------------ main
async function main(): Promise<void> {
  // The lock first: stopLeftovers must never touch the processes of a bench that is still running.
  takeLock(path.join(runDir, 'bench.lock'));
  setPidFile(path.join(runDir, 'pids.json'));
  stopLeftovers(log);
  log(`config ${JSON.stringify(CFG)}`);
  for (const t of [...CFG.topos, ...CFG.hsTopos]) if (!isKnownTopology(t)) throw new Error(`unknown topology ${t}; known: ${TOPOLOGY_NAMES.join(', ')}`);
  results.meta.versions = {
    nginx: version('/usr/sbin/nginx', ['-v']),
    haproxy: version('/usr/sbin/haproxy', ['-v']),
    wrk: version('wrk', ['-v']),
    go: version('go', ['version']),
  };

  results.meta.meshguardFlags = launcherNodeFlags(process.env).map((f) => f.replace(path.join(repoRoot, 'src'), 'src'));
  const certs = ensureCerts(path.join(runDir, 'certs'));
  const ctx = { runDir, certs, crsDir: path.resolve(CFG.crs), natsUrl: CFG.natsUrl, inboundNoTickets: CFG.inboundNoTickets };
  const names = [...CFG.topos];
  // A handshake topology that is not also a keep-alive one runs for the handshakes only (nginx and
  // HAProxy pairs included: their inbound is what the handshake client connects to).
  const hsExtra = CFG.hsModes.length ? CFG.hsTopos.filter((t) => !names.includes(t) && t !== 'direct') : [];
  names.push(...hsExtra);
  const topos = names.map((n) => {
    const t = buildTopology(ctx, n);
    return hsExtra.includes(n) ? { ...t, hsOnly: true } : t;
  });
  const hsNames = CFG.hsTopos.filter((t) => names.includes(t) && t !== 'direct');
  if (CFG.inboundNoTickets && topos.some((t) => t.runtime === 'node' && !t.hsOnly)) {
    results.meta.workarounds = ['MG_NO_TICKETS=1: meshguard inbounds of the keep-alive pairs run with TLS session tickets off (for builds before 06587f8, whose outbound refused every resumed connection). Measure handshakes on mg-hs, an inbound without this change.'];
  }
  const hs = CFG.hsModes.length && hsNames.length ? buildHsClient() : { bin: null, why: 'no handshake topology selected' };
  if (!hs.bin) log(`handshakes: not measured: ${hs.why}`);
  results.meta.handshakeClient = hs.bin ? 'bench/hsclient (Go crypto/tls, GOMAXPROCS=1)' : `none: ${hs.why}`;

  const ports = [UPSTREAM_PORT, ...topos.flatMap((t) => t.procs.flatMap((p) => [p.port, ...(p.adminPort ? [p.adminPort] : [])]))];
  for (const p of ports) if (await portOpen(p)) throw new Error(`port ${p} is in use: stop what holds it (a bench left over? see bench/run/pids.json)`);

  const b0 = sample({});
  await sleep(1500);
  const bg = usage(b0, sample({}));
  results.meta.backgroundBusy = bg.cores;
  log(`machine busy before start: ${Object.entries(bg.cores).map(([k, v]) => `${k}=${v.toFixed(0)}%`).join(' ')} (load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})`);

  const upConf = renderUpstream(ctx);
  const upPid = startServer('upstream', sutCpu, '/usr/sbin/nginx', ['-p', `${runDir}/`, '-e', path.join(runDir, 'logs', 'upstream.log'), '-c', upConf], path.join(runDir, 'logs', 'upstream.log'), upConf);
  await waitPort(UPSTREAM_PORT, 10_000, () => isRunning(upPid));
  const upCheck = await httpGet(UPSTREAM_PORT);
  if (upCheck.status !== 200 || upCheck.body !== APP_BODY) throw new Error(`upstream app answers ${upCheck.status} with ${upCheck.body.length} bytes`);

  const maxC = Math.max(...CFG.conns);
  for (const topo of topos) {
    const r: Running = { topo, pids: {} };
    const status: TopoStatus = { name: topo.name, label: topo.label, available: true };
    try {
      for (const spec of topo.procs) {
        const pid = startProc(spec, topo.name);
        r.pids[spec.role] = pid;
        await waitReady(spec, pid);
      }
      if (topo.hsOnly) {
        log(`${topo.name}: up (${Object.entries(r.pids).map(([k, v]) => `${k}=${v}`).join(' ')}), handshake runs only`);
        running.push(r);
        results.topologies.push(status);
        continue;
      }
      const chk = await httpGet(topo.entry);
      if (chk.status !== 200 || chk.body !== APP_BODY) throw new Error(`a GET through ${topo.name} answered ${chk.status}${chk.error ? ` (${chk.error})` : ''}: ${chk.body.slice(0, 200)}`);
      const wu = topo.runtime === 'node' ? CFG.warmupNode : CFG.warmupNative;
      const w = await runWrk({ port: topo.entry, conns: maxC, seconds: wu, cpu: loadCpu, luaDir: benchSrc });
      // A cold JIT may time out a few requests at c=200; a wrong answer (non-2xx) means a broken setup.
      if (!w.ok || w.non2xx || w.requests === 0) throw new Error(`warm-up failed: ${w.error ?? `${w.errors} errors, ${w.non2xx} non-2xx, ${w.requests} requests`}`);
      if (w.errors) log(`${topo.name}: warm-up had ${w.errors} errors (${w.timeouts} timeouts over 5 s), not counted`);
      log(`${topo.name}: up (${Object.entries(r.pids).map(([k, v]) => `${k}=${v}`).join(' ') || 'app only'}); ${wu}s warm-up at c=${maxC}: ${fmtK(w.rps)} req/s, p99 ${fmtMs(w.p99Us)}`);
      running.push(r);
    } catch (e) {
      status.available = false;
      status.reason = (e as Error).message;
      log(`${topo.name}: NOT AVAILABLE: ${status.reason}`);
      for (const pid of Object.values(r.pids)) await stopServer(pid);
    }
    results.topologies.push(status);
  }

  const hsRunning = hs.bin ? running.filter((r) => hsNames.includes(r.topo.name)) : [];
  const loadRunning = running.filter((r) => !r.topo.hsOnly);
  PLAN.loadRuns = CFG.reps * loadRunning.length * CFG.conns.length;
  PLAN.hsRuns = CFG.reps * hsRunning.length * CFG.hsModes.length;
  PLAN.rewarms = CFG.reps * loadRunning.length;
  if (hs.bin) {
    // New-connection warm-up for the handshake-only inbounds (JIT of the accept path).
    for (const r of hsRunning.filter((x) => x.topo.hsOnly)) {
      await runHandshakes({ bin: hs.bin, port: r.topo.inbound!, seconds: 2, loops: CFG.hsLoops, mode: 'full', certDir: certs.dir, serverId: SERVER_ID, cpu: loadCpu });
    }
  }
  log(`planned: ${PLAN.loadRuns} load runs, ${PLAN.hsRuns} handshake runs, ~${remainingEstimate().toFixed(0)}s; budget ${CFG.budget}s`);

  for (let rep = 1; rep <= CFG.reps; rep++) {
    const rot = (rep - 1) % Math.max(1, running.length);
    const order = [...running.slice(rot), ...running.slice(0, rot)];
    for (const r of order) {
      if (r.dead) {
        log(`rep${rep} ${r.topo.name}: skipped: ${r.dead}`);
        if (!r.topo.hsOnly) {
          PLAN.rewarms--;
          PLAN.loadRuns -= CFG.conns.length;
        }
        if (hsRunning.includes(r)) PLAN.hsRuns -= CFG.hsModes.length;
        continue;
      }
      if (!r.topo.hsOnly) {
        PLAN.rewarms--;
        // Re-warm at the highest concurrency: refills the keep-alive pools after the previous pair ran.
        await runWrk({ port: r.topo.entry, conns: maxC, seconds: CFG.warmup, cpu: loadCpu, luaDir: benchSrc });
        for (const c of CFG.conns) {
          results.load.push(await measureLoad(rep, r, c, upPid));
          PLAN.loadRuns--;
        }
      }
      if (hsRunning.includes(r) && !r.dead) {
        for (const mode of CFG.hsModes) {
          results.handshakes.push(await measureHandshakes(rep, r, mode, upPid, hs.bin!, certs.dir));
          PLAN.hsRuns--;
        }
      }
    }
  }

  for (const r of running) for (const role of ['outbound', 'inbound'] as const) if (r.pids[role]) await stopServer(r.pids[role]!);
  await stopServer(upPid);

  // What the mirror wrote, then the files go: a 100% mirror writes hundreds of MB per run.
  for (const r of running) {
    const dir = path.join(runDir, 'mg', r.topo.name);
    const bytes = dirBytes(path.join(dir, 'audit'));
    if (bytes) results.audit.push({ topo: r.topo.name, sink: 'file', bytes });
    rmSync(path.join(dir, 'audit'), { recursive: true, force: true });
    rmSync(path.join(dir, 'spool'), { recursive: true, force: true });
  }
  const natsTopos = running.filter((r) => r.topo.name.startsWith('mg-nats')).map((r) => r.topo.name);
  if (natsTopos.length) {
    const stats = await deleteNatsStreams(CFG.natsUrl, natsTopos);
    for (const s of stats) results.audit.push({ topo: s.topo, sink: 'nats', bytes: s.bytes, messages: s.messages });
  }

  process.stdout.write(finish(false));
  log(`done in ${elapsed().toFixed(0)}s; results in ${path.relative(process.cwd(), outDir) || outDir}`);
}

main().then(
  () => {
    clearTimeout(watchdog);
  },
  async (e: Error) => {
    log(`FATAL: ${e.stack ?? e.message}`);
    try {
      finish(true);
    } catch {
      /* nothing more to save */
    }
    await stopAll();
    process.exit(1);
  },
);
