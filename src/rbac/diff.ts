import { normalizePath } from '../proxy/normalize.js';
import { parseSpiffeId } from '../tls/spiffe.js';
import type { Evaluator } from './evaluator.js';
import { HTTP_METHODS } from './lint.js';
import type { PolicyRule, PolicySource } from './source.js';

/** One (subject, method class, path class) whose answer differs between the two versions. */
export interface AccessChange {
  subject: string;
  kind: 'spiffe-id' | 'role';
  method: string;
  /** The path class: the pattern a sample path was made from, or `(other paths)`. */
  pathClass: string;
  /** The concrete request that shows it. */
  samplePath: string;
  change: 'deny_to_allow' | 'allow_to_deny';
  baseRule: RuleRef | null;
  headRule: RuleRef | null;
}

export interface RuleRef {
  origin: string;
  text: string;
}

export interface PolicyDiff {
  base: { version: string; label: string };
  head: { version: string; label: string };
  widened: AccessChange[];
  narrowed: AccessChange[];
  /** How many (subject, method, path) probes were compared. */
  probes: number;
}

const OTHER_PATHS = '(other paths)';
const OTHER_METHODS = '(other methods)';

function fieldAt(src: PolicySource, name: string, fallback: number): number {
  const i = (src.ptokens.get('p') ?? []).indexOf(name);
  return i >= 0 ? i : fallback;
}

/**
 * Concrete paths that exercise a pattern: parameters filled in, a trailing `*` taken as nothing and
 * as two more segments. Regular expressions are reduced when they are simple; otherwise skipped
 * (their class is still probed through the other patterns and the catch-all path).
 */
export function samplePaths(pattern: string): string[] {
  let p = pattern.replace(/^\^/, '').replace(/\$$/, '');
  p = p.split('[^/]+').join('x1').split('[0-9]+').join('1').split('(.*)').join('x1/x2').split('.*').join('x1/x2');
  p = p
    .split('/')
    .map((seg) => (seg.startsWith(':') || (seg.startsWith('{') && seg.endsWith('}')) ? 'x1' : seg))
    .join('/');
  if (/[\\^$|?+()[\]{}]/.test(p)) return [];
  const out: string[] = [];
  if (p === '*') return ['/', '/x1/x2'];
  if (p.endsWith('*')) {
    const prefix = p.slice(0, -1);
    out.push(prefix || '/', prefix + 'x1/x2', prefix.endsWith('/') ? prefix + 'x1' : prefix + '/x1');
  } else out.push(p);
  return out.map((s) => (s.startsWith('/') ? s : '/' + s)).filter((s) => !s.includes('*'));
}

function ref(r: PolicyRule | null): RuleRef | null {
  return r ? { origin: r.origin, text: r.values.join(', ') } : null;
}

/** The semantic difference in effective permissions between two policy versions. */
export function diffPolicies(base: Evaluator, head: Evaluator, labels: { base: string; head: string }): PolicyDiff {
  const subjects = new Set<string>();
  const pathClasses = new Map<string, string>();
  const methods = new Set<string>();
  for (const ev of [base, head]) {
    const src = ev.source;
    const subAt = fieldAt(src, 'sub', 0);
    const objAt = fieldAt(src, 'obj', 1);
    const actAt = fieldAt(src, 'act', 2);
    for (const r of src.rules.get('p') ?? []) {
      subjects.add(r.values[subAt]!);
      const act = r.values[actAt];
      if (act && act !== '*') methods.add(act);
      for (const s of samplePaths(r.values[objAt]!)) {
        const n = normalizePath(s);
        if (n.ok && !pathClasses.has(n.path)) pathClasses.set(n.path, r.values[objAt]!);
      }
    }
    for (const g of src.groupings) {
      subjects.add(g.child);
      subjects.add(g.parent);
    }
  }
  pathClasses.set('/', pathClasses.get('/') ?? OTHER_PATHS);
  pathClasses.set('/meshguard-diff-probe/x1', OTHER_PATHS);
  const otherMethod = ['DELETE', 'PATCH', 'PUT', 'OPTIONS', 'HEAD', 'POST', 'GET'].find((m) => !methods.has(m));
  const methodList: Array<[string, string]> = [...methods].map((m) => [m, m]);
  if (otherMethod && HTTP_METHODS.has(otherMethod)) methodList.push([otherMethod, OTHER_METHODS]);

  const widened: AccessChange[] = [];
  const narrowed: AccessChange[] = [];
  const seen = new Set<string>();
  let probes = 0;
  for (const sub of [...subjects].sort()) {
    const kind = 'error' in parseSpiffeId(sub) ? 'role' : 'spiffe-id';
    for (const [method, methodLabel] of methodList) {
      for (const [path, cls] of pathClasses) {
        probes++;
        const r = [sub, path, method];
        const b = base.decide(r);
        const h = head.decide(r);
        if (b.allow === h.allow) continue;
        const change = h.allow ? 'deny_to_allow' : 'allow_to_deny';
        const key = `${sub}\u0000${methodLabel}\u0000${cls}\u0000${change}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const c: AccessChange = { subject: sub, kind, method: methodLabel, pathClass: cls, samplePath: path, change, baseRule: ref(b.rule), headRule: ref(h.rule) };
        (h.allow ? widened : narrowed).push(c);
      }
    }
  }
  return { base: { version: base.version, label: labels.base }, head: { version: head.version, label: labels.head }, widened, narrowed, probes };
}

function cellRule(r: RuleRef | null): string {
  return r ? `${r.origin} \`${r.text}\`` : 'no rule matched';
}

function md(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** A pull-request comment. */
export function diffMarkdown(d: PolicyDiff): string {
  const out: string[] = ['## meshguard policy diff', '', `base \`${d.base.label}\` (${d.base.version}) → head \`${d.head.label}\` (${d.head.version})`, ''];
  if (d.widened.length === 0 && d.narrowed.length === 0) {
    out.push(`No change in effective permissions (${d.probes} probes).`, '');
    return out.join('\n');
  }
  if (d.widened.length > 0) out.push(`**Access widens**: ${d.widened.length} change(s) from deny to allow. This needs a security review.`, '');
  else out.push(`Access only narrows: ${d.narrowed.length} change(s) from allow to deny.`, '');
  const table = (title: string, rows: AccessChange[]) => {
    if (rows.length === 0) return;
    out.push(`### ${title}`, '', '| Subject | Method | Path | Example | Base | Head |', '|---|---|---|---|---|---|');
    for (const c of rows) {
      out.push(`| \`${md(c.subject)}\`${c.kind === 'role' ? ' (role)' : ''} | ${c.method} | \`${md(c.pathClass)}\` | \`${md(c.samplePath)}\` | ${md(cellRule(c.baseRule))} | ${md(cellRule(c.headRule))} |`);
    }
    out.push('');
  };
  table('Deny → allow (widened)', d.widened);
  table('Allow → deny (narrowed)', d.narrowed);
  return out.join('\n');
}

export function diffText(d: PolicyDiff): string {
  const out: string[] = [`base ${d.base.label} (${d.base.version}) -> head ${d.head.label} (${d.head.version}); ${d.probes} probes`];
  if (d.widened.length === 0 && d.narrowed.length === 0) out.push('no change in effective permissions');
  for (const c of [...d.widened, ...d.narrowed]) {
    const arrow = c.change === 'deny_to_allow' ? 'WIDENED deny -> allow' : 'narrowed allow -> deny';
    out.push(`${arrow}: ${c.subject}${c.kind === 'role' ? ' (role)' : ''} ${c.method} ${c.pathClass} (e.g. ${c.samplePath})`);
    out.push(`    base: ${cellRule(c.baseRule)}`);
    out.push(`    head: ${cellRule(c.headRule)}`);
  }
  return out.join('\n');
}
