/**
 * Top self-time functions of V8 CPU profiles (`node --cpu-prof`), for the bench's profile run:
 *
 *   CPU_PROF=1 TOPOS=mg-mtls HS_TOPOS= npm run bench
 *   node dist/bench/profile-top.js bench/results/<ts>/profiles/*.cpuprofile [--top 10]
 *
 * Self time of a node = its sample count × the mean sample interval; functions are merged by name
 * and location across the call tree. Also prints the share by category (GC, idle, program, ours vs
 * node internals vs node_modules) so the hot path can be cut where the time really goes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function category(url: string, name: string): string {
  if (name === '(garbage collector)') return 'gc';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'program (native, outside JS)';
  if (url.startsWith('node:')) return 'node internals';
  if (url.includes('/node_modules/')) return 'node_modules';
  if (url.includes('/dist') && url.includes('/src/')) return 'meshguard';
  return url ? 'other JS' : 'native';
}

function shortUrl(url: string): string {
  if (!url) return '';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + 14);
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return url.replace('file://', '');
}

export function topSelf(file: string, top: number): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const counts = new Map<number, number>();
  for (const s of p.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  const totalUs = p.endTime - p.startTime;
  const perSample = totalUs / Math.max(1, p.samples.length);
  const fn = new Map<string, { name: string; where: string; us: number; cat: string }>();
  const cats = new Map<string, number>();
  for (const [id, n] of counts) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const cat = category(url, name);
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${name}\u0000${where}`;
    const e = fn.get(key) ?? { name, where, us: 0, cat };
    e.us += n * perSample;
    fn.set(key, e);
    cats.set(cat, (cats.get(cat) ?? 0) + n * perSample);
  }
  const idle = cats.get('idle') ?? 0;
  const busy = totalUs - idle;
  const lines: string[] = [];
  lines.push(`### ${path.basename(file)}: ${(totalUs / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (not idle)`, '');
  lines.push('| # | function | where | self ms | % of busy |', '|---:|---|---|---:|---:|');
  const ranked = [...fn.values()].filter((e) => e.cat !== 'idle').sort((a, b) => b.us - a.us).slice(0, top);
  ranked.forEach((e, i) => lines.push(`| ${i + 1} | \`${e.name}\` | ${e.where || '-'} | ${(e.us / 1000).toFixed(0)} | ${((100 * e.us) / busy).toFixed(1)}% |`));
  lines.push('', '| category | self ms | % of busy |', '|---|---:|---:|');
  for (const [c, us] of [...cats.entries()].filter(([c]) => c !== 'idle').sort((a, b) => b[1] - a[1])) lines.push(`| ${c} | ${(us / 1000).toFixed(0)} | ${((100 * us) / busy).toFixed(1)}% |`);
  return lines.join('\n') + '\n';
}

function main(): void {
  const args = process.argv.slice(2);
  const ti = args.indexOf('--top');
  const top = ti >= 0 ? Number(args[ti + 1]) : 10;
  const files = args.filter((a, i) => a !== '--top' && (ti < 0 || i !== ti + 1));
  if (!files.length) {
    process.stderr.write('usage: node dist/bench/profile-top.js FILE.cpuprofile... [--top N]\n');
    process.exitCode = 2;
    return;
  }
  for (const f of files) process.stdout.write(topSelf(f, top) + '\n');
}

main();
