/**
 * The two load generators, each pinned to the load core and bounded twice (its own duration flag and
 * a kill timer): wrk for keep-alive HTTP/1.1, and hsclient (Go, bench/hsclient) for new mTLS
 * connections. Their CPU comes from bash's `time`, because they have exited before /proc is read.
 */
import path from 'node:path';
import { runCaptured } from './procs.js';
import { ROUTE_HOST } from './topologies.js';

export interface WrkResult {
  ok: boolean;
  error?: string;
  requests: number;
  rps: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  /** Socket errors, timeouts and non-2xx answers. */
  errors: number;
  non2xx: number;
  timeouts: number;
  /** wrk's own CPU, % of one core. */
  cpuPct: number | null;
}

function timeLine(tag: string, err: string): { real: number; cpu: number } | null {
  const m = err.split('\n').find((l) => l.startsWith(`${tag} `));
  if (!m) return null;
  const [, real, user, sys] = m.split(' ').map(Number);
  return real ? { real: real, cpu: (user ?? 0) + (sys ?? 0) } : null;
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

export async function runWrk(opts: { port: number; conns: number; seconds: number; cpu: string | null; luaDir: string }): Promise<WrkResult> {
  const args = [
    '-t1', `-c${opts.conns}`, `-d${opts.seconds}s`, '--timeout', '5s', '--latency',
    '-H', `Host: ${ROUTE_HOST}`, '-H', 'User-Agent: meshguard-bench/1', '-H', 'Accept: */*',
    '-s', path.join(opts.luaDir, 'wrk-report.lua'), `http://127.0.0.1:${opts.port}/`,
  ];
  const cmd = `${opts.cpu === null ? '' : `taskset -c ${opts.cpu} `}wrk ${args.map(shellQuote).join(' ')}`;
  const r = await runCaptured('/bin/bash', ['-c', `TIMEFORMAT='WRKTIME %3R %3U %3S'; time ${cmd}`], (opts.seconds + 15) * 1000);
  const line = r.out.split('\n').find((l) => l.startsWith('WRKJSON '));
  const empty = { requests: 0, rps: 0, p50Us: 0, p90Us: 0, p99Us: 0, p999Us: 0, maxUs: 0, errors: 0, non2xx: 0, timeouts: 0, cpuPct: null };
  if (!line) return { ok: false, error: `wrk failed (code ${r.code}${r.killed ? ', killed by timer' : ''}): ${(r.err || r.out).slice(-300)}`, ...empty };
  const j = JSON.parse(line.slice(8)) as Record<string, number>;
  const non2xxLine = r.out.split('\n').find((l) => l.includes('Non-2xx or 3xx responses:'));
  const non2xx = non2xxLine ? Number(non2xxLine.split(':')[1]) : 0;
  const t = timeLine('WRKTIME', r.err);
  return {
    ok: true,
    requests: j['requests']!,
    rps: j['requests']! / (j['duration_us']! / 1e6),
    p50Us: j['p50_us']!,
    p90Us: j['p90_us']!,
    p99Us: j['p99_us']!,
    p999Us: j['p999_us']!,
    maxUs: j['max_us']!,
    errors: j['connect']! + j['read']! + j['write']! + j['timeout']! + non2xx,
    non2xx,
    timeouts: j['timeout']!,
    cpuPct: t ? (100 * t.cpu) / t.real : null,
  };
}

export interface HandshakeResult {
  ok: boolean;
  error?: string;
  handshakes: number;
  resumed: number;
  failed: number;
  rate: number;
  /** Client CPU, % of one core. */
  cpuPct: number | null;
}

export async function runHandshakes(opts: {
  bin: string; port: number; seconds: number; loops: number; mode: 'full' | 'resumed'; certDir: string; serverId: string; cpu: string | null;
}): Promise<HandshakeResult> {
  const args = [`-addr=127.0.0.1:${opts.port}`, `-d=${opts.seconds}s`, `-c=${opts.loops}`, `-mode=${opts.mode}`, `-certs=${opts.certDir}`, `-id=${opts.serverId}`];
  const cmd = `${opts.cpu === null ? '' : `taskset -c ${opts.cpu} `}${shellQuote(opts.bin)} ${args.map(shellQuote).join(' ')}`;
  // One OS thread for Go's scheduler, like wrk -t1: the client stays on its one core.
  const r = await runCaptured('/bin/bash', ['-c', `export GOMAXPROCS=1; TIMEFORMAT='HSTIME %3R %3U %3S'; time ${cmd}`], (opts.seconds + 15) * 1000);
  const line = r.out.split('\n').find((l) => l.startsWith('HSJSON '));
  if (!line) return { ok: false, error: `hsclient failed (code ${r.code}): ${(r.err || r.out).slice(-300)}`, handshakes: 0, resumed: 0, failed: 0, rate: 0, cpuPct: null };
  const j = JSON.parse(line.slice(7)) as { ok: number; resumed: number; failed: number; rate: number; first_error?: string };
  const t = timeLine('HSTIME', r.err);
  return {
    ok: true,
    ...(j.first_error ? { error: j.first_error } : {}),
    handshakes: j.ok,
    resumed: j.resumed,
    failed: j.failed,
    rate: j.rate,
    cpuPct: t ? (100 * t.cpu) / t.real : null,
  };
}
