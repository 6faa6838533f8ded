// Survey script (not a test): false-positive rate of the detectors on text that is not an attack.
// Every distinct non-empty line of the files under a directory is one value.
//   node dist-detect/test/unit/waf-detect/prose-survey.js [--dir DIR] [--all] [--show]
// Default: the Markdown files under node_modules (READMEs, changelogs: English, names with
// apostrophes, URLs, JSON, code). `--all` reads every file (gzip ones decompressed), e.g.
// `--dir /usr/share/doc --all`. "Prose" lines have no markup, braces, backticks or SQL keywords.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { repoRoot } from '../../../src/paths.js';
import { detectSQLi } from '../../../src/waf/detect/sqli.js';
import { detectXSS } from '../../../src/waf/detect/xss.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

const dir = arg('--dir') ?? path.join(repoRoot, 'node_modules');
const all = process.argv.includes('--all');
const show = process.argv.includes('--show');

function walk(d: string, out: string[]): void {
  for (const name of readdirSync(d)) {
    const p = path.join(d, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) walk(p, out);
    else if (all || name.toLowerCase().endsWith('.md')) out.push(p);
  }
}

function read(f: string): string {
  try {
    const buf = readFileSync(f);
    return (f.endsWith('.gz') ? gunzipSync(buf) : buf).toString('latin1');
  } catch {
    return '';
  }
}

const files: string[] = [];
walk(dir, files);
const seen = new Set<string>();
const n = { lines: 0, sqli: 0, xss: 0, prose: 0, proseSqli: 0, proseXss: 0, noMarkup: 0, noMarkupXss: 0 };
const fingerprints = new Map<string, number>();
for (const f of files) {
  for (const raw of read(f).split('\n')) {
    const line = raw.trim();
    if (line === '' || seen.has(line)) continue;
    seen.add(line);
    n.lines++;
    const s = detectSQLi(line);
    const x = detectXSS(line);
    const hasMarkup = line.includes('<');
    const isProse = !/[`<>{}]/.test(line) && !/\b(select|union|insert|delete|drop|update|where|from)\b/i.test(line);
    if (s.match) {
      n.sqli++;
      fingerprints.set(s.fingerprint, (fingerprints.get(s.fingerprint) ?? 0) + 1);
    }
    if (x) n.xss++;
    if (!hasMarkup) {
      n.noMarkup++;
      if (x) n.noMarkupXss++;
    }
    if (isProse) {
      n.prose++;
      if (s.match) n.proseSqli++;
      if (x) n.proseXss++;
      if (show && s.match) console.log('sqli', s.fingerprint, JSON.stringify(line.slice(0, 160)));
      if (show && x) console.log('xss', JSON.stringify(line.slice(0, 160)));
    }
  }
}
const pct = (a: number, b: number): string => `${((100 * a) / Math.max(b, 1)).toFixed(3)}%`;
console.log(`dir=${dir} files=${files.length} distinct lines=${n.lines}`);
console.log(`  all lines:      sqli=${n.sqli} (${pct(n.sqli, n.lines)}) xss=${n.xss} (${pct(n.xss, n.lines)})`);
console.log(`  lines without '<': ${n.noMarkup}, xss=${n.noMarkupXss} (${pct(n.noMarkupXss, n.noMarkup)})`);
console.log(`  prose lines:    ${n.prose}, sqli=${n.proseSqli} (${pct(n.proseSqli, n.prose)}) xss=${n.proseXss} (${pct(n.proseXss, n.prose)})`);
console.log(`  top sqli fingerprints: ${[...fingerprints].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k}:${v}`).join(' ')}`);
