import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spread, writeReport, type BenchResults, type LoadRow, type HsRow } from '../../../bench/report.js';

test('spread: median of odd and even counts, NaN ignored', () => {
  assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3 });
  assert.deepEqual(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, n: 4 });
  assert.deepEqual(spread([NaN, 5]), { median: 5, min: 5, max: 5, n: 1 });
  assert.equal(spread([]).n, 0);
});

function row(topo: string, conns: number, rep: number, rps: number, p99Us: number, extra: Partial<LoadRow> = {}): LoadRow {
  return {
    rep, topo, conns, attempt: 0, ok: true, rps, requests: rps * 3, p50Us: p99Us / 2, p90Us: p99Us, p99Us, p999Us: p99Us, maxUs: p99Us, errors: 0,
    sidecarCpuUsPerReq: topo === 'direct' ? null : 1e6 / rps, cpuPct: { outbound: 40, inbound: 40, upstream: 10, wrk: 20, bench: 1 },
    cores: { cpu0: 30, cpu1: 100 }, irqPct: 0, stealPct: 0, foreignPct: 3,
    memory: topo === 'direct' ? {} : { outbound: { rssMb: 100, hwmMb: 110 }, inbound: { rssMb: topo === 'mg-full' ? 180 : 120, hwmMb: 190 } },
    gate: { waitedS: 0, busyPct: 0 }, ...extra,
  };
}

function hs(topo: string, mode: 'full' | 'resumed', perCoreS: number): HsRow {
  return {
    rep: 1, topo, mode, attempt: 0, ok: true, rate: perCoreS, handshakes: perCoreS * 2, resumed: mode === 'resumed' ? perCoreS * 2 : 0, failed: 0,
    inboundCpuPct: 100, clientCpuPct: 50, perCoreS, inboundCpuUsPer: 1e6 / perCoreS, cores: {}, foreignPct: 0, gate: { waitedS: 0, busyPct: 0 },
  };
}

function results(load: LoadRow[], handshakes: HsRow[]): BenchResults {
  return {
    meta: {
      started: '2026-11-25T00:00:00.000Z', partial: false, command: 'test', host: 'h', cpuModel: 'cpu', ncpu: 2, kernel: 'k', node: 'v20', opensslNode: '3',
      versions: {}, backgroundBusy: { cpu0: 1, cpu1: 2 },
      config: { sutCpu: '1', loadCpu: '0', conns: [50], topos: ['direct', 'nginx', 'mg-mtls', 'mg-full'], duration: 3, reps: 3, foreignMax: 25 },
    },
    topologies: [
      { name: 'direct', label: 'direct', available: true },
      { name: 'nginx', label: 'nginx pair', available: true },
      { name: 'mg-mtls', label: 'mg mtls', available: true },
      { name: 'mg-full', label: 'mg full', available: true },
      { name: 'mg-waf', label: 'mg waf', available: false, reason: 'filters not in the inbound chain: waf' },
    ],
    load, handshakes, audit: [],
  };
}

test('summary: medians over repetitions, ratios to nginx and direct, goals reported both ways, unavailable listed', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-report-'));
  try {
    const load = [
      row('direct', 50, 1, 100_000, 400), row('direct', 50, 2, 120_000, 500), row('direct', 50, 3, 110_000, 450),
      row('nginx', 50, 1, 20_000, 3000), row('nginx', 50, 2, 26_000, 2000), row('nginx', 50, 3, 25_000, 2500),
      row('mg-mtls', 50, 1, 20_000, 3000), row('mg-mtls', 50, 2, 18_000, 5000), row('mg-mtls', 50, 3, 30_000, 4000),
      row('mg-full', 50, 1, 10_000, 9000), row('mg-full', 50, 2, 12_000, 9000), row('mg-full', 50, 3, 11_000, 9000),
    ];
    const md = writeReport(dir, results(load, [hs('nginx', 'full', 2000), hs('mg-mtls', 'full', 1000)]));
    // nginx median 25k, mg-mtls median 20k => 0.80; p99 4000/2500 = 1.60; direct median 110k.
    const mtls = md.split('\n').find((l) => l.startsWith('| mg mtls | 50 |'))!;
    assert.match(mtls, /\| 20\.0k \[18\.0k–30\.0k\] \| 60% \|/);
    assert.match(mtls, /\| 0\.80 \| 1\.60 \| 0\.18 \|/);
    assert.match(md, /mTLS only ≥ 0\.7× nginx req\/s at c=50: 0\.80× — met/);
    assert.match(md, /mTLS only p99 ≤ 1\.5× nginx at c=50: 1\.60× — \*\*not met\*\*/);
    assert.match(md, /≥ 0\.5× nginx req\/s at c=50: 0\.44× — \*\*not met\*\*/);
    assert.match(md, /full handshakes per inbound core-second ≥ 0\.7× nginx: 0\.50× — \*\*not met\*\*/);
    assert.match(md, /mg waf\*\* \(`mg-waf`\): filters not in the inbound chain: waf/);
    const json = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as { load: unknown[] };
    assert.equal(json.load.length, 12);
    const svg = readFileSync(path.join(dir, 'ratios.svg'), 'utf8');
    assert.ok(svg.startsWith('<svg') && svg.trimEnd().endsWith('</svg>'));
    // One bar per non-reference topology and concurrency: mg-mtls and mg-full at c=50.
    assert.equal(svg.match(/<rect x="260"/g)?.length, 2);
    assert.match(svg, />0\.80</);
    assert.match(svg, />0\.44</);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('summary: a failed run is not counted in the medians and the goal says not measured without nginx', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-report-'));
  try {
    const load = [row('mg-mtls', 50, 1, 20_000, 3000), row('mg-mtls', 50, 2, 0, 0, { ok: false, error: 'outbound exited during the run' })];
    const md = writeReport(dir, results(load, []));
    assert.match(md, /\| mg mtls \| 50 \| 20\.0k \[20\.0k–20\.0k\]/);
    assert.match(md, /\(1 of 2 runs failed\)/);
    assert.match(md, /mTLS only ≥ 0\.7× nginx req\/s at c=50: -× — not measured/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('summary: the audit mirror\'s records are summed per topology, and a run that dropped records is failed', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-report-'));
  try {
    const load = [
      row('mg-full', 50, 1, 10_000, 9000, { audit: { written: 30_000, dropped: 0, spooled: 0, queuedAfter: 12 } }),
      row('mg-full', 50, 2, 9_000, 9000, { ok: false, error: 'the audit mirror dropped 500 records (0 spooled)', audit: { written: 26_500, dropped: 500, spooled: 0, queuedAfter: 10_000 } }),
      row('mg-mtls', 50, 1, 20_000, 3000),
    ];
    const md = writeReport(dir, results(load, []));
    assert.match(md, /- mg full, c=50: 56500 records written, 500 dropped, 0 spooled; at most 10000 still queued when a run ended/);
    assert.doesNotMatch(md, /- mg mtls, c=50/);
    assert.match(md, /\| mg full \| 50 \| 10\.0k \[10\.0k–10\.0k\].*\(1 of 2 runs failed\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
