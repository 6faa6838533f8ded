import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import RE2 from 're2';
import { UserInputError, UserInputErrors } from '../errors.js';
import { repoRoot, sharedDir } from '../paths.js';
import { WafEngine } from '../waf/engine.js';
import { loadCorpus } from '../waf/corpus/corpus.js';
import { runCorpus, type CorpusSummary } from '../waf/corpus/runner.js';
import { runCorpusVia, type ViaTls } from '../waf/corpus/via.js';
import { loadExcused } from '../waf/corpus/excused.js';
import { CRS_TEST_SETUP } from '../waf/corpus/test-setup.js';
import { missingDetectors } from '../waf/operators/load-detector.js';
import { printError, printJson, printLine } from './output.js';

/** Exit codes: 0 every test passed (or is excused); 1 a test failed; 3 bad input (corpus, rules, usage). */
const EXIT = { ok: 0, failed: 1, input: 3 } as const;

interface TestOpts {
  corpus: string;
  crs?: string;
  rules?: string[];
  json?: boolean;
  include?: string;
  excused?: string;
  via?: string;
  cert?: string;
  key?: string;
  ca?: string;
  verbose?: boolean;
}

export function registerWaf(program: Command): void {
  const waf = program.command('waf').description('the RE2 SecLang WAF: replay CRS regression corpora, check rule files');
  waf
    .command('test')
    .description('replay a go-ftw corpus (JSON lines, see CORPUS.md) through the engine with CRS test settings')
    .requiredOption('--corpus <file>', 'corpus JSON lines (e.g. ../shared/waf-corpus/crs-regression.jsonl)')
    .option('--crs <dir>', 'CRS checkout (root or rules/)', path.join(sharedDir, 'crs'))
    .option('--rules <files...>', 'more SecLang files loaded after CRS')
    .option('--include <regex>', 'only tests whose id matches (RE2)')
    .option('--excused <file>', 'excused tests, each with a reason', path.join(repoRoot, 'test', 'conformance', 'crs-excused.json'))
    .option('--via <url>', 'send the wire corpus through a running meshguard instead (checks block/pass by status)')
    .option('--cert <pem>', 'with --via https://: client certificate (mTLS to the inbound listener)')
    .option('--key <pem>', 'with --via https://: client key')
    .option('--ca <pem>', 'with --via https://: CA bundle the listener\'s certificate must chain to')
    .option('-v, --verbose', 'print passing tests too')
    .option('--json', 'machine-readable output')
    .action(async (o: TestOpts) => {
      process.exitCode = await wafTest(o);
    });
  waf
    .command('lint')
    .description('load SecLang rule files (and optionally CRS) and report the first error with file:line')
    .argument('<files...>', 'rule files')
    .option('--crs <dir>', 'load this CRS checkout first')
    .option('--json', 'machine-readable output')
    .action((files: string[], o: { crs?: string; json?: boolean }) => {
      try {
        const src: Parameters<typeof WafEngine.load>[0] = { files: files.map((f) => path.resolve(f)) };
        if (o.crs) src.crsDir = o.crs;
        const e = WafEngine.load(src);
        if (o.json) printJson({ ok: true, rules: e.ruleCount, files: e.files });
        else printLine(`ok: ${e.ruleCount} rules from ${e.files.length} files`);
        process.exitCode = EXIT.ok;
      } catch (err) {
        process.exitCode = inputError(err, o.json);
      }
    });
}

async function wafTest(o: TestOpts): Promise<number> {
  let summary: CorpusSummary;
  try {
    let tests = loadCorpus(o.corpus);
    if (o.include) {
      const re = new RE2(o.include);
      tests = tests.filter((t) => re.test(t.id));
    }
    const excused = loadExcused(path.resolve(o.excused ?? ''));
    if (o.via) {
      const read = (f: string | undefined) => (f ? readPem(f) : undefined);
      const tlsOpts: ViaTls = {};
      const cert = read(o.cert), key = read(o.key), ca = read(o.ca);
      if (cert) tlsOpts.cert = cert;
      if (key) tlsOpts.key = key;
      if (ca) tlsOpts.ca = ca;
      summary = await runCorpusVia(o.via, tests, excused, tlsOpts);
    } else {
      const src: Parameters<typeof WafEngine.load>[0] = { preamble: { name: 'crs-test-setup', text: CRS_TEST_SETUP } };
      if (o.crs) src.crsDir = o.crs;
      if (o.rules) src.files = o.rules.map((f) => path.resolve(f));
      const engine = WafEngine.load(src);
      summary = runCorpus(engine, tests, excused);
    }
  } catch (err) {
    return inputError(err, o.json);
  }
  const failed = summary.results.filter((r) => !r.pass && r.excused === undefined);
  if (o.json) {
    printJson({
      ok: failed.length === 0,
      total: summary.total, passed: summary.passed, failed: summary.failed, excused: summary.excused,
      passRate: summary.passRate, passRateExcused: summary.passRateExcused, millis: Math.round(summary.millis),
      missingDetectors,
      tests: summary.results.map((r) => ({ id: r.id, pass: r.pass, reason: r.reason || undefined, excused: r.excused, ids: r.stages.flatMap((s) => s.ids) })),
    });
  } else {
    for (const r of summary.results) {
      if (r.pass) { if (o.verbose) printLine(`PASS ${r.id}`); continue; }
      printLine(`${r.excused !== undefined ? 'EXCUSED' : 'FAIL'} ${r.id}: ${r.reason}${r.excused ? ` (excused: ${r.excused})` : ''}`);
    }
    if (missingDetectors.length) printError(`warning: detectors missing from this build: ${missingDetectors.join(', ')}`);
    printLine(`${summary.passed}/${summary.total} passed (${(summary.passRate * 100).toFixed(2)}%), ${summary.failed} failed, ${summary.excused} excused, ${(summary.millis / 1000).toFixed(1)} s`);
  }
  return failed.length === 0 ? EXIT.ok : EXIT.failed;
}

function readPem(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserInputError({ file }, `cannot read: ${(err as Error).message}`);
  }
}

function inputError(err: unknown, json: boolean | undefined): number {
  if (!(err instanceof UserInputError) && !(err instanceof UserInputErrors)) throw err;
  if (json) printJson({ ok: false, error: err.message });
  else printError(err.message);
  return EXIT.input;
}
