import { execFileSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { UserInputError, UserInputErrors } from '../errors.js';
import { normalizePath } from '../proxy/normalize.js';
import { buildEvaluator, loadEvaluator, type BuiltEvaluator } from '../rbac/load.js';
import { lintPolicy } from '../rbac/lint.js';
import { junitXml, readTestCases, runPolicyTests } from '../rbac/policy-test.js';
import { diffMarkdown, diffPolicies, diffText } from '../rbac/diff.js';
import { loadPolicySource } from '../rbac/source.js';
import { printError, printJson, printLine } from './output.js';

/**
 * Exit codes (all subcommands): 0 success; 1 lint errors, failing tests, coverage under the minimum,
 * or (explain) a deny; 2 (diff) access widens; 3 the input could not be read (bad policy, missing file, usage).
 */
export const EXIT = { ok: 0, findings: 1, widened: 2, input: 3 } as const;

interface SourceOpts {
  model?: string;
  policy?: string;
  config?: string;
  json?: boolean;
}

interface Source {
  /** The config's trust domain, when read through --config. */
  trustDomain?: string;
  model: string;
  policy: string;
  /** As shown in file:line (the path as the user wrote it). */
  displayModel: string;
  displayPolicy: string;
}

async function resolveSource(o: SourceOpts): Promise<Source> {
  if (o.config) {
    if (o.model || o.policy) throw new UserInputError({ file: o.config }, '--config and --model/--policy are exclusive');
    const loaded = await loadConfig(o.config);
    const rbac = loaded.config.rbac;
    if (!rbac) throw new UserInputError({ file: o.config }, 'no rbac section');
    return { trustDomain: loaded.config.trustDomain, model: path.resolve(loaded.dir, rbac.model), policy: path.resolve(loaded.dir, rbac.policy), displayModel: rbac.model, displayPolicy: rbac.policy };
  }
  const model = o.model ?? 'policies/rbac/model.conf';
  const policy = o.policy ?? 'policies/rbac/policy.csv';
  return { model: path.resolve(model), policy: path.resolve(policy), displayModel: model, displayPolicy: policy };
}

function sourceOptions(cmd: Command): Command {
  return cmd
    .option('--model <file>', 'Casbin model (default policies/rbac/model.conf)')
    .option('--policy <file>', 'Casbin policy (default policies/rbac/policy.csv)')
    .option('-c, --config <file>', 'take rbac.model and rbac.policy from a meshguard.yaml')
    .option('--json', 'machine-readable output');
}

/** Prints an input error the way the command was asked to, and returns the input exit code. */
function inputError(err: unknown, json: boolean | undefined): number {
  if (!(err instanceof UserInputError) && !(err instanceof UserInputErrors)) throw err;
  if (json) printJson({ ok: false, error: err.message });
  else printError(err.message);
  return EXIT.input;
}

async function load(src: Source): Promise<BuiltEvaluator> {
  return loadEvaluator({ model: src.model, policy: src.policy, displayModel: src.displayModel, displayPolicy: src.displayPolicy });
}

async function cmdLint(o: SourceOpts): Promise<number> {
  let src: Source;
  try {
    src = await resolveSource(o);
  } catch (err) {
    return inputError(err, o.json);
  }
  const r = await lintPolicy({ model: src.model, policy: src.policy, displayModel: src.displayModel, displayPolicy: src.displayPolicy, ...(src.trustDomain ? { trustDomain: src.trustDomain } : {}) });
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  const warnings = r.findings.length - errors;
  if (o.json) printJson({ ...r, errors, warnings });
  else {
    for (const f of r.findings) printLine(`${f.file}${f.line ? `:${f.line}` : ''}: ${f.severity}: ${f.message} [${f.code}]`);
    printLine(`${r.ok ? 'ok' : 'FAILED'}: ${r.rules} rules, ${errors} error(s), ${warnings} warning(s)${r.policyVersion ? `, version ${r.policyVersion}` : ''}${r.evaluator ? `, ${r.evaluator} evaluator` : ''}`);
  }
  return r.ok ? EXIT.ok : EXIT.findings;
}

interface TestOpts extends SourceOpts {
  junit?: string;
  coverage?: boolean;
  minCoverage?: string;
}

async function cmdTest(file: string | undefined, o: TestOpts): Promise<number> {
  const min = o.minCoverage !== undefined ? Number(o.minCoverage) : undefined;
  if (min !== undefined && (!Number.isFinite(min) || min < 0 || min > 100)) return inputError(new UserInputError({ file: '--min-coverage' }, 'expected a percentage from 0 to 100'), o.json);
  let built: BuiltEvaluator;
  let cases;
  let testsFile: string;
  try {
    const src = await resolveSource(o);
    built = await load(src);
    testsFile = file ?? path.join(path.dirname(src.displayPolicy), 'tests.yaml');
    cases = readTestCases(file ?? path.join(path.dirname(src.policy), 'tests.yaml'), testsFile);
  } catch (err) {
    return inputError(err, o.json);
  }
  const run = runPolicyTests(built.evaluator, cases, testsFile);
  if (o.junit) writeFileSync(o.junit, junitXml(run));
  const coverageFail = min !== undefined && run.coverage.percent < min;
  if (o.json) {
    printJson({
      ok: run.failed === 0 && !coverageFail,
      file: testsFile,
      policyVersion: built.evaluator.version,
      passed: run.passed,
      failed: run.failed,
      cases: run.results.map((r) => ({ name: r.case.name, line: r.case.line, pass: r.pass, decision: r.decision, rule: r.rule, ...(r.message ? { message: r.message } : {}) })),
      ...(o.coverage || min !== undefined ? { coverage: { ...run.coverage, ...(min !== undefined ? { min } : {}) } } : {}),
    });
  } else {
    for (const r of run.results) printLine(`${r.pass ? 'pass' : 'FAIL'}  ${r.case.name}${r.pass ? '' : `\n      ${testsFile}:${r.case.line}: ${r.message}`}`);
    printLine(`${run.passed} passed, ${run.failed} failed (${cases.length} cases, policy ${built.evaluator.version})`);
    if (o.coverage || min !== undefined) {
      printLine(`rule coverage: ${run.coverage.covered}/${run.coverage.total} (${run.coverage.percent}%)${min !== undefined ? `, minimum ${min}%` : ''}`);
      for (const u of run.coverage.uncovered) printLine(`  not exercised: ${u.origin}  ${u.text}`);
      if (coverageFail) printLine(`FAILED: coverage ${run.coverage.percent}% is under ${min}%`);
    }
  }
  return run.failed > 0 || coverageFail ? EXIT.findings : EXIT.ok;
}

interface ExplainOpts extends SourceOpts {
  sub: string;
  method: string;
  path: string;
}

async function cmdExplain(o: ExplainOpts): Promise<number> {
  let built: BuiltEvaluator;
  try {
    built = await load(await resolveSource(o));
  } catch (err) {
    return inputError(err, o.json);
  }
  const method = o.method.toUpperCase();
  const norm = normalizePath(o.path);
  if (!norm.ok) {
    if (o.json) printJson({ decision: 'refused', reason: norm.reason, path: o.path });
    else printLine(`refused before any policy: ${norm.reason} (the proxy answers 400)`);
    return EXIT.findings;
  }
  const x = built.evaluator.explain([o.sub, norm.path, method]);
  const decision = x.allow ? 'allow' : 'deny';
  const rule = x.rule ? { origin: x.rule.origin, text: x.rule.values.join(', ') } : null;
  const chain = x.chain.map((g) => ({ origin: g.origin, child: g.child, parent: g.parent }));
  const others = x.matched.filter((r) => r !== x.rule).map((r) => ({ origin: r.origin, text: r.values.join(', ') }));
  if (o.json) {
    printJson({ decision, sub: o.sub, method, path: norm.path, ...(norm.path !== o.path ? { rawPath: o.path } : {}), rule, chain, otherMatches: others, policyVersion: built.evaluator.version, evaluator: built.evaluator.kind });
  } else {
    printLine(`${decision.toUpperCase()}  ${method} ${norm.path}${norm.path !== o.path ? ` (normalized from ${o.path})` : ''} as ${o.sub}`);
    printLine(rule ? `deciding rule: ${rule.origin}  ${rule.text}` : 'deciding rule: none (no rule matched: default deny)');
    if (chain.length > 0) {
      printLine('role chain:');
      printLine(`  ${o.sub}`);
      for (const g of chain) printLine(`  -> ${g.parent}  (${g.origin})`);
    }
    if (others.length > 0) {
      printLine('other matching rules:');
      for (const r of others) printLine(`  ${r.origin}  ${r.text}`);
    }
    printLine(`policy ${built.evaluator.version} (${built.evaluator.kind} evaluator)`);
  }
  return x.allow ? EXIT.ok : EXIT.findings;
}

interface DiffOpts extends SourceOpts {
  base: string;
  head?: string;
  format?: string;
}

function gitShow(rev: string, file: string): string {
  const abs = path.resolve(file);
  const top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: path.dirname(abs), encoding: 'utf8' }).trim();
  const rel = path.relative(top, abs).split(path.sep).join('/');
  try {
    return execFileSync('git', ['show', `${rev}:${rel}`], { cwd: top, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new UserInputError({ file: `${rev}:${rel}` }, `cannot read from git: ${stderr || (err as Error).message}`);
  }
}

async function cmdDiff(o: DiffOpts): Promise<number> {
  const format = o.json ? 'json' : (o.format ?? 'text');
  if (!['text', 'md', 'json'].includes(format)) return inputError(new UserInputError({ file: '--format' }, 'expected text, md or json'), o.json);
  let head: Source;
  let baseBuilt: BuiltEvaluator;
  let headBuilt: BuiltEvaluator;
  let baseLabel: string;
  try {
    if (o.head) {
      const m = path.join(o.head, 'model.conf');
      const p = path.join(o.head, 'policy.csv');
      head = { model: path.resolve(m), policy: path.resolve(p), displayModel: m, displayPolicy: p };
    } else head = await resolveSource(o);
    headBuilt = await load(head);
    if (existsSync(o.base) && statSync(o.base).isDirectory()) {
      const m = path.join(o.base, 'model.conf');
      const p = path.join(o.base, 'policy.csv');
      baseBuilt = await loadEvaluator({ model: m, policy: p });
      baseLabel = o.base;
    } else {
      const src = loadPolicySource({
        modelFile: head.model,
        policyFile: head.policy,
        modelText: gitShow(o.base, head.model),
        policyText: gitShow(o.base, head.policy),
        displayModel: `${o.base}:${head.displayModel}`,
        displayPolicy: `${o.base}:${head.displayPolicy}`,
      });
      baseBuilt = await buildEvaluator(src);
      baseLabel = o.base;
    }
  } catch (err) {
    return inputError(err, format === 'json');
  }
  const d = diffPolicies(baseBuilt.evaluator, headBuilt.evaluator, { base: baseLabel, head: o.head ?? path.dirname(head.displayPolicy) });
  if (format === 'json') printJson({ widens: d.widened.length > 0, ...d });
  else if (format === 'md') printLine(diffMarkdown(d));
  else printLine(diffText(d));
  return d.widened.length > 0 ? EXIT.widened : EXIT.ok;
}

function run<A extends unknown[]>(fn: (...a: A) => Promise<number>) {
  return async (...a: A): Promise<void> => {
    process.exitCode = await fn(...a);
  };
}

export function registerPolicy(program: Command): void {
  const policy = program
    .command('policy')
    .description('RBAC review tooling: lint, test, explain, diff (exit codes: 0 ok, 1 findings/failures/deny, 2 diff widens access, 3 unreadable input)');

  sourceOptions(policy.command('lint').description('check syntax, subjects, methods, unreachable, duplicated and shadowed rules (exit 1 on errors)')).action(run((o: SourceOpts) => cmdLint(o)));

  sourceOptions(
    policy
      .command('test')
      .description('run policy test cases {sub, method, path, expect: allow|deny, rule?} (default FILE: tests.yaml beside the policy)')
      .argument('[file]', 'tests YAML')
      .option('--junit <file>', 'also write JUnit XML')
      .option('--coverage', 'list rules no case exercised')
      .option('--min-coverage <percent>', 'fail when rule coverage is under this'),
  ).action(run((file: string | undefined, o: TestOpts) => cmdTest(file, o)));

  sourceOptions(
    policy
      .command('explain')
      .description('the decision for one request, the deciding rule (file:line), the role chain and the other matching rules (exit 0 allow, 1 deny)')
      .requiredOption('--sub <spiffe-id>', 'caller SPIFFE ID (or a role)')
      .requiredOption('--method <method>', 'HTTP method')
      .requiredOption('--path <path>', 'request path (normalized like the proxy does)'),
  ).action(run((o: ExplainOpts) => cmdExplain(o)));

  sourceOptions(
    policy
      .command('diff')
      .description('semantic difference in effective permissions between two policy versions (exit 2 when access widens)')
      .requiredOption('--base <git-rev|dir>', 'the version to compare against: a git revision, or a directory holding model.conf and policy.csv')
      .option('--head <dir>', 'a directory holding model.conf and policy.csv (default: --model/--policy, --config or policies/rbac/)')
      .option('--format <format>', 'text | md | json', 'text'),
  ).action(run((o: DiffOpts) => cmdDiff(o)));
}
