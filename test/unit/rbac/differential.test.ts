import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEnforcer } from 'casbin';
import { loadEvaluator } from '../../../src/rbac/load.js';
import { prng } from '../../helpers/prng.js';

/**
 * Differential equivalence: random models within the compiled family, random policies and random
 * requests; every answer of the compiled evaluator must equal casbin's own `enforce` on the same files.
 * Reproduce a failure with MESHGUARD_RBAC_SEED=<seed printed in the failure>.
 */


const MODELS = 270;
const REQUESTS_PER_MODEL = 400;

const SUBJECTS = ['orders', 'payments', 'support', 'stranger', 'audit'].map((s) => `spiffe://example.org/ns/shop/sa/${s}`);
const ROLES = Array.from({ length: 14 }, (_, i) => `role-${i}`);
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const SEGS = ['a', 'b', 'pay', '42', '7', 'file.json', 'fileXjson', 'x-y', 'admin', 'v1'];
const OBJ_FUNCS = ['keyMatch', 'keyMatch2', 'keyMatch3', 'keyMatch4', 'keyMatch5', 'regexMatch', 'globMatch', 'eq'] as const;
type ObjFunc = (typeof OBJ_FUNCS)[number];

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

function randomPath(rnd: () => number): string {
  const n = Math.floor(rnd() * 4);
  let p = '';
  for (let i = 0; i < n; i++) p += '/' + pick(rnd, SEGS);
  if (p === '' || rnd() < 0.1) p += '/';
  return p;
}

function randomPattern(rnd: () => number, fn: ObjFunc): string {
  const n = 1 + Math.floor(rnd() * 3);
  let p = '';
  for (let i = 0; i < n; i++) {
    const x = rnd();
    if (fn === 'keyMatch2' && x < 0.3) p += '/:id' + (rnd() < 0.3 ? i : '');
    else if ((fn === 'keyMatch3' || fn === 'keyMatch5') && x < 0.3) p += `/{p${i}}`;
    else if (fn === 'keyMatch4' && x < 0.35) p += `/{id${rnd() < 0.5 ? '' : i}}`;
    else if (fn === 'globMatch' && x < 0.4) p += '/' + pick(rnd, ['*', 'file.*', '*.json', 'p?y', '?', '.*']);
    else p += '/' + pick(rnd, SEGS);
  }
  const tail = rnd();
  if (fn === 'keyMatch' && tail < 0.4) p = p.slice(0, Math.max(1, Math.floor(rnd() * p.length))) + '*';
  else if (fn !== 'keyMatch' && fn !== 'regexMatch' && fn !== 'eq' && tail < 0.3) p += '/*';
  if (fn === 'globMatch' && rnd() < 0.1) p = '*' + p;
  if (fn === 'keyMatch2' && rnd() < 0.03) p = '*';
  if (fn === 'regexMatch') {
    const choices = [`^${p}$`, p, `^${p}/[0-9]+$`, `^/(a|b)/.*`, `pay`, `^/v1/[a-z]+(/.*)?$`, `json$`, `file.json`];
    p = pick(rnd, choices);
  }
  return p;
}

function buildCase(rnd: () => number): { model: string; policy: string; requests: string[][] } {
  const useRoles = rnd() < 0.8;
  const withEft = rnd() < 0.8;
  const effect = withEft
    ? pick(rnd, ['some(where (p.eft == allow))', '!some(where (p.eft == deny))', 'some(where (p.eft == allow)) && !some(where (p.eft == deny))'])
    : 'some(where (p.eft == allow))';
  const objFn = pick(rnd, OBJ_FUNCS);
  const subTerm = useRoles ? 'g(r.sub, p.sub)' : pick(rnd, ['r.sub == p.sub', 'p.sub == r.sub']);
  const objTerm = objFn === 'eq' ? 'r.obj == p.obj' : `${objFn}(r.obj, p.obj)`;
  const actTerm = pick(rnd, ['r.act == p.act', '(r.act == p.act || p.act == "*")', '(p.act == "*" || p.act == r.act)', 'keyMatch(r.act, p.act)']);
  const terms = [subTerm, objTerm, actTerm];
  if (rnd() < 0.2) terms.push(pick(rnd, [`r.sub != "${SUBJECTS[3]}"`, '!(p.obj == "/admin")', `(r.obj == "/a" || ${objTerm})`, '!keyMatch(r.obj, "/admin*")']));
  // Shuffle the conjuncts: the index must not depend on their order.
  for (let i = terms.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [terms[i], terms[j]] = [terms[j]!, terms[i]!];
  }
  const model = [
    '[request_definition]',
    'r = sub, obj, act',
    '[policy_definition]',
    withEft ? 'p = sub, obj, act, eft' : 'p = sub, obj, act',
    ...(useRoles ? ['[role_definition]', 'g = _, _'] : []),
    '[policy_effect]',
    `e = ${effect}`,
    '[matchers]',
    `m = ${terms.join(' && ')}`,
    '',
  ].join('\n');

  const lines: string[] = [];
  if (useRoles) {
    // A random DAG: edges only from lower to higher role numbers, chains at most 10 links long.
    for (const s of SUBJECTS) {
      const k = Math.floor(rnd() * 3);
      for (let i = 0; i < k; i++) lines.push(`g, ${s}, ${pick(rnd, ROLES)}`);
    }
    for (let i = 0; i < ROLES.length - 1; i++) {
      if (rnd() < 0.6) {
        const j = i + 1 + Math.floor(rnd() * Math.min(3, ROLES.length - 1 - i));
        if (j - i <= 1 || rnd() < 0.5) lines.push(`g, ${ROLES[i]}, ${ROLES[Math.min(j, ROLES.length - 1)]}`);
      }
    }
  }
  const nRules = Math.floor(rnd() * 40);
  for (let i = 0; i < nRules; i++) {
    const sub = useRoles && rnd() < 0.6 ? pick(rnd, ROLES) : pick(rnd, SUBJECTS);
    const obj = randomPattern(rnd, objFn);
    const act = rnd() < 0.2 ? '*' : pick(rnd, METHODS);
    const eft = withEft ? (rnd() < 0.75 ? ', allow' : ', deny') : '';
    lines.push(`p, ${sub}, ${obj}, ${act}${eft}`);
  }
  // Shuffle: rule order must not matter except where casbin says so.
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  }
  const requests: string[][] = [];
  const ruleObjs = lines.filter((l) => l.startsWith('p,')).map((l) => l.split(', ')[2]!);
  for (let i = 0; i < REQUESTS_PER_MODEL; i++) {
    let obj = randomPath(rnd);
    // Aim some requests at the rules' own patterns, made concrete.
    if (ruleObjs.length > 0 && rnd() < 0.5) {
      obj = pick(rnd, ruleObjs)
        .replace(/\{[^}/]*\}|:[a-z0-9]+/g, () => pick(rnd, ['42', '7', 'a']))
        .replace(/\*$/, rnd() < 0.5 ? '' : pick(rnd, ['x', 'a/b', '']))
        .replace(/[\^$()|+]/g, '')
        .replace('[0-9]', '5')
        .replace('.*', '/a')
        .replace('[a-z]', 'q');
      if (!obj.startsWith('/')) obj = '/' + obj;
    }
    requests.push([pick(rnd, [...SUBJECTS, 'spiffe://example.org/ns/other/sa/x']), obj, rnd() < 0.05 ? '*' : pick(rnd, METHODS)]);
  }
  return { model, policy: lines.join('\n') + '\n', requests };
}

test('compiled evaluator gives casbin\'s exact answers on random models, policies and requests', async () => {
  const seed = process.env['MESHGUARD_RBAC_SEED'] ? Number(process.env['MESHGUARD_RBAC_SEED']) : (Math.random() * 2 ** 31) >>> 0;
  const rnd = prng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'mg-rbac-diff-'));
  let total = 0;
  let allowed = 0;
  const kinds = new Set<string>();
  try {
    for (let m = 0; m < MODELS; m++) {
      const c = buildCase(rnd);
      const modelFile = join(dir, `m${m}.conf`);
      const policyFile = join(dir, `p${m}.csv`);
      writeFileSync(modelFile, c.model);
      writeFileSync(policyFile, c.policy);
      const { evaluator } = await loadEvaluator({ model: modelFile, policy: policyFile });
      kinds.add(evaluator.kind);
      const casbin = await newEnforcer(modelFile, policyFile);
      for (const r of c.requests) {
        const want = casbin.enforceSync(...r);
        const got = evaluator.decide(r).allow;
        total++;
        if (want) allowed++;
        if (got !== want) {
          assert.fail(`mismatch (seed ${seed}, model #${m}) for request ${JSON.stringify(r)}: casbin ${want}, compiled ${got}\n--- model\n${c.model}--- policy\n${c.policy}`);
        }
        // The explain path (a full scan) must agree with the indexed path.
        if (total % 7 === 0) assert.equal(evaluator.explain(r).allow, got, `explain disagrees (seed ${seed}, model #${m}, ${JSON.stringify(r)})`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(total >= 100_000, `ran ${total} requests`);
  assert.deepEqual([...kinds], ['compiled'], `seed ${seed}: every random model must be in the compiled family`);
  // The suite only proves something if both answers are common.
  assert.ok(allowed > total * 0.05 && allowed < total * 0.95, `seed ${seed}: ${allowed}/${total} allowed`);
});
