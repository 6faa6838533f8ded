// Throughput script (not a test): MB/s and per-value cost of the detectors.
//   node dist-detect/test/unit/waf-detect/throughput.js
import { detectSQLi, detectSQLiUncached } from '../../../src/waf/detect/sqli.js';
import { detectXSS, detectXSSUncached } from '../../../src/waf/detect/xss.js';
import { BENIGN, SQLI_ATTACKS, XSS_ATTACKS } from './samples.js';

function measure(name: string, inputs: readonly string[], fn: (s: string) => unknown, minMs = 1500): void {
  const bytes = inputs.reduce((a, s) => a + s.length, 0);
  for (let i = 0; i < 3; i++) for (const s of inputs) fn(s); // warm up
  let rounds = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (const s of inputs) fn(s);
    rounds++;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  const mbps = (bytes * rounds) / 1e6 / (elapsed / 1000);
  const perCall = (elapsed * 1e6) / (rounds * inputs.length);
  console.log(`${name.padEnd(44)} ${mbps.toFixed(1).padStart(8)} MB/s ${perCall.toFixed(0).padStart(10)} ns/value (avg ${Math.round(bytes / inputs.length)} B)`);
}

// "repeated" goes through the memo (values seen before, as user agents and cookie names are);
// every other line measures the detector itself.
const sqli = (s: string): boolean => detectSQLiUncached(s).match;
const english = 'The quick brown fox jumps over the lazy dog. It\'s "fine" & <b>ok</b>; 10 - 2 = 8, O\'Brien said. ';
const bigText = english.repeat(Math.ceil((1 << 20) / english.length)).slice(0, 1 << 20);
let bin = '';
let x = 12345;
for (let i = 0; i < 1 << 20; i++) {
  x = (x * 1103515245 + 12345) & 0x7fffffff;
  bin += String.fromCharCode(x & 0xff);
}
const kb2 = JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => ({ id: i, name: `item ${i}`, note: "it's ok" })) });

measure('sqli: short values, repeated (memo)', BENIGN, (s) => detectSQLi(s).match);
measure('sqli: short benign values', BENIGN, sqli);
measure('sqli: short attack values', SQLI_ATTACKS, sqli);
measure('sqli: 2 KB JSON document', [kb2], sqli);
measure('sqli: 1 MB English text with quotes', [bigText], sqli, 2000);
measure('sqli: 1 MB random bytes', [bin], sqli, 2000);
measure('xss: short values, repeated (memo)', BENIGN, detectXSS);
measure('xss: short benign values', BENIGN, detectXSSUncached);
measure('xss: short attack values', XSS_ATTACKS, detectXSSUncached);
measure('xss: 2 KB JSON document', [kb2], detectXSSUncached);
measure('xss: 1 MB English text with quotes and tags', [bigText], detectXSSUncached, 2000);
measure('xss: 1 MB random bytes', [bin], detectXSSUncached, 2000);
