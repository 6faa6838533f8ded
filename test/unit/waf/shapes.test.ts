import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineFrom, run } from './helpers.js';
import { VARIABLES } from '../../../src/waf/variables.js';
import type { Rule } from '../../../src/waf/types.js';

// The rule walk reads the same fields of every rule, target and variable on every request. V8 keeps
// such a read cheap only while the objects share one layout (same fields, added in the same order):
// rules that gained a field later (a prefilter ref, a folded outcome) made every read polymorphic.
// Same own keys in the same order is what one layout needs; these tests catch a field added to some.

test('every rule and chain link has the same fields in the same order, whether grouped, folded or neither', () => {
  const e = engineFrom(`
SecAction "id:1,phase:1,pass,nolog,setvar:tx.level=1"
SecRule REQUEST_HEADERS:User-Agent "@rx (?i)sqlmap" "id:3,phase:1,deny,t:lowercase"
SecRule TX:level "@lt 2" "id:2,phase:1,pass,nolog,skipAfter:END"
SecRule ARGS "@pm union select" "id:4,phase:2,pass,chain"
  SecRule TX:level "@eq 1" "t:none"
SecRule &ARGS "@gt 100" "id:5,phase:2,deny"
SecMarker END
`);
  run(e, { uri: '/?a=b' });
  const links: Rule[] = [];
  for (const r of e.ruleSet.rules) for (let l: Rule | undefined = r; l; l = l.chain) links.push(l);
  assert.ok(links.some((l) => l.prefilter !== undefined), 'a rule in a prefilter group');
  assert.ok(links.some((l) => l.folded !== undefined), 'a folded rule');
  const keys = JSON.stringify(Object.keys(links[0]!));
  for (const l of links) assert.equal(JSON.stringify(Object.keys(l)), keys, `rule ${l.id}`);
  const targets = links.flatMap((l) => l.targets);
  assert.ok(targets.some((t) => t.key !== undefined) && targets.some((t) => t.key === undefined));
  const tkeys = JSON.stringify(Object.keys(targets[0]!));
  for (const t of targets) assert.equal(JSON.stringify(Object.keys(t)), tkeys, t.variable.name);
});

test('every variable definition has the same fields in the same order', () => {
  const defs = [...VARIABLES.values()];
  const keys = JSON.stringify(Object.keys(defs[0]!));
  for (const v of defs) assert.equal(JSON.stringify(Object.keys(v)), keys, v.name);
});
