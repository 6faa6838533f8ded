import type { AuditRecord, CapturedBody, CapturedMessage } from './record.js';

/**
 * The JSON text of an audit record, byte for byte what `JSON.stringify(rec)` gives, at about half its
 * cost: a record's bytes are what its hash covers, so the text must not differ in any way, but most
 * of its members are known names with values that need no escaping (V8's generic stringifier looks
 * up and escapes every name and checks every character of every value).
 *
 * Each object is written from a template of its member names, after checking that it has exactly
 * those members in that order (a record back from the spool, or one a newer version wrote, may not):
 * anything else, or a value of another type, is left to JSON.stringify, so the result is exact for
 * any input.
 */

/** Characters JSON.stringify writes escaped: quote, backslash, controls, and any surrogate (a lone one is escaped). */
// eslint-disable-next-line no-control-regex -- the control characters are what is looked for
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Thrown inside when an object is not of the shape a template writes; caught once at the top. */
const NOT_THIS_SHAPE = Symbol('not this shape');

function str(v: unknown): string {
  if (typeof v === 'string') return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
  return any(v);
}

function num(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? `${v}` : 'null';
  return any(v);
}

function strOrNull(v: unknown): string {
  return v === null ? 'null' : str(v);
}

function numOrNull(v: unknown): string {
  return v === null ? 'null' : num(v);
}

/** Any other value: JSON.stringify's own text. A member it would leave out (undefined) has no template. */
function any(v: unknown): string {
  const s = JSON.stringify(v) as string | undefined;
  if (s === undefined) throw NOT_THIS_SHAPE;
  return s;
}

/** Whether `o` is a plain object whose own enumerable members are exactly `keys`, in that order. */
function hasKeys(o: unknown, keys: readonly string[]): o is Record<string, unknown> {
  if (typeof o !== 'object' || o === null || Array.isArray(o) || Object.getPrototypeOf(o) !== Object.prototype) return false;
  let i = 0;
  for (const k in o) if (k !== keys[i++]) return false;
  return i === keys.length;
}

const RECORD_KEYS = [
  'v', 'id', 'time', 'requestId', 'listener', 'rule', 'caller', 'identity', 'method', 'authority', 'path', 'query',
  'status', 'outcome', 'bytesIn', 'bytesOut', 'timings', 'route', 'upstream', 'rbac', 'waf', 'deniedBy', 'request', 'response',
] as const;
const CALLER_KEYS = ['spiffeId', 'certSha256'];
const TIMINGS_KEYS = ['totalMs', 'upstreamMs', 'firstByteMs'];
const RBAC_KEYS = ['decision', 'rule', 'policyVersion', 'mode', 'shadow'];
const RBAC_NO_SHADOW_KEYS = ['decision', 'rule', 'policyVersion', 'mode'];
const SHADOW_KEYS = ['decision', 'rule', 'policyVersion'];
const WAF_KEYS = ['mode', 'action', 'score', 'ruleIds'];
const BODY_KEYS = ['encoding', 'data', 'bytes', 'captured', 'truncated'];
const BODY_REDACTED_KEYS = ['encoding', 'data', 'bytes', 'captured', 'truncated', 'redacted'];

function caller(c: unknown): string {
  if (c === null) return 'null';
  if (!hasKeys(c, CALLER_KEYS)) return any(c);
  return `{"spiffeId":${str(c['spiffeId'])},"certSha256":${str(c['certSha256'])}}`;
}

function timings(t: unknown): string {
  if (!hasKeys(t, TIMINGS_KEYS)) return any(t);
  return `{"totalMs":${num(t['totalMs'])},"upstreamMs":${numOrNull(t['upstreamMs'])},"firstByteMs":${numOrNull(t['firstByteMs'])}}`;
}

function shadow(s: unknown): string {
  if (s === null) return 'null';
  if (!hasKeys(s, SHADOW_KEYS)) return any(s);
  return `{"decision":${str(s['decision'])},"rule":${strOrNull(s['rule'])},"policyVersion":${str(s['policyVersion'])}}`;
}

function rbac(r: unknown): string {
  if (r === null) return 'null';
  const withShadow = hasKeys(r, RBAC_KEYS);
  if (!withShadow && !hasKeys(r, RBAC_NO_SHADOW_KEYS)) return any(r);
  const head = `{"decision":${str(r['decision'])},"rule":${strOrNull(r['rule'])},"policyVersion":${str(r['policyVersion'])},"mode":${str(r['mode'])}`;
  return withShadow ? `${head},"shadow":${shadow(r['shadow'])}}` : `${head}}`;
}

function ruleIds(a: unknown): string {
  if (!Array.isArray(a)) return any(a);
  let out = '';
  for (let i = 0; i < a.length; i++) {
    const n: unknown = a[i];
    // Holes and non-numbers are rare enough to leave whole to JSON.stringify.
    if (typeof n !== 'number' || !(i in a)) return any(a);
    out += i === 0 ? num(n) : `,${num(n)}`;
  }
  return `[${out}]`;
}

function waf(w: unknown): string {
  if (w === null) return 'null';
  if (!hasKeys(w, WAF_KEYS)) return any(w);
  return `{"mode":${str(w['mode'])},"action":${str(w['action'])},"score":${num(w['score'])},"ruleIds":${ruleIds(w['ruleIds'])}}`;
}

function headers(h: unknown): string {
  if (typeof h !== 'object' || h === null || Array.isArray(h) || Object.getPrototypeOf(h) !== Object.prototype) return any(h);
  let out = '';
  const o = h as Record<string, unknown>;
  for (const k in o) {
    const v = o[k];
    let text: string;
    if (typeof v === 'string') text = str(v);
    else if (v === undefined) continue;
    else text = any(v);
    out += `${out === '' ? '' : ','}${str(k)}:${text}`;
  }
  return `{${out}}`;
}

function body(b: unknown): string {
  const redacted = hasKeys(b, BODY_REDACTED_KEYS);
  if (!redacted && !hasKeys(b, BODY_KEYS)) return any(b);
  const c = b as unknown as Record<keyof CapturedBody, unknown>;
  const head = `{"encoding":${str(c.encoding)},"data":${str(c.data)},"bytes":${num(c.bytes)},"captured":${num(c.captured)},"truncated":${any(c.truncated)}`;
  return redacted ? `${head},"redacted":${str(c.redacted)}}` : `${head}}`;
}

function message(m: unknown): string {
  if (typeof m !== 'object' || m === null || Array.isArray(m) || Object.getPrototypeOf(m) !== Object.prototype) return any(m);
  let out = '';
  const o = m as Record<keyof CapturedMessage | string, unknown>;
  for (const k in o) {
    const v = o[k];
    if (v === undefined) continue;
    const text = k === 'headers' ? headers(v) : k === 'body' ? body(v) : any(v);
    out += `${out === '' ? '' : ','}${str(k)}:${text}`;
  }
  return `{${out}}`;
}

/**
 * The record's JSON text without its closing brace (so that members can follow), exactly as
 * `JSON.stringify(rec).slice(0, -1)`.
 */
export function recordJsonOpen(rec: AuditRecord): string {
  const r = rec as unknown as Record<string, unknown>;
  if (hasKeys(r, RECORD_KEYS)) {
    try {
      return `{"v":${num(r['v'])},"id":${str(r['id'])},"time":${str(r['time'])},"requestId":${str(r['requestId'])},"listener":${str(r['listener'])},"rule":${num(r['rule'])}`
        + `,"caller":${caller(r['caller'])},"identity":${str(r['identity'])},"method":${str(r['method'])},"authority":${str(r['authority'])}`
        + `,"path":${str(r['path'])},"query":${str(r['query'])},"status":${num(r['status'])},"outcome":${str(r['outcome'])}`
        + `,"bytesIn":${num(r['bytesIn'])},"bytesOut":${num(r['bytesOut'])},"timings":${timings(r['timings'])}`
        + `,"route":${strOrNull(r['route'])},"upstream":${strOrNull(r['upstream'])},"rbac":${rbac(r['rbac'])},"waf":${waf(r['waf'])}`
        + `,"deniedBy":${strOrNull(r['deniedBy'])},"request":${message(r['request'])},"response":${message(r['response'])}`;
    } catch (err) {
      if (err !== NOT_THIS_SHAPE) throw err;
    }
  }
  return JSON.stringify(rec).slice(0, -1);
}

/** The record's JSON text, exactly as `JSON.stringify(rec)`. */
export function recordJson(rec: AuditRecord): string {
  return `${recordJsonOpen(rec)}}`;
}
