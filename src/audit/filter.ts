import type { Counter } from 'prom-client';
import type { Filter, FilterBuildContext, FilterFactory } from '../proxy/filter.js';
import type { RequestContext } from '../proxy/context.js';
import { counter } from '../admin/metrics-util.js';
import { UserInputError } from '../errors.js';
import type { AuditConfig } from './config-schema.js';
import { compileRules, selectRule, type CompiledRule } from './select.js';
import { createRedactor, type Redactor } from './redact.js';
import { BodyCapture } from './capture.js';
import { buildRecord } from './build-record.js';
import { SharedSinks } from './shared-sinks.js';
import type { SinkRunner } from './runner.js';
import { ShadowSink } from './sinks/http-shadow.js';

/** Per-request state of the mirror tap, in `ctx.ext.mirror`. */
interface TapState {
  req: BodyCapture | null;
  res: BodyCapture | null;
  /** The sample die, cast at the headers for the first rule that can already be sure to match. */
  presampled?: { index: number; selected: boolean };
}

const EXT = 'mirror';

/**
 * The mirror tap: copies request and response bodies as they pass (up to the largest cap a rule that
 * may match asks for), picks the first matching rule when the exchange is complete, builds the
 * record and hands it to the rule's sinks. It never waits for a sink and never throws into the
 * request path.
 */
export class MirrorFilter implements Filter {
  readonly name = 'mirror';
  private readonly mirrored: Counter<'rule'>;
  private readonly truncated: Counter<string>;
  private readonly failures: Counter<string>;
  /** The label set of each rule's count, made once (not a new object and number-to-string per request). */
  private readonly ruleLabels: ReadonlyArray<{ rule: string }>;
  // The hooks a request pays for only when some rule captures bodies (the chain skips absent hooks).
  onRequestHeaders?: (ctx: RequestContext) => undefined;
  onRequestData?: (ctx: RequestContext, chunk: Buffer) => void;
  onResponseData?: (ctx: RequestContext, chunk: Buffer) => void;

  constructor(
    private readonly rules: readonly CompiledRule[],
    private readonly sinksByRule: ReadonlyMap<number, readonly SinkRunner[]>,
    private readonly redactor: Redactor,
    private readonly bctx: Pick<FilterBuildContext, 'metrics' | 'logger'>,
    private readonly random: () => number = Math.random,
  ) {
    this.mirrored = counter(bctx.metrics, 'audit_records_total', 'Exchanges selected for mirroring, by rule index', ['rule']);
    this.truncated = counter(bctx.metrics, 'audit_body_truncated_total', 'Mirrored bodies cut at capture.maxBodyBytes');
    this.failures = counter(bctx.metrics, 'audit_record_failures_total', 'Selected exchanges whose record could not be built');
    this.ruleLabels = rules.map((r) => ({ rule: String(r.index) }));
    if (rules.some((r) => r.maxBodyBytes > 0)) {
      this.onRequestHeaders = (ctx) => this.tapStart(ctx);
      this.onRequestData = (ctx, chunk) => { (ctx.ext[EXT] as TapState | undefined)?.req?.add(chunk); };
      this.onResponseData = (ctx, chunk) => { (ctx.ext[EXT] as TapState | undefined)?.res?.add(chunk); };
    }
  }

  private tapStart(ctx: RequestContext): undefined {
    // Bodies are copied only for rules that may still match. A rule whose whole match is known now
    // ends the search: rules after it can never win. Its sample is decided now, so an unsampled
    // request copies nothing (rules before it that depend on the outcome may still win at the end).
    let max = 0;
    let presampled: TapState['presampled'];
    for (const r of this.rules) {
      if (!r.testRequest(ctx)) continue;
      if (!r.late) {
        const selected = r.sample >= 1 || this.random() < r.sample;
        presampled = { index: r.index, selected };
        if (selected && r.maxBodyBytes > max) max = r.maxBodyBytes;
        break;
      }
      if (r.maxBodyBytes > max) max = r.maxBodyBytes;
    }
    if (max > 0 || presampled) {
      const st: TapState = { req: max > 0 ? new BodyCapture(max) : null, res: max > 0 ? new BodyCapture(max) : null };
      if (presampled) st.presampled = presampled;
      ctx.ext[EXT] = st;
    }
    return undefined;
  }

  onComplete(ctx: RequestContext): void {
    try {
      const st = ctx.ext[EXT] as TapState | undefined;
      const rule = selectRule(this.rules, ctx, this.random, st?.presampled);
      if (!rule) return;
      const cap = (c: BodyCapture | null | undefined): BodyCapture | null => (c && rule.maxBodyBytes > 0 ? c.limited(rule.maxBodyBytes) : null);
      const reqBody = cap(st?.req);
      const resBody = cap(st?.res);
      if (reqBody?.truncated) this.truncated.inc();
      if (resBody?.truncated) this.truncated.inc();
      const rec = buildRecord({ ctx, rule: rule.index, headers: rule.headers, requestBody: reqBody, responseBody: resBody, redactor: this.redactor });
      this.mirrored.inc(this.ruleLabels[rule.index] ?? { rule: String(rule.index) });
      for (const s of this.sinksByRule.get(rule.index) ?? []) s.enqueue(rec);
    } catch (err) {
      this.failures.inc();
      this.bctx.logger.error({ requestId: ctx.requestId, err: { message: (err as Error).message } }, 'audit record failed');
    }
  }

  describe(): Record<string, unknown> {
    const sinks = new Set<SinkRunner>();
    for (const l of this.sinksByRule.values()) for (const s of l) sinks.add(s);
    return {
      rules: this.rules.map((r) => ({ index: r.index, sample: r.sample, sinks: r.sinks, headers: r.headers, maxBodyBytes: r.maxBodyBytes })),
      sinks: [...sinks].map((s) => ({ name: s.name, backlog: s.backlog, ...(s.sink.describe?.() ?? {}) })),
    };
  }
}

/** Checks what the JSON Schema cannot: unique sink names, rules naming known sinks, shadow routes that exist. */
export function checkAuditConfig(cfg: AuditConfig, bctx: Pick<FilterBuildContext, 'config' | 'configFile'>): void {
  const where = { file: bctx.configFile };
  const names = new Set<string>();
  for (const s of cfg.sinks) {
    if (names.has(s.name)) throw new UserInputError(where, `sink name ${s.name} is used twice`, 'audit.sinks');
    names.add(s.name);
    if (s.type === 'http-shadow') {
      const route = String(s['route']);
      if (!bctx.config.outbound?.routes.some((r) => r.host === route)) {
        throw new UserInputError(where, `http-shadow sink ${s.name}: no outbound route with host ${route}`, `audit.sinks[${s.name}].route`);
      }
    }
  }
  cfg.mirror.forEach((r, i) => {
    for (const n of r.sinks) if (!names.has(n)) throw new UserInputError(where, `unknown sink ${n}`, `audit.mirror[${i}].sinks`);
  });
}

export const mirrorFilterFactory: FilterFactory = {
  name: 'mirror',
  async build(bctx) {
    const cfg = bctx.config.audit;
    if (!cfg) return null;
    checkAuditConfig(cfg, bctx);
    const rules = compileRules(cfg.mirror, bctx.configFile);
    const shared = SharedSinks.of(bctx.shared);
    const env = { configFile: bctx.configFile, configDir: bctx.configDir, logger: bctx.logger, metrics: bctx.metrics };
    const used = new Set(cfg.mirror.flatMap((r) => r.sinks));
    const runners = new Map<string, SinkRunner>();
    // Registered by every build, not only the one that opened a sink: the sidecar keeps the hooks
    // of a snapshot only when the whole snapshot builds, and closeAll is idempotent.
    bctx.onShutdown(() => shared.closeAll());
    for (const s of cfg.sinks) {
      if (!used.has(s.name)) continue;
      const runner = await shared.get(s, env);
      if (runner.sink instanceof ShadowSink) runner.sink.setDispatcher(bctx.routeDispatcher(String(s['route'])));
      runners.set(s.name, runner);
    }
    const byRule = new Map<number, SinkRunner[]>();
    for (const r of rules) byRule.set(r.index, r.sinks.map((n) => runners.get(n)!));
    return new MirrorFilter(rules, byRule, createRedactor(cfg.redact), bctx);
  },
};
