/**
 * CPU and memory accounting from /proc: per-process utime+stime (all threads), per-core busy time,
 * and the RSS of a process. "Foreign" CPU is the machine's busy time minus everything the bench
 * itself ran, i.e. what the other tenants of this shared machine used during a run.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** USER_HZ; 100 on every Linux x86_64 kernel we run on (getconf CLK_TCK). */
const CLK_TCK = 100;

function statFields(pid: number): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime + stime in seconds, every thread of the process. */
export function processCpuS(pid: number): number {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / CLK_TCK : 0;
}

/** The process and all its descendants (nginx master + worker, for instance). */
export function processTree(root: number): number[] {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    const pid = Number(d);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const f = statFields(pid);
    if (!f) continue;
    const ppid = Number(f[1]);
    const list = kids.get(ppid);
    if (list) list.push(pid);
    else kids.set(ppid, [pid]);
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const k of kids.get(out[i]!) ?? []) out.push(k);
  return out;
}

export interface MemKb {
  rssKb: number;
  /** Peak RSS since the process started (VmHWM). */
  hwmKb: number;
}

/** Summed over a process tree (nginx: master + worker). */
export function memory(pids: number[]): MemKb {
  let rssKb = 0;
  let hwmKb = 0;
  for (const pid of pids) {
    try {
      const s = readFileSync(`/proc/${pid}/status`, 'utf8');
      for (const line of s.split('\n')) {
        if (line.startsWith('VmRSS:')) rssKb += Number(line.slice(6).trim().split(/\s+/)[0]);
        else if (line.startsWith('VmHWM:')) hwmKb += Number(line.slice(6).trim().split(/\s+/)[0]);
      }
    } catch {
      /* gone */
    }
  }
  return { rssKb, hwmKb };
}

interface CoreTicks {
  total: number;
  idle: number;
  softirq: number;
  steal: number;
}

function coreTicks(): Map<string, CoreTicks> {
  const out = new Map<string, CoreTicks>();
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    if (!/^cpu\d+ /.test(line)) continue;
    const [name, ...rest] = line.trim().split(/\s+/);
    const v = rest.map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    out.set(name!, { total, idle: v[3]! + v[4]!, softirq: v[5]! + v[6]!, steal: v[7]! });
  }
  return out;
}

export interface Sample {
  t: bigint;
  roles: Record<string, number>;
  cores: Map<string, CoreTicks>;
  selfS: number;
}

/** roles: name -> PIDs whose CPU is summed under that name. */
export function sample(roles: Record<string, number[]>): Sample {
  const r: Record<string, number> = {};
  for (const [name, pids] of Object.entries(roles)) r[name] = pids.reduce((a, pid) => a + processCpuS(pid), 0);
  const self = process.cpuUsage();
  return { t: process.hrtime.bigint(), roles: r, cores: coreTicks(), selfS: (self.user + self.system) / 1e6 };
}

export interface Usage {
  wallS: number;
  /** CPU seconds per role over the interval. */
  cpuS: Record<string, number>;
  /** % of one core, per role. */
  pct: Record<string, number>;
  /** Busy % per core. */
  cores: Record<string, number>;
  /** Soft+hard irq % summed over cores (tick accounting also charges it to the interrupted process). */
  irqPct: number;
  stealPct: number;
  /** The bench orchestrator's own CPU, % of one core. */
  selfPct: number;
  /** Busy % summed over all cores. */
  busyPct: number;
}

export function usage(a: Sample, b: Sample): Usage {
  const wallS = Number(b.t - a.t) / 1e9;
  const cpuS: Record<string, number> = {};
  const pct: Record<string, number> = {};
  for (const k of Object.keys(a.roles)) {
    cpuS[k] = (b.roles[k] ?? 0) - a.roles[k]!;
    pct[k] = (100 * cpuS[k]!) / wallS;
  }
  const cores: Record<string, number> = {};
  let irqPct = 0;
  let stealPct = 0;
  let busyPct = 0;
  for (const [name, x] of a.cores) {
    const y = b.cores.get(name);
    if (!y) continue;
    const dt = y.total - x.total;
    if (dt <= 0) {
      cores[name] = 0;
      continue;
    }
    cores[name] = 100 * (1 - (y.idle - x.idle) / dt);
    busyPct += cores[name]!;
    irqPct += (100 * (y.softirq - x.softirq)) / dt;
    stealPct += (100 * (y.steal - x.steal)) / dt;
  }
  return { wallS, cpuS, pct, cores, irqPct, stealPct, selfPct: (100 * (b.selfS - a.selfS)) / wallS, busyPct };
}
