import { readFileSync } from 'node:fs';
import { parseDocument, LineCounter, isMap, isSeq, type YAMLMap, type Node as YamlNode } from 'yaml';
import { UserInputError } from '../errors.js';
import { normalizePath } from '../proxy/normalize.js';
import type { Evaluator } from './evaluator.js';
import type { PolicyRule } from './source.js';

export interface PolicyTestCase {
  name: string;
  sub: string;
  method: string;
  path: string;
  expect: 'allow' | 'deny';
  /** `file:line` (or its tail, e.g. `policy.csv:13`) of the deciding rule; `none` for no rule. */
  rule?: string;
  line: number;
}

export interface CaseResult {
  case: PolicyTestCase;
  pass: boolean;
  decision: 'allow' | 'deny';
  rule: string | null;
  message?: string;
}

export interface TestRun {
  file: string;
  results: CaseResult[];
  passed: number;
  failed: number;
  coverage: { covered: number; total: number; percent: number; uncovered: Array<{ origin: string; text: string }> };
}

/** Reads `cases:` (or a top-level list) of `{sub, method, path, expect, rule?, name?}`. */
export function readTestCases(file: string, display = file): PolicyTestCase[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserInputError({ file: display }, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new UserInputError({ file: display, line: lc.linePos(e.pos[0]).line }, e.message);
  }
  let list: YamlNode | null = doc.contents as YamlNode | null;
  if (list && isMap(list)) list = (list.get('cases', true) as YamlNode | undefined) ?? null;
  if (!list || !isSeq(list)) throw new UserInputError({ file: display }, 'expected a list of cases (or "cases:" with a list)');
  const out: PolicyTestCase[] = [];
  list.items.forEach((item, i) => {
    const line = item && (item as YamlNode).range ? lc.linePos((item as YamlNode).range![0]).line : 0;
    if (!item || !isMap(item)) throw new UserInputError({ file: display, line }, `case ${i + 1} is not a mapping`);
    const m = item as YAMLMap;
    const get = (k: string): string | undefined => {
      const v = m.get(k);
      return v === undefined || v === null ? undefined : String(v);
    };
    for (const k of ['sub', 'method', 'path', 'expect']) if (get(k) === undefined) throw new UserInputError({ file: display, line }, `case ${i + 1}: missing "${k}"`);
    const expect = get('expect');
    if (expect !== 'allow' && expect !== 'deny') throw new UserInputError({ file: display, line }, `case ${i + 1}: expect must be allow or deny`);
    const rule = get('rule');
    out.push({ name: get('name') ?? `${get('method')} ${get('path')} as ${get('sub')}`, sub: get('sub')!, method: get('method')!.toUpperCase(), path: get('path')!, expect, ...(rule ? { rule } : {}), line });
  });
  return out;
}

/** A case's `rule` names the deciding rule when equal to its origin or to a `/`-bounded tail of it. */
export function ruleMatches(expected: string, actual: string | null): boolean {
  if (expected === 'none' || expected === 'null') return actual === null;
  if (actual === null) return false;
  return actual === expected || actual.endsWith('/' + expected);
}

/** Runs cases through the evaluator on the normalized path (exactly as the proxy would) and measures rule coverage. */
export function runPolicyTests(ev: Evaluator, cases: PolicyTestCase[], file: string): TestRun {
  const rules = ev.source.rules.get('p') ?? [];
  const exercised = new Set<PolicyRule>();
  const results: CaseResult[] = cases.map((c) => {
    const norm = normalizePath(c.path);
    if (!norm.ok) {
      // The proxy answers 400 before any policy runs: never an allow.
      const pass = c.expect === 'deny';
      return { case: c, pass, decision: 'deny', rule: null, message: `path refused by normalization (${norm.reason})` };
    }
    const x = ev.explain([c.sub, norm.path, c.method]);
    for (const r of x.matched) exercised.add(r);
    const decision = x.allow ? 'allow' : 'deny';
    const rule = x.rule ? x.rule.origin : null;
    const problems: string[] = [];
    if (decision !== c.expect) problems.push(`expected ${c.expect}, got ${decision} (${rule ?? 'no rule matched'})`);
    if (c.rule !== undefined && !ruleMatches(c.rule, rule)) problems.push(`expected deciding rule ${c.rule}, got ${rule ?? 'none'}`);
    return { case: c, pass: problems.length === 0, decision, rule, ...(problems.length ? { message: problems.join('; ') } : {}) };
  });
  const uncovered = rules.filter((r) => !exercised.has(r)).map((r) => ({ origin: r.origin, text: r.values.join(', ') }));
  const total = rules.length;
  const covered = total - uncovered.length;
  const passed = results.filter((r) => r.pass).length;
  return {
    file,
    results,
    passed,
    failed: results.length - passed,
    coverage: { covered, total, percent: total === 0 ? 100 : Math.round((covered / total) * 1000) / 10, uncovered },
  };
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JUnit XML as CI systems read it: one testsuite, one testcase per case, a failure element when it failed. */
export function junitXml(run: TestRun): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${run.results.length}" failures="${run.failed}">`,
    `  <testsuite name="meshguard policy test" file="${xml(run.file)}" tests="${run.results.length}" failures="${run.failed}">`,
  ];
  for (const r of run.results) {
    const name = xml(r.case.name);
    const cls = xml(`${run.file}:${r.case.line}`);
    if (r.pass) lines.push(`    <testcase name="${name}" classname="${cls}"/>`);
    else lines.push(`    <testcase name="${name}" classname="${cls}"><failure message="${xml(r.message ?? 'failed')}">${xml(`${r.case.method} ${r.case.path} as ${r.case.sub}: ${r.message ?? ''}`)}</failure></testcase>`);
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
