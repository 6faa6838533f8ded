// Survey script (not a test): false-positive rate of the detectors on prose — every non-empty line
// of the Markdown files under node_modules (READMEs, changelogs), which mixes English, names with
// apostrophes, URLs, JSON and code. Lines that mention SQL or HTML on purpose are counted apart.
//   node dist-detect/test/unit/waf-detect/prose-survey.js [--show]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../../src/paths.js';
import { detectSQLi } from '../../../src/waf/detect/sqli.js';
import { detectXSS } from '../../../src/waf/detect/xss.js';

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) walk(p, out);
    else if (name.toLowerCase().endsWith('.md')) out.push(p);
  }
}

const show = process.argv.includes('--show');
const files: string[] = [];
walk(path.join(repoRoot, 'node_modules'), files);
let lines = 0;
let sqli = 0;
let xss = 0;
let prose = 0;
let proseSqli = 0;
let proseXss = 0;
const seen = new Set<string>();
for (const f of files) {
  for (const raw of readFileSync(f, 'latin1').split('\n')) {
    const line = raw.trim();
    if (line === '' || seen.has(line)) continue;
    seen.add(line);
    lines++;
    // "Prose": no code fence markers, no backticks, no angle brackets, no SQL keywords.
    const isProse = !/[`<>{}]/.test(line) && !/\b(select|union|insert|delete|drop|update|where|from)\b/i.test(line);
    const s = detectSQLi(line);
    const x = detectXSS(line);
    if (s.match) sqli++;
    if (x) xss++;
    if (isProse) {
      prose++;
      if (s.match) {
        proseSqli++;
        if (show) console.log('sqli', s.fingerprint, JSON.stringify(line.slice(0, 160)));
      }
      if (x) {
        proseXss++;
        if (show) console.log('xss', JSON.stringify(line.slice(0, 160)));
      }
    }
  }
}
const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(3)}%`;
console.log(`files=${files.length} distinct lines=${lines}: sqli=${sqli} (${pct(sqli, lines)}) xss=${xss} (${pct(xss, lines)})`);
console.log(`prose lines=${prose}: sqli=${proseSqli} (${pct(proseSqli, prose)}) xss=${proseXss} (${pct(proseXss, prose)})`);
