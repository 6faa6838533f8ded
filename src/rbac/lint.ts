import { UserInputError } from '../errors.js';
import { parseSpiffeId } from '../tls/spiffe.js';
import { loadPolicySource, type PolicyRule, type PolicySource } from './source.js';
import { buildEvaluator, type BuiltEvaluator } from './load.js';
import type { RoleGraph } from './roles.js';

export interface Finding {
  severity: 'error' | 'warning';
  /** Stable code for CI filters: syntax, subject, method, role-never-granted, unreachable, duplicate, shadowed, fallback. */
  code: string;
  file: string;
  line?: number;
  message: string;
}

export interface LintResult {
  ok: boolean;
  findings: Finding[];
  policyVersion?: string;
  evaluator?: 'compiled' | 'casbin';
  rules: number;
}

export const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE']);

function isSpiffe(s: string): boolean {
  return !('error' in parseSpiffeId(s));
}

/** Whether every request `a` matches is also matched by the deny pattern `d` (a safe under-approximation). */
function patternCovers(d: string, a: string): boolean {
  if (d === a || d === '*' || d === '/*') return true;
  if (d.endsWith('/*')) return a.startsWith(d.slice(0, -1));
  return false;
}

function fieldIndex(src: PolicySource, name: string, fallback: number): number {
  const i = (src.ptokens.get('p') ?? []).indexOf(name);
  return i >= 0 ? i : fallback;
}

/**
 * Checks a policy the way a reviewer would: errors for what cannot work (syntax, a subject that is
 * neither a SPIFFE ID nor a role, an unknown method), warnings for what is probably a mistake
 * (roles nobody is granted, rules nobody can reach, duplicates, allows a deny always overrides).
 */
export async function lintPolicy(opts: { model: string; policy: string; displayModel?: string; displayPolicy?: string; trustDomain?: string }): Promise<LintResult> {
  const findings: Finding[] = [];
  let src: PolicySource;
  let built: BuiltEvaluator;
  try {
    src = loadPolicySource({
      modelFile: opts.model,
      policyFile: opts.policy,
      ...(opts.displayModel ? { displayModel: opts.displayModel } : {}),
      ...(opts.displayPolicy ? { displayPolicy: opts.displayPolicy } : {}),
    });
    built = await buildEvaluator(src);
  } catch (err) {
    if (err instanceof UserInputError) {
      findings.push({ severity: 'error', code: 'syntax', file: err.pos.file, ...(err.pos.line ? { line: err.pos.line } : {}), message: err.message.slice(err.message.indexOf(': ') + 2) });
      return { ok: false, findings, rules: 0 };
    }
    throw err;
  }
  if (built.fallbackReason) {
    findings.push({ severity: 'warning', code: 'fallback', file: src.modelFile, message: `model outside the compiled family (${built.fallbackReason}): casbin's enforcer scans every rule per request` });
  }
  const rules = src.rules.get('p') ?? [];
  const graph: RoleGraph | undefined = built.roles.get('g');
  const subAt = fieldIndex(src, 'sub', 0);
  const objAt = fieldIndex(src, 'obj', 1);
  const actAt = fieldIndex(src, 'act', 2);
  const eftAt = (src.ptokens.get('p') ?? []).indexOf('eft');

  // Names that are roles: anything on either side of a g line.
  const roleNames = new Set<string>();
  const granted = new Set<string>();
  for (const g of src.groupings) {
    if (!isSpiffe(g.child)) roleNames.add(g.child);
    roleNames.add(g.parent);
    granted.add(g.parent);
  }
  // Roles some SPIFFE ID actually holds.
  const held = new Set<string>();
  if (graph) for (const name of graph.names()) if (isSpiffe(name)) for (const r of graph.rolesOf(name)) held.add(r);

  const seen = new Map<string, PolicyRule>();
  for (const r of rules) {
    const sub = r.values[subAt]!;
    const at = { file: r.file, line: r.line };
    if (!isSpiffe(sub) && !roleNames.has(sub)) {
      findings.push({ severity: 'error', code: 'subject', ...at, message: `subject "${sub}" is neither a SPIFFE ID nor a role (no g line names it)` });
    } else if (!isSpiffe(sub) && !granted.has(sub)) {
      findings.push({ severity: 'warning', code: 'role-never-granted', ...at, message: `role "${sub}" is never granted to anyone` });
    } else if (!isSpiffe(sub) && !held.has(sub)) {
      findings.push({ severity: 'warning', code: 'unreachable', ...at, message: `no SPIFFE ID holds role "${sub}": this rule can never apply` });
    }
    const act = r.values[actAt];
    if (act !== undefined && act !== '*' && !HTTP_METHODS.has(act)) {
      findings.push({ severity: 'error', code: 'method', ...at, message: `unknown method "${act}" (expected an HTTP method in capitals, or *)` });
    }
    const key = r.values.join('\u0000');
    const first = seen.get(key);
    if (first) findings.push({ severity: 'warning', code: 'duplicate', ...at, message: `duplicate of ${first.origin}` });
    else seen.set(key, r);
  }

  // An allow that a deny always overrides (deny-override models only).
  const effect = String(src.model.model.get('e')?.get('e')?.value ?? '');
  if (eftAt >= 0 && effect.includes('!some(where (p_eft == deny))')) {
    const denies = rules.filter((r) => r.values[eftAt] === 'deny');
    for (const a of rules) {
      if (a.values[eftAt] === 'deny') continue;
      const aSub = a.values[subAt]!;
      for (const d of denies) {
        const dSub = d.values[subAt]!;
        const subCovered = aSub === dSub || (graph !== undefined && graph.has(aSub, dSub));
        const actCovered = d.values[actAt] === '*' || d.values[actAt] === a.values[actAt];
        if (subCovered && actCovered && patternCovers(d.values[objAt]!, a.values[objAt]!)) {
          findings.push({ severity: 'warning', code: 'shadowed', file: a.file, line: a.line, message: `allow is always overridden by the deny at ${d.origin}` });
          break;
        }
      }
    }
  }

  if (opts.trustDomain) {
    const foreign = (name: string): boolean => {
      const id = parseSpiffeId(name);
      return !('error' in id) && id.trustDomain !== opts.trustDomain;
    };
    for (const r of rules) {
      if (foreign(r.values[subAt]!)) findings.push({ severity: 'warning', code: 'trust-domain', file: r.file, line: r.line, message: `"${r.values[subAt]}" is outside trust domain ${opts.trustDomain}: no peer of this sidecar can present it` });
    }
    for (const g of src.groupings) {
      if (foreign(g.child)) findings.push({ severity: 'warning', code: 'trust-domain', file: g.file, line: g.line, message: `"${g.child}" is outside trust domain ${opts.trustDomain}: no peer of this sidecar can present it` });
    }
  }

  for (const g of src.groupings) {
    if (g.child.toLowerCase().startsWith('spiffe:')) continue;
    if (!granted.has(g.child) && !rules.some((r) => r.values[subAt] === g.child)) {
      findings.push({ severity: 'warning', code: 'role-never-granted', file: g.file, line: g.line, message: `role "${g.child}" is never granted to anyone and has no rules` });
    }
  }

  findings.sort((x, y) => (x.file === y.file ? (x.line ?? 0) - (y.line ?? 0) : x.file < y.file ? -1 : 1));
  return { ok: !findings.some((f) => f.severity === 'error'), findings, policyVersion: src.version, evaluator: built.evaluator.kind, rules: rules.length };
}
