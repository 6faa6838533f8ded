import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectSQLi } from '../../../src/waf/detect/sqli.js';
import { detectXSS } from '../../../src/waf/detect/xss.js';
import { detectorCases, evaluate, loadCorpus } from './crs-harness.js';

const detectors = { sqli: (s: string) => detectSQLi(s).match, xss: detectXSS };
const cases = detectorCases(loadCorpus());

test('the corpus has the CRS tests of the detector rules', () => {
  const rules = new Set(cases.map((c) => c.rule));
  assert.deepEqual([...rules].sort(), [941100, 941101, 942100, 942101]);
  assert.ok(cases.length >= 30, `only ${cases.length} cases`);
});

for (const c of cases) {
  test(`CRS ${c.line.uid} rule ${c.rule} ${c.expected ? 'fires' : 'stays quiet'}`, () => {
    const r = evaluate(c.line, c.rule, detectors);
    assert.equal(r.fired, c.expected, r.detail);
  });
}

test('summary: detection and false-positive counts on the CRS detector tests', (t) => {
  const results = cases.map((c) => ({ c, fired: evaluate(c.line, c.rule, detectors).fired }));
  const pos = results.filter((r) => r.c.expected);
  const neg = results.filter((r) => !r.c.expected);
  const caught = pos.filter((r) => r.fired).length;
  const wrong = neg.filter((r) => r.fired).length;
  t.diagnostic(`positives caught ${caught}/${pos.length}, negatives flagged ${wrong}/${neg.length}`);
  assert.equal(caught, pos.length);
  assert.equal(wrong, 0);
});
