import { isUtf8 } from 'node:buffer';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestContext } from '../proxy/context.js';
import type { AuditRecord, CapturedBody, CapturedMessage } from './record.js';
import { RECORD_VERSION } from './record.js';
import type { BodyCapture } from './capture.js';
import { isJsonContentType, REDACTED, type Redactor } from './redact.js';
import { isoTime } from './iso-time.js';
import { newRequestId } from '../proxy/request-id.js';

function isFormContentType(ct: string | string[] | undefined): boolean {
  const v = (Array.isArray(ct) ? ct[0] : ct)?.toLowerCase() ?? '';
  return v.split(';')[0]!.trim() === 'application/x-www-form-urlencoded';
}

/** A captured body as it may leave the process: redacted, then UTF-8 text or base64. */
export function encodeBody(cap: BodyCapture, contentType: string | string[] | undefined, redactor: Redactor): CapturedBody {
  const raw = cap.bytes();
  const base = { bytes: cap.total, captured: raw.length, truncated: cap.truncated };
  if (redactor.hasJsonFields && isJsonContentType(contentType)) {
    const text = isUtf8(raw) ? raw.toString('utf8') : null;
    const out = text === null ? null : redactor.jsonBody(text);
    // A body we cannot parse (cut short, or not JSON after all) could hide a configured field: withhold it.
    if (out === null) return { encoding: 'utf8', data: REDACTED, ...base, redacted: 'unparseable' };
    return { encoding: 'utf8', data: out, ...base };
  }
  if (isFormContentType(contentType) && isUtf8(raw)) {
    return { encoding: 'utf8', data: redactor.query(raw.toString('utf8')), ...base };
  }
  if (isUtf8(raw)) return { encoding: 'utf8', data: raw.toString('utf8'), ...base };
  return { encoding: 'base64', data: raw.toString('base64'), ...base };
}

export interface RecordInput {
  ctx: RequestContext;
  rule: number;
  headers: boolean;
  requestBody: BodyCapture | null;
  responseBody: BodyCapture | null;
  redactor: Redactor;
  /** Date.now() at the end, to turn monotonic marks into wall-clock time. */
  nowMs?: number;
}

function ms(from: bigint, to: bigint): number | null {
  if (from === 0n || to === 0n) return null;
  return Math.round(Number(to - from) / 1e3) / 1e3;
}

function message(headers: IncomingHttpHeaders | undefined, body: BodyCapture | null, withHeaders: boolean, redactor: Redactor): CapturedMessage {
  const m: CapturedMessage = {};
  if (withHeaders) m.headers = redactor.headers(headers);
  if (body && body.total > 0) m.body = encodeBody(body, headers?.['content-type'], redactor);
  return m;
}

/** The audit record of one exchange (without chain fields: each sink chains its own copy). */
export function buildRecord(i: RecordInput): AuditRecord {
  const { ctx, redactor } = i;
  const end = ctx.endNs || process.hrtime.bigint();
  const totalMs = Number(end - ctx.startNs) / 1e6;
  const now = i.nowMs ?? Date.now();
  const rbac = ctx.rbac;
  const waf = ctx.waf;
  return {
    v: RECORD_VERSION,
    // A v4 UUID like crypto.randomUUID's, from a pooled CSPRNG batch and without its concatenation garbage.
    id: newRequestId(),
    time: isoTime(now - totalMs),
    requestId: ctx.requestId,
    listener: ctx.listener,
    rule: i.rule,
    caller: ctx.peer ? { spiffeId: ctx.peer.spiffeId, certSha256: ctx.peer.certSha256 } : null,
    identity: ctx.ourIdentity,
    method: ctx.method,
    authority: ctx.authority,
    path: ctx.path,
    query: redactor.query(ctx.query),
    status: ctx.status,
    outcome: ctx.outcome,
    bytesIn: ctx.bytesIn,
    bytesOut: ctx.bytesOut,
    timings: {
      totalMs: Math.round(totalMs * 1000) / 1000,
      upstreamMs: ms(ctx.upstreamStartNs, ctx.responseStartNs || end),
      firstByteMs: ms(ctx.startNs, ctx.responseStartNs),
    },
    route: ctx.route?.name ?? null,
    upstream: ctx.upstream ?? null,
    rbac: rbac
      ? {
          decision: rbac.decision,
          rule: rbac.rule,
          policyVersion: rbac.policyVersion,
          mode: rbac.mode,
          shadow: rbac.shadow ? { decision: rbac.shadow.decision, rule: rbac.shadow.rule, policyVersion: rbac.shadow.policyVersion } : null,
        }
      : null,
    waf: waf ? { mode: waf.mode, action: waf.action, score: waf.score, ruleIds: [...waf.ruleIds] } : null,
    deniedBy: ctx.deniedBy ?? null,
    request: message(ctx.req.headers, i.requestBody, i.headers, redactor),
    response: message(ctx.responseHeaders, i.responseBody, i.headers, redactor),
  };
}
