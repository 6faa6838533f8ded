// Survey script (not a test): how often the detectors fire on the values rules 942100 and 941100
// inspect, across the whole CRS regression corpus, grouped by what each test is about.
//   node dist-detect/test/unit/waf-detect/survey.js [--show sqli|xss] [--group G]
import { detectSQLi } from '../../../src/waf/detect/sqli.js';
import { detectXSS } from '../../../src/waf/detect/xss.js';
import { loadCorpus, requestVars, ruleTargets, SQLI_TRANSFORMS, XSS_TRANSFORMS } from './crs-harness.js';

function group(ids: number[]): string {
  if (ids.some((i) => i >= 942000 && i < 943000)) return 'sqli-attack';
  if (ids.some((i) => i >= 941000 && i < 942000)) return 'xss-attack';
  if (ids.length > 0) return 'other-attack';
  return 'benign';
}

const show = process.argv.indexOf('--show') !== -1 ? process.argv[process.argv.indexOf('--show') + 1] : undefined;
const showGroup = process.argv.indexOf('--group') !== -1 ? process.argv[process.argv.indexOf('--group') + 1] : undefined;
const stats = new Map<string, { n: number; sqli: number; xss: number }>();
for (const line of loadCorpus()) {
  if (line.raw !== null) continue;
  const g = group(line.expect_ids);
  const st = stats.get(g) ?? { n: 0, sqli: 0, xss: 0 };
  stats.set(g, st);
  st.n++;
  const vars = requestVars(line);
  let sq = '';
  for (const [name, v] of ruleTargets(942100, vars)) {
    const t = SQLI_TRANSFORMS(v);
    const r = detectSQLi(t);
    if (r.match) {
      sq = `${name} ${r.fingerprint} ${JSON.stringify(t.slice(0, 120))}`;
      break;
    }
  }
  let xs = '';
  for (const [name, v] of ruleTargets(941100, vars)) {
    const t = XSS_TRANSFORMS(v);
    if (detectXSS(t)) {
      xs = `${name} ${JSON.stringify(t.slice(0, 120))}`;
      break;
    }
  }
  if (sq) st.sqli++;
  if (xs) st.xss++;
  if (showGroup === undefined || showGroup === g) {
    if (show === 'sqli' && sq) console.log(line.uid, sq);
    if (show === 'xss' && xs) console.log(line.uid, xs);
    if (show === 'sqli-miss' && !sq) console.log(line.uid, JSON.stringify(ruleTargets(942100, vars).map(([n, v]) => `${n}=${SQLI_TRANSFORMS(v)}`).join(' | ').slice(0, 300)));
    if (show === 'xss-miss' && !xs) console.log(line.uid, JSON.stringify(ruleTargets(941100, vars).map(([n, v]) => `${n}=${XSS_TRANSFORMS(v)}`).join(' | ').slice(0, 300)));
  }
}
for (const [g, st] of [...stats].sort()) {
  console.log(`${g.padEnd(14)} tests=${st.n} sqli-fires=${st.sqli} (${((100 * st.sqli) / st.n).toFixed(1)}%) xss-fires=${st.xss} (${((100 * st.xss) / st.n).toFixed(1)}%)`);
}
