/**
 * RBAC decision latency: the compiled evaluator and node-casbin side by side, on the same model,
 * policy and requests, at 100, 1,000 and 10,000 policy lines with 1,000 roles.
 *
 *   node dist/bench/rbac-decisions.js [--json] [--sizes 100,1000,10000]
 *
 * Each decision is timed on its own (process.hrtime.bigint around one call; the timer's own cost,
 * measured first, is subtracted). Requests are a fixed, seeded mix of allowed and denied calls.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEnforcer } from 'casbin';
import { loadEvaluator } from '../src/rbac/load.js';
import { repoRoot } from '../src/paths.js';
import { prng } from '../test/helpers/prng.js';

const ROLES = 1000;
const WORKLOADS = 2000;
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];


function workload(i: number): string {
  return `spiffe://example.org/ns/ns${i % 50}/sa/svc${i}`;
}

interface Generated {
  text: string;
  rules: Array<{ role: number; obj: string; act: string }>;
  /** role -> workloads granted it directly */
  holders: Map<number, number[]>;
}

function buildPolicy(lines: number, rnd: () => number): Generated {
  const out: string[] = [];
  const rules: Generated['rules'] = [];
  const holders = new Map<number, number[]>();
  // Roles form shallow trees: role i may inherit role i/10 (depth at most 3).
  for (let r = 10; r < ROLES; r++) if (rnd() < 0.5) out.push(`g, role${r}, role${Math.floor(r / 10)}`);
  for (let w = 0; w < WORKLOADS; w++) {
    const k = 1 + Math.floor(rnd() * 3);
    for (let j = 0; j < k; j++) {
      const r = Math.floor(rnd() * ROLES);
      out.push(`g, ${workload(w)}, role${r}`);
      const h = holders.get(r) ?? [];
      h.push(w);
      holders.set(r, h);
    }
  }
  for (let i = 0; i < lines; i++) {
    const roleN = Math.floor(rnd() * ROLES);
    const role = `role${roleN}`;
    const svc = `svc${Math.floor(rnd() * 200)}`;
    const shape = rnd();
    const obj = shape < 0.4 ? `/${svc}/items/:id` : shape < 0.7 ? `/${svc}/*` : shape < 0.9 ? `/${svc}/items/:id/refund` : `/${svc}/health`;
    const act = rnd() < 0.15 ? '*' : METHODS[Math.floor(rnd() * METHODS.length)]!;
    const eft = rnd() < 0.1 ? 'deny' : 'allow';
    out.push(`p, ${role}, ${obj}, ${act}, ${eft}`);
    rules.push({ role: roleN, obj, act });
  }
  return { text: out.join('\n') + '\n', rules, holders };
}

/** Half the requests aim at a rule through a workload that holds its role; half are random. */
function requests(n: number, rnd: () => number, g: Generated): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < n; i++) {
    if (rnd() < 0.5 && g.rules.length > 0) {
      const rule = g.rules[Math.floor(rnd() * g.rules.length)]!;
      const h = g.holders.get(rule.role);
      if (h && h.length > 0) {
        const path = rule.obj.replace(':id', String(Math.floor(rnd() * 1000))).replace('*', 'x');
        out.push([workload(h[Math.floor(rnd() * h.length)]!), path, rule.act === '*' ? METHODS[Math.floor(rnd() * METHODS.length)]! : rule.act]);
        continue;
      }
    }
    const svc = `svc${Math.floor(rnd() * 200)}`;
    const shape = rnd();
    const path = shape < 0.4 ? `/${svc}/items/${Math.floor(rnd() * 1000)}` : shape < 0.6 ? `/${svc}/items/7/refund` : shape < 0.8 ? `/${svc}/health` : `/${svc}/other/x`;
    out.push([workload(Math.floor(rnd() * WORKLOADS)), path, METHODS[Math.floor(rnd() * METHODS.length)]!]);
  }
  return out;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function timerCost(): number {
  const n = 100_000;
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = process.hrtime.bigint();
    t[i] = Number(process.hrtime.bigint() - a);
  }
  t.sort();
  return percentile(t, 0.5);
}

function measure(n: number, reqs: string[][], fn: (r: string[]) => boolean, overheadNs: number): { medianUs: number; p99Us: number; allowed: number; n: number } {
  const t = new Float64Array(n);
  let allowed = 0;
  for (let i = 0; i < n; i++) {
    const r = reqs[i % reqs.length]!;
    const a = process.hrtime.bigint();
    const ok = fn(r);
    t[i] = Math.max(0, Number(process.hrtime.bigint() - a) - overheadNs);
    if (ok) allowed++;
  }
  t.sort();
  return { medianUs: percentile(t, 0.5) / 1000, p99Us: percentile(t, 0.99) / 1000, allowed, n };
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const sizesArg = process.argv.indexOf('--sizes');
  const sizes = sizesArg > 0 ? process.argv[sizesArg + 1]!.split(',').map(Number) : [100, 1000, 10000];
  const dir = mkdtempSync(join(tmpdir(), 'mg-rbac-bench-'));
  const model = join(repoRoot, 'policies/rbac/model.conf');
  const overhead = timerCost();
  const results: unknown[] = [];
  try {
    for (const size of sizes) {
      const rnd = prng(size);
      const policyFile = join(dir, `policy-${size}.csv`);
      const generated = buildPolicy(size, rnd);
      writeFileSync(policyFile, generated.text);
      const reqs = requests(20_000, rnd, generated);
      const { evaluator } = await loadEvaluator({ model, policy: policyFile });
      const casbin = await newEnforcer(model, policyFile);
      // Same answers, or the comparison means nothing.
      let mismatches = 0;
      const check = Math.min(reqs.length, size >= 10000 ? 300 : 3000);
      for (let i = 0; i < check; i++) if (evaluator.decide(reqs[i]!).allow !== casbin.enforceSync(...reqs[i]!)) mismatches++;
      // First request of each caller on a fresh evaluator: it builds that caller's view of the index.
      const fresh = (await loadEvaluator({ model, policy: policyFile })).evaluator;
      const firstSeen = new Set<string>();
      const firstReqs = reqs.filter((r) => (firstSeen.has(r[0]!) ? false : (firstSeen.add(r[0]!), true)));
      const cold = measure(firstReqs.length, firstReqs, (r) => fresh.decide(r).allow, overhead);
      for (let i = 0; i < 50_000; i++) evaluator.decide(reqs[i % reqs.length]!); // warm-up
      const compiled = measure(200_000, reqs, (r) => evaluator.decide(r).allow, overhead);
      const casbinN = size >= 10000 ? 300 : size >= 1000 ? 3000 : 20_000;
      const nodeCasbin = measure(casbinN, reqs, (r) => casbin.enforceSync(...r), overhead);
      const row = { policyLines: size, roles: ROLES, workloads: WORKLOADS, evaluator: evaluator.kind, mismatches, checked: check, compiled, firstPerCaller: cold, casbin: nodeCasbin, speedup: Math.round(nodeCasbin.medianUs / Math.max(compiled.medianUs, 0.001)) };
      results.push(row);
      if (!json) {
        console.log(
          `${String(size).padStart(6)} lines: compiled median ${compiled.medianUs.toFixed(2)} µs, p99 ${compiled.p99Us.toFixed(2)} µs (${compiled.n} decisions, ${Math.round((100 * compiled.allowed) / compiled.n)}% allowed) | ` +
            `first request per caller median ${cold.medianUs.toFixed(2)} µs, p99 ${cold.p99Us.toFixed(2)} µs (${cold.n}) | ` +
            `node-casbin median ${nodeCasbin.medianUs.toFixed(1)} µs, p99 ${nodeCasbin.p99Us.toFixed(1)} µs (${nodeCasbin.n} decisions) | ${row.speedup}x | ${mismatches}/${check} mismatches`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (json) console.log(JSON.stringify({ bench: 'rbac-decisions', node: process.version, timerOverheadNs: overhead, results }, null, 2));
  else console.log(`(timer overhead ${overhead} ns subtracted; node ${process.version})`);
}

await main();
