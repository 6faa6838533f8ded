import type { IncomingHttpHeaders } from 'node:http';

export const REDACTED = '[redacted]';

/** Headers whose values never leave the process, whatever the config says. */
export const DEFAULT_REDACTED_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];

export interface Redactor {
  headers(h: IncomingHttpHeaders | undefined): Record<string, string | string[]>;
  query(q: string): string;
  /** A JSON body with the configured fields replaced, or null when it cannot be parsed (then it must not leave whole). */
  jsonBody(text: string): string | null;
  readonly hasJsonFields: boolean;
}

/** `a.b.c`; `*` matches any key; arrays are walked through (a path applies to every element). */
function redactPath(value: unknown, parts: readonly string[], i: number): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const el of value) redactPath(el, parts, i);
    return;
  }
  const obj = value as Record<string, unknown>;
  const part = parts[i]!;
  const keys = part === '*' ? Object.keys(obj) : Object.prototype.hasOwnProperty.call(obj, part) ? [part] : [];
  for (const k of keys) {
    if (i === parts.length - 1) obj[k] = REDACTED;
    else redactPath(obj[k], parts, i + 1);
  }
}

export function createRedactor(cfg: { headers?: string[]; query?: string[]; jsonFields?: string[] } | undefined): Redactor {
  const headerSet = new Set([...DEFAULT_REDACTED_HEADERS, ...(cfg?.headers ?? []).map((h) => h.toLowerCase())]);
  const querySet = new Set(cfg?.query ?? []);
  const paths = (cfg?.jsonFields ?? []).map((p) => p.split('.').filter((x) => x.length > 0)).filter((p) => p.length > 0);
  return {
    hasJsonFields: paths.length > 0,
    headers(h) {
      const out: Record<string, string | string[]> = {};
      if (!h) return out;
      for (const [k, v] of Object.entries(h)) {
        if (v === undefined) continue;
        const name = k.toLowerCase();
        if (headerSet.has(name)) out[name] = Array.isArray(v) ? v.map(() => REDACTED) : REDACTED;
        else out[name] = v;
      }
      return out;
    },
    query(q) {
      if (querySet.size === 0 || q === '') return q;
      return q.split('&').map((pair) => {
        const eq = pair.indexOf('=');
        const rawName = eq < 0 ? pair : pair.slice(0, eq);
        let name = rawName;
        try { name = decodeURIComponent(rawName.replace(/\+/g, ' ')); } catch { /* keep raw: still compared */ }
        return querySet.has(name) || querySet.has(rawName) ? `${rawName}=${REDACTED}` : pair;
      }).join('&');
    },
    jsonBody(text) {
      if (paths.length === 0) return text;
      let doc: unknown;
      try { doc = JSON.parse(text); } catch { return null; }
      for (const p of paths) redactPath(doc, p, 0);
      return JSON.stringify(doc);
    },
  };
}

/** Whether a content type says JSON (`application/json`, `application/problem+json`, ...). */
export function isJsonContentType(ct: string | string[] | undefined): boolean {
  const v = (Array.isArray(ct) ? ct[0] : ct)?.toLowerCase() ?? '';
  const base = v.split(';')[0]!.trim();
  return base === 'application/json' || base.endsWith('+json');
}
