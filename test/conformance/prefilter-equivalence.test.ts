import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { sharedDir } from '../../src/paths.js';
import { WafEngine } from '../../src/waf/engine.js';
import { loadCorpus, type CorpusTest } from '../../src/waf/corpus/corpus.js';
import { testRequest } from '../../src/waf/corpus/request.js';
import { runStage } from '../../src/waf/corpus/runner.js';
import { CRS_TEST_SETUP } from '../../src/waf/corpus/test-setup.js';

const corpusFile = path.join(sharedDir, 'waf-corpus', 'crs-regression.jsonl');

function logLines(engine: WafEngine, t: CorpusTest): string {
  const req = testRequest(t);
  if (req.reject) return '';
  const tx = engine.newTransaction('fixed-id');
  tx.setConnection('127.0.0.1', 40000, '127.0.0.1', 80);
  tx.setRequest({ method: req.method, uri: req.uri, protocol: req.protocol }, req.headers);
  if (!tx.phaseRequestHeaders()) tx.phaseRequestBody(req.body);
  tx.phaseLogging();
  return JSON.stringify([tx.matches.map((m) => m.line), tx.interruption ?? null, tx.collection('TX').entries()]);
}

/**
 * The RE2.Set prefilter may only skip work, never change an answer: with CRS at paranoia 1 (the
 * deployment default, where whole groups are skipped) the rules that fire must be the same with
 * and without it, on every fourth corpus request.
 */
test('prefilter equivalence: CRS PL1 fires the same rules with and without the RE2.Set prefilter', { skip: !existsSync(corpusFile) && 'no ../shared corpus' }, () => {
  const setup = CRS_TEST_SETUP.replace('blocking_paranoia_level=4', 'blocking_paranoia_level=1');
  assert.notEqual(setup, CRS_TEST_SETUP);
  const crsDir = path.join(sharedDir, 'crs');
  const fast = WafEngine.load({ crsDir, preamble: { name: 'setup', text: setup } });
  const plain = WafEngine.load({ crsDir, preamble: { name: 'setup', text: setup }, settings: { prefilter: false } });
  assert.ok(fast.ruleSet.rules.some((r) => r.prefilter), 'the prefilter is built');
  assert.ok(!plain.ruleSet.rules.some((r) => r.prefilter), 'and off in the reference engine, with the value-level shortcuts');
  const tests = loadCorpus(corpusFile).filter((_, i) => i % 4 === 0);
  const diffs: string[] = [];
  let fired = 0;
  for (const t of tests) {
    const a = runStage(fast, t).ids.sort((x, y) => x - y);
    const b = runStage(plain, t).ids.sort((x, y) => x - y);
    fired += b.length;
    if (a.join(',') !== b.join(',')) diffs.push(`${t.uid}: with ${a.join(',')} / without ${b.join(',')}`);
    // the log lines too: the value a rule matched, its captures (TX.0...) and messages
    const la = logLines(fast, t), lb = logLines(plain, t);
    if (la !== lb) diffs.push(`${t.uid}: log differs\n  with    ${la.slice(0, 600)}\n  without ${lb.slice(0, 600)}`);
  }
  assert.ok(fired > tests.length, 'the sample makes rules fire');
  assert.deepEqual(diffs.slice(0, 20), []);
});
