import { compileMacro, type Macro } from './macro.js';
import type { Rule } from './types.js';

/**
 * Static facts for the constant phase-1 prefix and for folding (used by Transaction).
 *
 * CRS begins every request the same way: ~30 rules that read only TX (`&TX:x "@eq 0"` then
 * `setvar:tx.x=default`), and later ~60 rules that compare TX:DETECTION_PARANOIA_LEVEL (set in
 * that prefix, written by nothing after it) to skip sections. None of them can see the request, so
 * their outcome is the same on every request. The prefix is run once per rule set and its TX state
 * copied into each transaction; the paranoia rules' outcomes are computed once ("folded").
 *
 * A rule's evaluation is a function of TX alone when every link reads only TX and its operator's
 * parameter names only TX. Its effects are "pure" (may run while building the prefix) when they
 * are setvars on TX whose key and value name only TX, the rule's matched value, or its id.
 */

/** Macro references whose values a TX-only rule evaluation cannot take from the request. */
function macroPure(m: Macro, allowMatched: boolean): boolean {
  for (let i = 1; i < m.parts.length; i += 2) {
    const [name, key] = m.parts[i] as readonly [string, string | undefined];
    if (name === 'TX') continue;
    if (allowMatched && (name === 'MATCHED_VAR' || name === 'MATCHED_VAR_NAME')) continue;
    if (allowMatched && name === 'RULE' && (key === 'id' || key === 'phase' || key === 'severity' || key === 'ver')) continue;
    return false;
  }
  return true;
}

/** Every link reads only TX (or nothing: SecAction), with operator parameters naming only TX. */
export function readsOnlyTx(rule: Rule): boolean {
  for (let l: Rule | undefined = rule; l; l = l.chain) {
    if (!l.op) continue;
    if (l.targets.length === 0) return false;
    for (const t of l.targets) if (t.variable.name !== 'TX' || t.xpath !== undefined) return false;
    if (!macroPure(compileMacro(l.op.param), false)) return false;
  }
  return true;
}

/** The link's effects only write TX from TX, its matched value or its id (setvar is the only one). */
export function pureEffects(link: Rule): boolean {
  if (link.effects.length !== link.writes.length) return false;
  for (const w of link.writes) {
    if (w.collection !== 'TX' || !macroPure(w.key, true) || !macroPure(w.value, true)) return false;
  }
  return true;
}

/**
 * TX keys written by the given rules: exact keys, and the literal prefixes of keys built from
 * macros (`tx.header_name_920450_%{tx.0}`). `all` when a key starts with a macro. Captures write
 * TX:0-9, which are never frozen.
 */
export interface TxWrites {
  keys: Set<string>;
  prefixes: string[];
  all: boolean;
}

export function txWrites(rules: Iterable<Rule>): TxWrites {
  const w: TxWrites = { keys: new Set(), prefixes: [], all: false };
  for (const r of rules) {
    for (let l: Rule | undefined = r; l; l = l.chain) {
      for (const s of l.writes) {
        if (s.collection !== 'TX') continue;
        const lit = (s.key.parts[0] as string).toLowerCase();
        if (s.key.constant) w.keys.add(lit);
        else if (lit === '') w.all = true;
        else w.prefixes.push(lit);
      }
    }
  }
  return w;
}

export function frozenKey(w: TxWrites, key: string): boolean {
  if (w.all || /^[0-9]$/.test(key) || w.keys.has(key)) return false;
  for (const p of w.prefixes) if (key.startsWith(p)) return false;
  return true;
}

/**
 * A rule whose outcome may be folded: one link reading only frozen TX keys by exact name, its
 * operator parameter naming only frozen keys, no capture, no multiMatch. Whether it also needs
 * no effects, no log and (for a chain) no match is decided on its computed outcome.
 */
export function foldable(rule: Rule, w: TxWrites): boolean {
  const op = rule.op;
  if (!op || rule.capture || rule.multiMatch || rule.targets.length === 0) return false;
  for (const t of rule.targets) {
    if (t.variable.name !== 'TX' || t.xpath !== undefined || t.keyRx !== undefined || t.key === undefined) return false;
    if (!frozenKey(w, t.key)) return false;
  }
  const m = compileMacro(op.param);
  for (let i = 1; i < m.parts.length; i += 2) {
    const [name, key] = m.parts[i] as readonly [string, string | undefined];
    if (name !== 'TX' || key === undefined || !frozenKey(w, key)) return false;
  }
  return true;
}
