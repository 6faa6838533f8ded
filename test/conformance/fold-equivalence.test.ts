import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { sharedDir } from '../../src/paths.js';
import { WafEngine } from '../../src/waf/engine.js';
import { loadCorpus, type CorpusTest } from '../../src/waf/corpus/corpus.js';
import { testRequest } from '../../src/waf/corpus/request.js';
import { CRS_TEST_SETUP } from '../../src/waf/corpus/test-setup.js';
import { deploymentPreamble } from '../../src/waf/load.js';

const corpusFile = path.join(sharedDir, 'waf-corpus', 'crs-regression.jsonl');
const crsDir = path.join(sharedDir, 'crs');

/**
 * Everything a transaction leaves that a rule, the log or the caller can see: the log lines (ids,
 * messages, matched values), the interruption (or would-be one), and the final TX collection.
 * `exclude` removes rules up front, as a per-route exclusion does (the prefix is then not used).
 */
function observe(engine: WafEngine, t: CorpusTest, exclude?: number): string {
  const req = testRequest(t);
  if (req.reject) return 'rejected';
  const tx = engine.newTransaction('fixed-id');
  if (exclude !== undefined) tx.removeRulesById([[exclude, exclude]]);
  tx.setConnection('127.0.0.1', 40000, '127.0.0.1', 80);
  tx.setRequest({ method: req.method, uri: req.uri, protocol: req.protocol }, req.headers);
  const it = tx.phaseRequestHeaders() ?? tx.phaseRequestBody(req.body);
  if (!it) {
    tx.setResponse(200, 'HTTP/1.1', [['Content-Type', 'text/plain']]);
    if (!tx.phaseResponseHeaders()) tx.phaseResponseBody('ok');
  }
  tx.phaseLogging();
  return JSON.stringify({
    log: tx.matches.map((m) => m.line),
    interruption: tx.interruption ?? null,
    would: tx.wouldInterrupt ?? null,
    tx: tx.collection('TX').entries(),
    matchedVar: tx.matchedVar ?? null,
  });
}

function compare(setup: string, sample: (i: number) => boolean, exclude?: (i: number) => number | undefined): { diffs: string[]; folded: number; compared: number } {
  const fast = WafEngine.load({ crsDir, preamble: { name: 'setup', text: setup } });
  const plain = WafEngine.load({ crsDir, preamble: { name: 'setup', text: setup }, settings: { fold: false } });
  const tests = loadCorpus(corpusFile).filter((_, i) => sample(i));
  const diffs: string[] = [];
  tests.forEach((t, i) => {
    const ex = exclude?.(i);
    const a = observe(fast, t, ex);
    const b = observe(plain, t, ex);
    if (a !== b) diffs.push(`${t.uid}${ex !== undefined ? ` (without ${ex})` : ''}:\n  folded ${a.slice(0, 400)}\n  plain  ${b.slice(0, 400)}`);
  });
  return { diffs, folded: fast.ruleSet.rules.filter((r) => r.folded).length, compared: tests.length };
}

/**
 * The constant phase-1 prefix and the folded TX-only rules (src/waf/fold.ts) may only skip work:
 * every log line, verdict and final TX value must equal a plain evaluation of every rule.
 */
test('fold equivalence: CRS at paranoia 1 (deployment setup) gives the same log, verdict and TX with and without folding', { skip: !existsSync(corpusFile) && 'no ../shared corpus' }, () => {
  const setup = deploymentPreamble({ mode: 'block', crs: crsDir, paranoia: 1 });
  const r = compare(setup, (i) => i % 3 === 0, (i) => (i % 7 === 0 ? 920350 : undefined));
  assert.ok(r.folded > 50, `rules folded: ${r.folded}`);
  assert.ok(r.compared > 1500);
  assert.deepEqual(r.diffs.slice(0, 10), []);
});

test('fold equivalence: CRS test setup (paranoia 4, DetectionOnly) gives the same log, verdict and TX with and without folding', { skip: !existsSync(corpusFile) && 'no ../shared corpus' }, () => {
  const r = compare(CRS_TEST_SETUP, (i) => i % 3 === 1, (i) => (i % 11 === 0 ? 901500 : undefined));
  assert.ok(r.folded > 50, `rules folded: ${r.folded}`);
  assert.deepEqual(r.diffs.slice(0, 10), []);
});

test('fold: a rule removed up front makes the transaction run phase 1 from its start', () => {
  const setup = [
    'SecDefaultAction "phase:1,log,pass"',
    'SecAction "id:1,phase:1,pass,nolog,setvar:tx.level=2"',
    'SecRule REQUEST_URI "@contains y" "id:3,phase:1,pass,log"',
    'SecRule TX:LEVEL "@lt 3" "id:2,phase:1,pass,nolog,skipAfter:END"',
    'SecRule REQUEST_URI "@contains x" "id:5,phase:1,pass,log"',
    'SecMarker END',
    'SecRule TX:LEVEL "@eq 2" "id:4,phase:1,pass,log"',
  ].join('\n');
  const engine = WafEngine.load({ preamble: { name: 'setup', text: setup } });
  const run = (exclude?: number): number[] => {
    const tx = engine.newTransaction('t');
    if (exclude !== undefined) tx.removeRulesById([[exclude, exclude]]);
    tx.setRequest({ method: 'GET', uri: '/x', protocol: 'HTTP/1.1' }, [['Host', 'a']]);
    tx.phaseRequestHeaders();
    return tx.matches.map((m) => m.id);
  };
  assert.deepEqual(run(), [4]);
  assert.ok(engine.ruleSet.rules.find((r) => r.id === 2)?.folded, 'rule 2 reads only TX that the prefix (rule 1) set: folded');
  // without rule 1, TX:LEVEL has no value: rule 2 has nothing to compare and does not skip
  assert.deepEqual(run(1), [5]);
  // without rule 2, nothing skips
  assert.deepEqual(run(2), [5, 4]);
});
