import path from 'node:path';
import type { Counter } from 'prom-client';
import type { Logger } from '../log.js';
import type { Filter, FilterBuildContext, FilterFactory, Verdict } from '../proxy/filter.js';
import type { RbacOutcome, RequestContext } from '../proxy/context.js';
import { counter } from '../admin/metrics-util.js';
import { UserInputError } from '../errors.js';
import type { RbacConfig } from './config-schema.js';
import type { Decision, Evaluator } from './evaluator.js';
import { loadEvaluator, type BuiltEvaluator } from './load.js';
import type { RoleGraph } from './roles.js';

/** What other filters (the audit mirror) read from `ctx.ext['rbac']`. */
export interface RbacExt {
  /** The roles the caller holds (transitively), without its own SPIFFE ID. */
  roles: readonly string[];
}

const NO_RULE = 'no rule matched';

async function loadPair(bctx: FilterBuildContext, model: string, policy: string): Promise<BuiltEvaluator> {
  const abs = (f: string) => path.resolve(bctx.configDir, f);
  bctx.watch(model);
  bctx.watch(policy);
  const built = await loadEvaluator({ model: abs(model), policy: abs(policy), displayModel: model, displayPolicy: policy, logger: bctx.logger });
  const rtokens = built.evaluator.source.rtokens.get('r') ?? [];
  if (rtokens.length !== 3) {
    throw new UserInputError({ file: model }, `request_definition must have 3 fields (subject = caller SPIFFE ID, object = path, action = method), got ${rtokens.length}`);
  }
  return built;
}

/**
 * Authorizes inbound requests on the caller's SPIFFE ID (from its verified certificate), the
 * normalized path and the method. Built once per snapshot: a reload builds a new evaluator and the
 * core swaps the whole snapshot, so a request always sees one policy from start to end.
 */
export const rbacFilterFactory: FilterFactory = {
  name: 'rbac',
  async build(bctx) {
    const cfg: RbacConfig | undefined = bctx.config.rbac;
    if (!cfg) return null;
    // The caller's identity is only proven on inbound; outbound callers are the local app.
    if (bctx.listener !== 'inbound') return null;
    const mode = cfg.mode ?? 'enforce';
    if (mode === 'off') {
      bctx.logger.warn({ event: 'rbac_off' }, 'rbac mode is off: inbound requests are not authorized by any policy');
      return null;
    }
    const errors = counter(bctx.metrics, 'rbac_policy_errors_total', 'RBAC policies refused at load or reload (the running policy stays)', ['policy']);
    let primary: BuiltEvaluator;
    let shadow: BuiltEvaluator | undefined;
    try {
      primary = await loadPair(bctx, cfg.model, cfg.policy);
    } catch (err) {
      errors.inc({ policy: 'active' });
      throw err;
    }
    if (cfg.shadow) {
      try {
        shadow = await loadPair(bctx, cfg.shadow.model ?? cfg.model, cfg.shadow.policy);
      } catch (err) {
        errors.inc({ policy: 'shadow' });
        throw err;
      }
    }
    bctx.logger.info(
      { event: 'rbac_loaded', policyVersion: primary.evaluator.version, evaluator: primary.evaluator.kind, rules: primary.evaluator.source.rules.get('p')?.length ?? 0, mode, shadowVersion: shadow?.evaluator.version },
      'rbac policy loaded',
    );
    return new RbacFilter(bctx, mode, primary, shadow);
  },
};

class RbacFilter implements Filter {
  readonly name = 'rbac';
  private readonly ev: Evaluator;
  private readonly shadowEv: Evaluator | undefined;
  private readonly roles: RoleGraph | undefined;
  private readonly decisions: Counter<'decision' | 'rule' | 'mode'>;
  private readonly shadowDiffs: Counter<'change'>;
  private readonly log: Logger;

  constructor(
    bctx: FilterBuildContext,
    private readonly mode: 'enforce' | 'audit',
    primary: BuiltEvaluator,
    shadow: BuiltEvaluator | undefined,
  ) {
    this.ev = primary.evaluator;
    this.shadowEv = shadow?.evaluator;
    this.roles = primary.roles.get('g');
    this.log = bctx.logger;
    this.decisions = counter(bctx.metrics, 'rbac_decisions_total', 'RBAC decisions by decision, deciding rule (file:line or none) and mode', ['decision', 'rule', 'mode']);
    this.shadowDiffs = counter(bctx.metrics, 'rbac_shadow_diff_total', 'Requests where the shadow policy would decide differently', ['change']);
  }

  onRequestHeaders(ctx: RequestContext): Verdict {
    const sub = ctx.peer?.spiffeId;
    const roles = sub && this.roles ? this.roles.rolesOf(sub).slice(1) : [];
    ctx.ext['rbac'] = { roles } satisfies RbacExt;
    if (!sub) {
      // Inbound always has a verified peer; if not, fail closed.
      ctx.rbac = { decision: 'deny', rule: null, policyVersion: this.ev.version, mode: this.mode };
      this.decisions.inc({ decision: 'deny', rule: 'none', mode: this.mode });
      return this.mode === 'enforce' ? { status: 403, error: 'rbac_denied', reason: 'access denied', detail: 'no peer identity' } : undefined;
    }
    const req = [sub, ctx.path, ctx.method];
    const d = this.safeDecide(this.ev, req, ctx.requestId);
    const rule = d.rule ? d.rule.origin : null;
    const outcome: RbacOutcome = { decision: d.allow ? 'allow' : 'deny', rule, policyVersion: this.ev.version, mode: this.mode };
    if (this.shadowEv) {
      const s = this.safeDecide(this.shadowEv, req, ctx.requestId);
      const srule = s.rule ? s.rule.origin : null;
      outcome.shadow = { decision: s.allow ? 'allow' : 'deny', rule: srule, policyVersion: this.shadowEv.version };
      if (s.allow !== d.allow) {
        const change = d.allow ? 'allow_to_deny' : 'deny_to_allow';
        this.shadowDiffs.inc({ change });
        this.log.info(
          { event: 'rbac_shadow_diff', requestId: ctx.requestId, sub, method: ctx.method, path: ctx.path, change, rule: rule ?? NO_RULE, shadowRule: srule ?? NO_RULE, policyVersion: this.ev.version, shadowVersion: this.shadowEv.version },
          'shadow policy decides differently',
        );
      }
    }
    ctx.rbac = outcome;
    this.decisions.inc({ decision: outcome.decision, rule: rule ?? 'none', mode: this.mode });
    if (d.allow) return undefined;
    if (this.mode === 'audit') {
      this.log.warn({ event: 'rbac_would_deny', requestId: ctx.requestId, sub, method: ctx.method, path: ctx.path, rule: rule ?? NO_RULE, policyVersion: this.ev.version }, 'rbac audit mode: request would be denied');
      return undefined;
    }
    return { status: 403, error: 'rbac_denied', reason: 'access denied', detail: rule ?? NO_RULE };
  }

  /** casbin's fallback enforcer can throw on a request (the compiled one does not): fail closed. */
  private safeDecide(ev: Evaluator, req: string[], requestId: string): Decision {
    try {
      return ev.decide(req);
    } catch (err) {
      this.log.error({ event: 'rbac_eval_error', requestId, policyVersion: ev.version, err: (err as Error).message }, 'rbac evaluation failed; denying');
      return { allow: false, rule: null };
    }
  }

  describe(): Record<string, unknown> {
    const src = this.ev.source;
    return {
      mode: this.mode,
      policyVersion: this.ev.version,
      evaluator: this.ev.kind,
      model: src.modelFile,
      policy: src.policyFile,
      rules: src.rules.get('p')?.length ?? 0,
      groupings: src.groupings.length,
      ...(this.shadowEv ? { shadow: { policyVersion: this.shadowEv.version, evaluator: this.shadowEv.kind, model: this.shadowEv.source.modelFile, policy: this.shadowEv.source.policyFile } } : {}),
    };
  }
}
