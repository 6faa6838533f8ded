import type { IncomingHttpHeaders } from 'node:http';
import type { Counter } from 'prom-client';
import type { Logger } from '../log.js';
import type { Denial, Filter, FilterBuildContext, FilterFactory, Verdict } from '../proxy/filter.js';
import type { RequestContext, RequestHead, WafOutcome } from '../proxy/context.js';
import { counter, gauge } from '../admin/metrics-util.js';
import { UserInputError } from '../errors.js';
import type { WafConfig } from './config-schema.js';
import { loadWafEngine, DEFAULT_REQUEST_BODY_LIMIT } from './load.js';
import type { WafEngine } from './engine.js';
import type { Interruption, Transaction } from './transaction.js';
import { binFromBuffer } from './bytes.js';
import { parseIdRanges, type IdRange } from './actions/ctl.js';

interface CompiledExclusion {
  route: string | undefined;
  spiffeId: string | undefined;
  pathPrefix: string | undefined;
  ids: IdRange[];
  tags: string[];
}

function compileExclusions(cfg: WafConfig, configFile: string): CompiledExclusion[] {
  return (cfg.exclusions ?? []).map((e, i) => {
    const where = { file: configFile, line: 0 };
    if (!e.ruleIds?.length && !e.tags?.length) {
      throw new UserInputError({ file: configFile }, `waf.exclusions[${i}]: name ruleIds or tags (an exclusion never turns the whole WAF off)`);
    }
    if (!e.route && !e.spiffeId && !e.pathPrefix) {
      throw new UserInputError({ file: configFile }, `waf.exclusions[${i}]: scope it with route, spiffeId or pathPrefix (use SecRuleRemoveById in a rule file for a global removal)`);
    }
    return {
      route: e.route, spiffeId: e.spiffeId, pathPrefix: e.pathPrefix,
      ids: parseIdRanges((e.ruleIds ?? []).join(' '), { file: where.file, line: 1 }), tags: e.tags ?? [],
    };
  });
}

function hasBody(req: RequestHead): boolean {
  const cl = req.headers['content-length'];
  if (cl !== undefined) return cl !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

/** rawHeaders as pairs; Node decodes header bytes as latin1, which is the engine's string model. */
function headerPairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

function responsePairs(h: IncomingHttpHeaders): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) out.push([k, x]);
    else out.push([k, String(v)]);
  }
  return out;
}

interface Metrics {
  requests: Counter<'listener' | 'action'>;
  matches: Counter<'rule'>;
}

/**
 * The WAF in the request path: phase 1 on headers, phase 2 on the buffered body (or right away
 * when there is none), phases 3-4 on responses when `inspectResponse` is on, phase 5 at the end.
 * Rules are compiled once per snapshot; a reload that fails to compile throws here and the core
 * keeps the running snapshot.
 */
export const wafFilterFactory: FilterFactory = {
  name: 'waf',
  async build(bctx: FilterBuildContext) {
    const cfg: WafConfig | undefined = bctx.config.waf;
    if (!cfg) return null;
    if (!(cfg.listeners ?? ['inbound']).includes(bctx.listener)) return null;
    if ((cfg.mode ?? 'block') === 'off') {
      bctx.logger.warn({ event: 'waf_off', listener: bctx.listener }, 'waf mode is off: requests are not inspected');
      return null;
    }
    const loadErrors = counter(bctx.metrics, 'waf_load_errors_total', 'WAF rule sets refused at load or reload (the running rules stay)');
    let loaded: ReturnType<typeof loadWafEngine>;
    let exclusions: CompiledExclusion[];
    try {
      loaded = loadWafEngine(cfg, bctx.configDir);
      exclusions = compileExclusions(cfg, bctx.configFile);
    } catch (err) {
      loadErrors.inc();
      throw err;
    }
    for (const f of loaded.files) bctx.watch(f);
    const rules = gauge(bctx.metrics, 'waf_rules_loaded', 'SecLang rules in the running WAF rule set', ['listener']);
    rules.set({ listener: bctx.listener }, loaded.engine.ruleCount);
    const metrics: Metrics = {
      requests: counter(bctx.metrics, 'waf_requests_total', 'Requests inspected by the WAF, by outcome', ['listener', 'action']),
      matches: counter(bctx.metrics, 'waf_rule_matches_total', 'WAF rule matches (logged rules), by rule id', ['rule']),
    };
    bctx.logger.info(
      { event: 'waf_loaded', listener: bctx.listener, rules: loaded.engine.ruleCount, files: loaded.files.length, mode: cfg.mode ?? 'block', paranoia: cfg.paranoia ?? 1, crs: cfg.crs ?? null },
      'waf rules loaded',
    );
    return new WafFilter(loaded.engine, cfg, bctx.logger, metrics, exclusions, bctx.listener, loaded.files.length);
  },
};

class WafFilter implements Filter {
  readonly name = 'waf';
  private readonly txs = new WeakMap<RequestContext, Transaction>();
  private readonly mode: 'block' | 'detect';
  private readonly bodyLimit: number;
  private readonly respLimit: number;

  constructor(
    private readonly engine: WafEngine,
    private readonly cfg: WafConfig,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly exclusions: CompiledExclusion[],
    private readonly listener: string,
    private readonly fileCount: number,
  ) {
    this.mode = cfg.mode === 'detect' ? 'detect' : 'block';
    this.bodyLimit = cfg.requestBodyLimit ?? DEFAULT_REQUEST_BODY_LIMIT;
    this.respLimit = engine.ruleSet.settings.responseBodyLimit;
  }

  onRequestHeaders(ctx: RequestContext): Verdict {
    return this.guard(ctx, () => {
      const tx = this.engine.newTransaction(ctx.requestId);
      this.txs.set(ctx, tx);
      this.applyExclusions(ctx, tx);
      tx.setConnection(ctx.remoteAddress, ctx.remotePort);
      tx.setRequest({ method: ctx.method, uri: ctx.rawTarget, protocol: `HTTP/${ctx.req.httpVersion}` }, headerPairs(ctx.req.rawHeaders));
      let it = tx.phaseRequestHeaders();
      // No body: phase 2 (where CRS decides) runs now, since no body hook will come
      if (!it && !hasBody(ctx.req)) it = tx.phaseRequestBody(undefined);
      const v = this.decide(ctx, tx, it);
      this.finishEarly(ctx, tx);
      return v;
    });
  }

  requestBodyBuffer(ctx: RequestContext): number {
    const tx = this.txs.get(ctx);
    if (!tx || tx.interruption) return 0;
    return this.bodyLimit;
  }

  onRequestBody(ctx: RequestContext, body: Buffer, complete: boolean): Verdict {
    return this.guard(ctx, () => {
      const tx = this.txs.get(ctx);
      if (!tx) return undefined;
      if (!complete && (this.cfg.onBodyLimit ?? 'reject') === 'reject') {
        this.metrics.requests.inc({ listener: this.listener, action: 'body_too_large' });
        return { status: 413, error: 'body_too_large', reason: 'request body too large', detail: `the WAF inspects at most ${this.bodyLimit} bytes` };
      }
      const v = this.decide(ctx, tx, tx.phaseRequestBody(binFromBuffer(body), complete));
      this.finishEarly(ctx, tx);
      return v;
    });
  }

  onResponseHeaders(ctx: RequestContext, status: number, headers: IncomingHttpHeaders): Verdict {
    if (!this.cfg.inspectResponse) return undefined;
    return this.guard(ctx, () => {
      const tx = this.txs.get(ctx);
      if (!tx || tx.interruption) return undefined;
      tx.setResponse(status, 'HTTP/1.1', responsePairs(headers));
      return this.decide(ctx, tx, tx.phaseResponseHeaders());
    });
  }

  responseBodyBuffer(ctx: RequestContext): number {
    if (!this.cfg.inspectResponse) return 0;
    const tx = this.txs.get(ctx);
    if (!tx || tx.interruption || !tx.responseBodyAccess || !tx.responseTypeInspected()) return 0;
    return this.respLimit;
  }

  onResponseBody(ctx: RequestContext, body: Buffer): Verdict {
    return this.guard(ctx, () => {
      const tx = this.txs.get(ctx);
      if (!tx || tx.interruption) return undefined;
      return this.decide(ctx, tx, tx.phaseResponseBody(binFromBuffer(body)));
    });
  }

  onComplete(ctx: RequestContext): void {
    const tx = this.txs.get(ctx);
    if (tx) this.finish(ctx, tx);
  }

  /**
   * With responses not inspected, nothing reaches the transaction after its request phases: phase
   * 5 sees the same state now as at the end of the exchange. Running it now lets the transaction
   * (collections, TX, caches: ~16 KB for a small GET with CRS) die young instead of being kept
   * alive, and so promoted to V8's old generation, for as long as the upstream takes to answer.
   */
  private finishEarly(ctx: RequestContext, tx: Transaction): void {
    if (!this.cfg.inspectResponse && tx.requestPhasesDone) this.finish(ctx, tx);
  }

  /** Phase 5 and the metrics, once per transaction. */
  private finish(ctx: RequestContext, tx: Transaction): void {
    this.txs.delete(ctx);
    try {
      tx.phaseLogging();
    } catch (err) {
      this.log.error({ event: 'waf_error', requestId: ctx.requestId, err: (err as Error).message }, 'waf logging phase failed');
    }
    const out = ctx.waf ?? this.outcome(tx, 'pass');
    this.metrics.requests.inc({ listener: this.listener, action: out.action });
    for (const id of out.ruleIds) this.metrics.matches.inc({ rule: String(id) });
  }

  describe(): Record<string, unknown> {
    return {
      mode: this.mode, paranoia: this.cfg.paranoia ?? 1, crs: this.cfg.crs ?? null, rules: this.engine.ruleCount,
      files: this.fileCount, requestBodyLimit: this.bodyLimit, onBodyLimit: this.cfg.onBodyLimit ?? 'reject',
      inspectResponse: this.cfg.inspectResponse ?? false, exclusions: this.exclusions.length,
    };
  }

  /** A WAF that throws must not let the request through: fail closed with 503. */
  private guard(ctx: RequestContext, fn: () => Verdict): Verdict {
    try {
      return fn();
    } catch (err) {
      this.log.error({ event: 'waf_error', requestId: ctx.requestId, err: (err as Error).message }, 'waf evaluation failed');
      return { status: 503, error: 'waf_error', reason: 'request could not be inspected' };
    }
  }

  private applyExclusions(ctx: RequestContext, tx: Transaction): void {
    for (const e of this.exclusions) {
      if (e.route !== undefined) {
        const here = ctx.listener === 'inbound' ? ['inbound', ctx.route?.name] : [ctx.route?.name, ctx.route?.host];
        if (!here.includes(e.route)) continue;
      }
      if (e.spiffeId !== undefined && ctx.peer?.spiffeId !== e.spiffeId) continue;
      if (e.pathPrefix !== undefined && !ctx.path.startsWith(e.pathPrefix)) continue;
      if (e.ids.length) tx.removeRulesById(e.ids);
      for (const t of e.tags) tx.removeRulesByTag(t);
    }
  }

  private decide(ctx: RequestContext, tx: Transaction, it: Interruption | undefined): Verdict {
    // A body over the limits is refused in both modes: it is a resource limit, not a rule verdict
    if (it && it.ruleId === 0 && it.status === 413) {
      this.metrics.requests.inc({ listener: this.listener, action: 'body_too_large' });
      return { status: 413, error: 'body_too_large', reason: 'request body too large', detail: `more than ${this.engine.ruleSet.settings.requestBodyNoFilesLimit} bytes besides uploaded files` };
    }
    if (this.mode === 'detect') {
      const would = tx.wouldInterrupt;
      if (would && ctx.waf?.action !== 'would-block') {
        ctx.waf = this.outcome(tx, 'would-block');
        this.log.warn({ event: 'waf_would_block', requestId: ctx.requestId, rule: would.ruleId, ruleIds: ctx.waf.ruleIds, score: ctx.waf.score, messages: ctx.waf.messages }, 'waf would have blocked (detect mode)');
      } else if (!ctx.waf || ctx.waf.action === 'pass') {
        ctx.waf = this.outcome(tx, 'pass');
      }
      return undefined;
    }
    if (!it) {
      ctx.waf = this.outcome(tx, 'pass');
      return undefined;
    }
    ctx.waf = this.outcome(tx, 'block');
    const detail = `rules ${ctx.waf.ruleIds.join(',')} score ${ctx.waf.score}`;
    this.log.warn({ event: 'waf_block', requestId: ctx.requestId, rule: it.ruleId, ruleIds: ctx.waf.ruleIds, score: ctx.waf.score, messages: ctx.waf.messages }, 'waf blocked a request');
    const d: Denial = { status: it.status >= 400 ? it.status : 403, error: 'waf_blocked', reason: 'request blocked', detail };
    return d;
  }

  private outcome(tx: Transaction, action: WafOutcome['action']): WafOutcome {
    const ids: number[] = [];
    const messages: string[] = [];
    for (const m of tx.matches) {
      if (!ids.includes(m.id)) ids.push(m.id);
      if (m.msg && !messages.includes(m.msg)) messages.push(m.msg);
    }
    let score = 0;
    for (const k of ['blocking_inbound_anomaly_score', 'inbound_anomaly_score', 'anomaly_score']) {
      const v = Number.parseInt(tx.getVar('TX', k) ?? '', 10);
      if (Number.isFinite(v) && v > score) score = v;
    }
    return { mode: this.mode, action, score, ruleIds: ids, messages: messages.slice(0, 20) };
  }
}
