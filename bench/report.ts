/**
 * Turns the raw rows into results.json, summary.md (medians with spread, ratios, CPU split,
 * handshakes, goals) and ratios.svg.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ratiosSvg, type Bar } from './svg.js';

export interface LoadRow {
  rep: number;
  topo: string;
  conns: number;
  attempt: number;
  ok: boolean;
  error?: string;
  rps: number;
  requests: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  errors: number;
  /** Outbound + inbound CPU time divided by the requests served (null for direct). */
  sidecarCpuUsPerReq: number | null;
  /** % of one core per role: outbound, inbound, upstream, wrk, bench. */
  cpuPct: Record<string, number>;
  cores: Record<string, number>;
  irqPct: number;
  stealPct: number;
  /** Busy CPU on the machine that was not ours (% of one core). */
  foreignPct: number;
  memory: Record<string, { rssMb: number; hwmMb: number }>;
  gate: { waitedS: number; busyPct: number };
  /** Audit records of the run (mirror topologies): written, dropped and spooled during it, queued at its end. */
  audit?: { written: number; dropped: number; spooled: number; queuedAfter: number };
}

export interface HsRow {
  rep: number;
  topo: string;
  mode: 'full' | 'resumed';
  attempt: number;
  ok: boolean;
  error?: string;
  rate: number;
  handshakes: number;
  resumed: number;
  failed: number;
  inboundCpuPct: number;
  clientCpuPct: number | null;
  perCoreS: number;
  inboundCpuUsPer: number;
  cores: Record<string, number>;
  foreignPct: number;
  gate: { waitedS: number; busyPct: number };
}

export interface TopoStatus {
  name: string;
  label: string;
  available: boolean;
  reason?: string;
}

export interface BenchResults {
  meta: {
    started: string;
    finished?: string;
    elapsedS?: number;
    partial: boolean;
    command: string;
    config: Record<string, unknown>;
    host: string;
    cpuModel: string;
    ncpu: number;
    kernel: string;
    node: string;
    opensslNode: string;
    versions: Record<string, string>;
    backgroundBusy: Record<string, number>;
    handshakeClient?: string;
    workarounds?: string[];
    /** The node flags meshguard sidecars were started with (bin/meshguard.js's), except `mg-hs-plain`. */
    meshguardFlags?: string[];
  };
  topologies: TopoStatus[];
  load: LoadRow[];
  handshakes: HsRow[];
  audit: Array<{ topo: string; sink: string; bytes: number; messages?: number }>;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(xs: number[]): Spread {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length };
}

export const fmtK = (x: number): string => (!Number.isFinite(x) ? '-' : x >= 10_000 ? `${(x / 1000).toFixed(1)}k` : x >= 1000 ? `${(x / 1000).toFixed(2)}k` : x.toFixed(0));
export const fmtT = (us: number): string => (!Number.isFinite(us) ? '-' : us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} µs`);
const fmtR = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '-');
const pctSpread = (s: Spread): string => (s.n > 1 && s.median > 0 ? `${((100 * (s.max - s.min)) / s.median).toFixed(0)}%` : '-');

export interface LoadSummary {
  topo: string;
  conns: number;
  /** Runs without errors (the medians use these) and all runs. */
  n: number;
  runs: number;
  rps: Spread;
  p50: Spread;
  p99: Spread;
  cpuPerReq: Spread;
  rssIn: Spread;
  rssOut: Spread;
  hwmIn: Spread;
  foreign: Spread;
  cpu: Record<string, number>;
  sutBusy: number;
  loadBusy: number;
  errors: number;
  /** Audit records over all runs (mirror topologies only); largest backlog left at a run's end. */
  audit?: { written: number; dropped: number; spooled: number; queuedAfterMax: number };
}

export function summarizeLoad(rows: LoadRow[], sutCore: string, loadCore: string): LoadSummary[] {
  const groups = new Map<string, LoadRow[]>();
  for (const r of rows) {
    const k = `${r.topo}\u0000${r.conns}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const out: LoadSummary[] = [];
  for (const g of groups.values()) {
    const ok = g.filter((r) => r.ok);
    const use = ok.length ? ok : g;
    const cpu: Record<string, number> = {};
    for (const k of ['outbound', 'inbound', 'upstream', 'wrk', 'idlePairs']) cpu[k] = spread(use.map((r) => r.cpuPct[k] ?? NaN)).median;
    out.push({
      topo: g[0]!.topo,
      conns: g[0]!.conns,
      n: ok.length,
      runs: g.length,
      rps: spread(use.map((r) => r.rps)),
      p50: spread(use.map((r) => r.p50Us)),
      p99: spread(use.map((r) => r.p99Us)),
      cpuPerReq: spread(use.map((r) => r.sidecarCpuUsPerReq ?? NaN)),
      rssIn: spread(use.map((r) => r.memory['inbound']?.rssMb ?? NaN)),
      rssOut: spread(use.map((r) => r.memory['outbound']?.rssMb ?? NaN)),
      hwmIn: spread(use.map((r) => r.memory['inbound']?.hwmMb ?? NaN)),
      foreign: spread(g.map((r) => r.foreignPct)),
      cpu,
      sutBusy: spread(use.map((r) => r.cores[`cpu${sutCore}`] ?? NaN)).median,
      loadBusy: spread(use.map((r) => r.cores[`cpu${loadCore}`] ?? NaN)).median,
      errors: g.reduce((a, r) => a + r.errors, 0),
      ...(g.some((r) => r.audit) ? {
        audit: {
          written: g.reduce((a, r) => a + (r.audit?.written ?? 0), 0),
          dropped: g.reduce((a, r) => a + (r.audit?.dropped ?? 0), 0),
          spooled: g.reduce((a, r) => a + (r.audit?.spooled ?? 0), 0),
          queuedAfterMax: Math.max(...g.map((r) => r.audit?.queuedAfter ?? 0)),
        },
      } : {}),
    });
  }
  return out;
}

export interface HsSummary {
  topo: string;
  mode: string;
  n: number;
  rate: Spread;
  perCore: Spread;
  cpuPer: Spread;
  resumedFrac: number;
  clientCpu: number;
  inboundCpu: number;
  foreign: Spread;
  failed: number;
  error?: string;
}

function summarizeHs(rows: HsRow[]): HsSummary[] {
  const groups = new Map<string, HsRow[]>();
  for (const r of rows) {
    const k = `${r.topo}\u0000${r.mode}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return [...groups.values()].map((g) => {
    const total = g.reduce((a, r) => a + r.handshakes, 0);
    const err = g.find((r) => r.error)?.error;
    return {
      topo: g[0]!.topo,
      mode: g[0]!.mode,
      n: g.length,
      rate: spread(g.map((r) => r.rate)),
      perCore: spread(g.map((r) => r.perCoreS)),
      cpuPer: spread(g.map((r) => r.inboundCpuUsPer)),
      resumedFrac: total ? g.reduce((a, r) => a + r.resumed, 0) / total : 0,
      clientCpu: spread(g.map((r) => r.clientCpuPct ?? NaN)).median,
      inboundCpu: spread(g.map((r) => r.inboundCpuPct)).median,
      foreign: spread(g.map((r) => r.foreignPct)),
      failed: g.reduce((a, r) => a + r.failed, 0),
      ...(err ? { error: err } : {}),
    };
  });
}

const LABELS: Record<string, string> = {};

export function writeReport(outDir: string, res: BenchResults): string {
  for (const t of res.topologies) LABELS[t.name] = t.label;
  const cfg = res.meta.config as { sutCpu: string; loadCpu: string; conns: number[]; topos: string[]; duration: number; reps: number };
  const load = summarizeLoad(res.load, cfg.sutCpu, cfg.loadCpu);
  const hs = summarizeHs(res.handshakes);
  const find = (topo: string, c: number) => load.find((s) => s.topo === topo && s.conns === c);
  const order = (topo: string) => {
    const i = cfg.topos.indexOf(topo);
    return i < 0 ? 99 : i;
  };
  load.sort((a, b) => b.conns - a.conns || order(a.topo) - order(b.topo));

  const L: string[] = [];
  L.push(`# meshguard side-by-side bench (${res.meta.started})`, '');
  if (res.meta.partial) L.push('**PARTIAL RESULTS: the run was stopped before the end.**', '');
  L.push(
    `Machine: ${res.meta.ncpu} × ${res.meta.cpuModel}, kernel ${res.meta.kernel}, Node ${res.meta.node} (OpenSSL ${res.meta.opensslNode}); ${res.meta.versions['nginx'] ?? ''}; ${res.meta.versions['haproxy'] ?? ''}; ${res.meta.versions['wrk'] ?? ''}.`,
    `Placement: load generator + bench on CPU${cfg.loadCpu}; upstream app + both sidecars on CPU${cfg.sutCpu}. ${cfg.reps} interleaved repetitions, wrk -t1 -d${cfg.duration}s keep-alive; values are median [min–max] over repetitions; ratios are medians over medians.`,
    `Elapsed ${res.meta.elapsedS?.toFixed(0) ?? '?'} s. Machine busy before start: ${Object.entries(res.meta.backgroundBusy).map(([k, v]) => `${k} ${v.toFixed(0)}%`).join(', ')}.`,
    '',
  );
  if (res.meta.meshguardFlags) L.push(`meshguard sidecars started with the launcher's node flags: \`${res.meta.meshguardFlags.join(' ') || '(none)'}\` (not \`mg-hs-plain\`).`, '');
  if (res.meta.workarounds?.length) L.push('Workarounds in force:', '', ...res.meta.workarounds.map((w) => `- ${w}`), '');
  const unavailable = res.topologies.filter((t) => !t.available);
  if (unavailable.length) {
    L.push('## Not available', '');
    for (const t of unavailable) L.push(`- **${t.label}** (\`${t.name}\`): ${t.reason}`);
    L.push('');
  }

  L.push('## Keep-alive HTTP/1.1 through the sidecar pair', '');
  L.push('| topology | c | req/s median [min–max] | spread | p50 | p99 median [min–max] | req/s × nginx | p99 × nginx | req/s × direct | sidecar CPU/req (out+in) | RSS out / in | foreign (max) |');
  L.push('|---|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const s of load) {
    const ng = find('nginx', s.conns);
    const di = find('direct', s.conns);
    L.push(
      `| ${LABELS[s.topo] ?? s.topo} | ${s.conns} | ${fmtK(s.rps.median)} [${fmtK(s.rps.min)}–${fmtK(s.rps.max)}] | ${pctSpread(s.rps)} | ${fmtT(s.p50.median)} | ${fmtT(s.p99.median)} [${fmtT(s.p99.min)}–${fmtT(s.p99.max)}] | ` +
        `${ng ? fmtR(s.rps.median / ng.rps.median) : '-'} | ${ng ? fmtR(s.p99.median / ng.p99.median) : '-'} | ${di ? fmtR(s.rps.median / di.rps.median) : '-'} | ` +
        `${Number.isFinite(s.cpuPerReq.median) ? `${s.cpuPerReq.median.toFixed(1)} µs` : '-'} | ${Number.isFinite(s.rssIn.median) ? `${s.rssOut.median.toFixed(0)} / ${s.rssIn.median.toFixed(0)} MB` : '-'} | ` +
        `${s.foreign.median.toFixed(0)}% (${s.foreign.max.toFixed(0)}%)${s.errors ? ` **${s.errors} errors**` : ''}${s.n < s.runs ? ` (${s.runs - s.n} of ${s.runs} runs failed)` : ''} |`,
    );
  }
  L.push('', 'Sidecar CPU/req: utime+stime of outbound + inbound (all threads, /proc) over the requests wrk completed. RSS: after each run (median). foreign: busy CPU on the machine not used by this bench, % of one core, median (max) over repetitions.', '');
  const mirrored = load.filter((s) => s.audit);
  if (mirrored.length) {
    L.push('Audit mirror, all runs (from the sidecars\' admin counters; a run that dropped a record counts as failed):', '');
    for (const s of mirrored) {
      const a = s.audit!;
      L.push(`- ${LABELS[s.topo] ?? s.topo}, c=${s.conns}: ${a.written} records written, ${a.dropped} dropped, ${a.spooled} spooled; at most ${a.queuedAfterMax} still queued when a run ended`);
    }
    L.push('');
  }

  L.push('## Where the CPU went (median, % of one core)', '');
  L.push(`| topology | c | CPU${cfg.sutCpu} (SUT) busy | outbound | inbound | upstream app | other pairs (idle) | CPU${cfg.loadCpu} busy | wrk | foreign |`);
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const p = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : `${x.toFixed(0)}%`);
  for (const s of load) L.push(`| ${s.topo} | ${s.conns} | ${p(s.sutBusy)} | ${p(s.cpu['outbound'])} | ${p(s.cpu['inbound'])} | ${p(s.cpu['upstream'])} | ${p(s.cpu['idlePairs'])} | ${p(s.loadBusy)} | ${p(s.cpu['wrk'])} | ${p(s.foreign.median)} |`);
  L.push('');

  if (hs.length || res.meta.handshakeClient) {
    L.push('## New mTLS connections on the inbound listener', '');
    L.push(`Client: ${res.meta.handshakeClient ?? '-'}. full: every connection a full TLS 1.3 handshake with client certificate; resumed: the client offers the session ticket from its previous connection.`, '');
    if (hs.length) {
      L.push('| inbound | mode | handshakes/s median [min–max] | resumed | inbound CPU / handshake | per inbound core-s | × nginx (per core-s) | inbound CPU | client CPU | foreign (max) |');
      L.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|');
      for (const s of hs) {
        const ng = hs.find((x) => x.topo === 'nginx' && x.mode === s.mode);
        L.push(
          `| ${s.topo} | ${s.mode} | ${fmtK(s.rate.median)} [${fmtK(s.rate.min)}–${fmtK(s.rate.max)}] | ${(100 * s.resumedFrac).toFixed(0)}% | ${fmtT(s.cpuPer.median)} | ${fmtK(s.perCore.median)} | ${ng ? fmtR(s.perCore.median / ng.perCore.median) : '-'} | ` +
            `${p(s.inboundCpu)} | ${p(s.clientCpu)} | ${s.foreign.median.toFixed(0)}% (${s.foreign.max.toFixed(0)}%)${s.failed ? ` **${s.failed} failed: ${s.error ?? ''}**` : ''} |`,
        );
      }
      L.push('');
    }
  }

  // Goals from issue 7, reported against, whichever way they fall.
  const goals: string[] = [];
  const ratio = (topo: string, c: number, key: 'rps' | 'p99') => {
    const a = find(topo, c);
    const b = find('nginx', c);
    return a && b ? a[key].median / b[key].median : NaN;
  };
  const verdict = (x: number, ok: boolean) => (Number.isFinite(x) ? (ok ? 'met' : '**not met**') : 'not measured');
  const r1 = ratio('mg-mtls', 50, 'rps');
  goals.push(`- mTLS only ≥ 0.7× nginx req/s at c=50: ${fmtR(r1)}× — ${verdict(r1, r1 >= 0.7)}`);
  const r2 = ratio('mg-mtls', 50, 'p99');
  goals.push(`- mTLS only p99 ≤ 1.5× nginx at c=50: ${fmtR(r2)}× — ${verdict(r2, r2 <= 1.5)}`);
  for (const c of cfg.conns) {
    const r3 = ratio('mg-full', c, 'rps');
    goals.push(`- full pipeline (RBAC 1,000 lines + CRS PL1 + 100% mirror to file) ≥ 0.5× nginx req/s at c=${c}: ${fmtR(r3)}× — ${verdict(r3, r3 >= 0.5)}`);
  }
  const hm = hs.find((x) => x.topo === 'mg-hs' && x.mode === 'full') ?? hs.find((x) => x.topo === 'mg-mtls' && x.mode === 'full');
  const hn = hs.find((x) => x.topo === 'nginx' && x.mode === 'full');
  const r4 = hm && hn ? hm.perCore.median / hn.perCore.median : NaN;
  goals.push(`- full handshakes per inbound core-second ≥ 0.7× nginx: ${fmtR(r4)}× — ${verdict(r4, r4 >= 0.7)}`);
  for (const t of ['mg-waf', 'mg-full']) {
    const s = find(t, 200);
    const rss = s ? Math.max(s.rssIn.max, s.rssOut.max) : NaN;
    goals.push(`- RSS per sidecar with CRS loaded ≤ 150 MB at c=200 (${t}, largest of out/in, worst repetition; peak VmHWM ${s ? s.hwmIn.max.toFixed(0) : '-'} MB): ${Number.isFinite(rss) ? `${rss.toFixed(0)} MB` : '-'} — ${verdict(rss, rss <= 150)}`);
  }
  L.push('## Goals (issue 7)', '', ...goals, '');

  const mirrorTopos = ['mg-mtls', 'mg-mirror10', 'mg-mirror100', 'mg-nats100'].filter((t) => load.some((s) => s.topo === t));
  if (mirrorTopos.some((t) => t !== 'mg-mtls')) {
    L.push('## Audit mirror cost (issue 6): mTLS + mirror, no RBAC/WAF', '');
    L.push('| configuration | c | req/s median [min–max] | × mirror off | p99 median | p99 × mirror off | sidecar CPU/req |');
    L.push('|---|---:|---|---:|---:|---:|---:|');
    for (const c of cfg.conns) {
      const off = find('mg-mtls', c);
      for (const t of mirrorTopos) {
        const s = find(t, c);
        if (!s) continue;
        L.push(`| ${t === 'mg-mtls' ? 'mirror off' : LABELS[t] ?? t} | ${c} | ${fmtK(s.rps.median)} [${fmtK(s.rps.min)}–${fmtK(s.rps.max)}] | ${off ? fmtR(s.rps.median / off.rps.median) : '-'} | ${fmtT(s.p99.median)} | ${off ? fmtR(s.p99.median / off.p99.median) : '-'} | ${s.cpuPerReq.median.toFixed(1)} µs |`);
      }
    }
    L.push('');
  }
  if (res.audit.length) {
    L.push('What the mirror sinks received over the whole bench (then deleted):', '');
    for (const a of res.audit) L.push(`- ${a.topo} → ${a.sink}: ${(a.bytes / 1e6).toFixed(1)} MB${a.messages !== undefined ? `, ${a.messages} messages` : ''}`);
    L.push('');
  }

  const foreignAll = spread([...res.load.map((r) => r.foreignPct), ...res.handshakes.map((r) => r.foreignPct)]);
  const disturbed = [...res.load, ...res.handshakes].filter((r) => r.foreignPct > ((res.meta.config as { foreignMax: number }).foreignMax ?? 25)).length;
  L.push(
    '## Noise',
    '',
    `Foreign CPU (other tenants) during measured runs: median ${foreignAll.median.toFixed(0)}%, max ${foreignAll.max.toFixed(0)}% of one core; ${disturbed} of ${res.load.length + res.handshakes.length} kept runs above the retry threshold. ` +
      'Runs above the threshold were retried once when the time budget allowed; the least disturbed attempt is kept.',
    '',
  );

  const md = L.join('\n');
  const bars: Bar[] = [];
  for (const t of cfg.topos) {
    if (t === 'nginx' || t === 'direct') continue;
    for (const c of cfg.conns) {
      const v = ratio(t, c, 'rps');
      if (Number.isFinite(v)) bars.push({ group: LABELS[t] ?? t, series: `c=${c}`, value: v });
    }
  }
  writeFileSync(path.join(outDir, 'results.json'), JSON.stringify({ ...res, summary: { load, handshakes: hs } }, null, 1));
  writeFileSync(path.join(outDir, 'summary.md'), md);
  writeFileSync(
    path.join(outDir, 'ratios.svg'),
    ratiosSvg(bars, {
      title: 'Requests per second through the sidecar pair, × nginx (one core, keep-alive)',
      note: `${res.meta.started.slice(0, 10)} · ${res.meta.ncpu}-vCPU shared VM · medians of ${cfg.reps} reps · wrk -d${cfg.duration}s`,
      goals: [
        { value: 0.7, label: 'goal mTLS 0.7×' },
        { value: 0.5, label: 'goal full 0.5×' },
      ],
    }),
  );
  return md;
}
