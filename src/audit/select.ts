import RE2 from 're2';
import type { RequestContext } from '../proxy/context.js';
import { UserInputError } from '../errors.js';
import type { MirrorMatch, MirrorRule } from './config-schema.js';

/** A mirror rule ready for the hot path: every pattern compiled once (RE2), lists made sets. */
export interface CompiledRule {
  index: number;
  sample: number;
  sinks: string[];
  headers: boolean;
  maxBodyBytes: number;
  test(ctx: RequestContext): boolean;
  /** The part of `test` that is known when the request headers arrive (for deciding what to capture). */
  testRequest(ctx: RequestContext): boolean;
  /** Whether `test` needs more than `testRequest` (status, RBAC, WAF, roles). */
  readonly late: boolean;
}

function list(v: string | number | Array<string | number> | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

/** Host part of an authority, lower case, without port. */
export function hostOf(authority: string): string {
  const a = authority.toLowerCase();
  if (a.startsWith('[')) return a.slice(0, a.indexOf(']') + 1);
  const colon = a.indexOf(':');
  return colon < 0 ? a : a.slice(0, colon);
}

function compileRe(pattern: string, where: string, key: string): RE2 {
  try {
    return new RE2(pattern, 'u');
  } catch (err) {
    throw new UserInputError({ file: where }, `invalid RE2 pattern ${JSON.stringify(pattern)}: ${(err as Error).message}`, key);
  }
}

export function rolesOf(ctx: RequestContext): readonly string[] {
  const r = ctx.ext['rbac'] as { roles?: unknown } | undefined;
  return Array.isArray(r?.roles) ? (r!.roles as string[]) : [];
}

type Pred = (ctx: RequestContext) => boolean;

function statusPred(items: string[]): Pred {
  const classes = new Set<number>();
  const exact = new Set<number>();
  for (const s of items) {
    if (s.endsWith('xx')) classes.add(Number(s[0]));
    else exact.add(Number(s));
  }
  return (ctx) => exact.has(ctx.status) || classes.has(Math.floor(ctx.status / 100));
}

/**
 * Compiles `audit.mirror`. `where` names the config file for errors. All predicates of a rule must
 * hold; a rule without `match` matches everything. The first matching rule decides (then `sample`).
 */
export function compileRules(rules: readonly MirrorRule[], where: string): CompiledRule[] {
  return rules.map((rule, index) => {
    const key = `audit.mirror[${index}]`;
    if (typeof rule.sample !== 'number' || !(rule.sample >= 0 && rule.sample <= 1)) {
      throw new UserInputError({ file: where }, 'sample is required: a fraction between 0 and 1', key);
    }
    const m: MirrorMatch = rule.match ?? {};
    const req: Pred[] = [];
    const late: Pred[] = [];
    if (m.listener) { const l = m.listener; req.push((c) => c.listener === l); }
    if (m.route) { const r = m.route; req.push((c) => c.route?.name === r || c.route?.host === r); }
    if (m.host) { const h = m.host.toLowerCase(); req.push((c) => hostOf(c.authority) === h || c.route?.host.toLowerCase() === h); }
    if (m.pathPrefix) { const p = m.pathPrefix; req.push((c) => c.path.startsWith(p)); }
    if (m.path) { const re = compileRe(m.path, where, `${key}.match.path`); req.push((c) => re.test(c.path)); }
    const methods = list(m.method);
    if (methods) { const s = new Set(methods.map((x) => x.toUpperCase())); req.push((c) => s.has(c.method.toUpperCase())); }
    const ids = list(m.spiffeId);
    if (ids) { const s = new Set(ids); req.push((c) => c.peer !== null && s.has(c.peer.spiffeId)); }
    if (m.spiffeIdPattern) {
      const re = compileRe(m.spiffeIdPattern, where, `${key}.match.spiffeIdPattern`);
      req.push((c) => c.peer !== null && re.test(c.peer.spiffeId));
    }
    const roles = list(m.role);
    if (roles) { const s = new Set(roles); late.push((c) => rolesOf(c).some((r) => s.has(r))); }
    if (m.rbac === 'deny') late.push((c) => c.rbac?.decision === 'deny');
    if (m.rbac === 'allow') late.push((c) => c.rbac?.decision === 'allow');
    if (m.rbac === 'shadow-diff') late.push((c) => !!c.rbac?.shadow && c.rbac.shadow.decision !== c.rbac.decision);
    if (m.waf === 'matched') late.push((c) => (c.waf?.ruleIds.length ?? 0) > 0);
    if (m.waf === 'blocked') late.push((c) => c.waf?.action === 'block');
    if (m.wafScoreAtLeast !== undefined) { const n = m.wafScoreAtLeast; late.push((c) => (c.waf?.score ?? -1) >= n); }
    const statuses = list(m.status);
    if (statuses) late.push(statusPred(statuses));
    const all = [...req, ...late];
    return {
      index,
      sample: rule.sample,
      sinks: [...rule.sinks],
      headers: rule.capture?.headers ?? false,
      maxBodyBytes: rule.capture?.maxBodyBytes ?? 0,
      late: late.length > 0,
      test: (ctx) => { for (const p of all) if (!p(ctx)) return false; return true; },
      testRequest: (ctx) => { for (const p of req) if (!p(ctx)) return false; return true; },
    };
  });
}

/**
 * First matching rule, then its sample; null when nothing is to be mirrored. `presampled` holds a
 * sampling decision already taken for one rule at the request headers (see the mirror filter).
 */
export function selectRule(
  rules: readonly CompiledRule[],
  ctx: RequestContext,
  random: () => number = Math.random,
  presampled?: { index: number; selected: boolean },
): CompiledRule | null {
  for (const r of rules) {
    if (!r.test(ctx)) continue;
    if (presampled && presampled.index === r.index) return presampled.selected ? r : null;
    return r.sample >= 1 || random() < r.sample ? r : null;
  }
  return null;
}
