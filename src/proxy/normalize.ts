/**
 * Path normalization, done once per request and used by everything that looks at the path (RBAC,
 * WAF exclusions, mirror rules, `policy explain`) and by what goes upstream, so the app acts on the
 * very path that was authorized:
 *   - percent-encodings of unreserved characters (RFC 3986 §2.3) are decoded; others are kept with
 *     upper-case hex, so `/%61dmin` and `/admin` are one path;
 *   - an encoded `/` or `\` (`%2F`, `%5C`), an encoded NUL, a malformed `%`, a control character or a
 *     fragment is refused: each is a way to make the proxy and the app disagree on the path;
 *   - runs of `/` become one; `.` and `..` segments are resolved (RFC 3986 §5.2.4), never above root.
 */
export type NormalizeResult = { ok: true; path: string } | { ok: false; reason: string };

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function isUnreserved(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95 || c === 126;
}

const HEX = '0123456789ABCDEF';

export function normalizePath(raw: string): NormalizeResult {
  if (raw.length === 0 || raw.charCodeAt(0) !== 47) return { ok: false, reason: 'path must start with /' };
  // Fast path: a plain path with nothing to decode or collapse is returned as is.
  let plain = true;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 37 || c < 33 || c === 127 || c === 35 || (c === 47 && (raw.charCodeAt(i + 1) === 47 || raw.charCodeAt(i + 1) === 46)) || (c === 46 && i > 0 && raw.charCodeAt(i - 1) === 47)) {
      plain = false;
      break;
    }
  }
  if (plain) return { ok: true, path: raw };

  let decoded = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 33 || c === 127) return { ok: false, reason: 'control character or space in path' };
    if (c === 35) return { ok: false, reason: 'fragment in request target' };
    if (c !== 37) {
      decoded += raw[i];
      continue;
    }
    const h = hexVal(raw.charCodeAt(i + 1));
    const l = hexVal(raw.charCodeAt(i + 2));
    if (h < 0 || l < 0) return { ok: false, reason: 'malformed percent-encoding in path' };
    const byte = h * 16 + l;
    if (byte === 0) return { ok: false, reason: 'encoded NUL in path' };
    if (byte === 0x2f || byte === 0x5c) return { ok: false, reason: 'encoded slash or backslash in path' };
    decoded += isUnreserved(byte) ? String.fromCharCode(byte) : `%${HEX[h]}${HEX[l]}`;
    i += 2;
  }

  const segments = decoded.split('/');
  const out: string[] = [];
  // segments[0] is the empty string before the leading slash.
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    if (seg === '' && !last) continue; // duplicate slash
    if (seg === '.') {
      if (last) out.push('');
      continue;
    }
    if (seg === '..') {
      out.pop();
      if (last) out.push('');
      continue;
    }
    out.push(seg);
  }
  return { ok: true, path: '/' + out.join('/') };
}

/** Splits a request target into its path and raw query (without `?`). */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}
