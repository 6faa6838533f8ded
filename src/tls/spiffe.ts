/**
 * SPIFFE ID syntax (SPIFFE ID spec §2): `spiffe://<trust-domain>/<path>`; the trust domain is
 * lower-case letters, digits, `.`, `-`, `_`; path segments are non-empty, not `.` or `..`, and use
 * letters, digits, `.`, `-`, `_`. No query, fragment, port or user info.
 */
export interface SpiffeId {
  trustDomain: string;
  path: string;
}

function isTdChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 95;
}

function isPathChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 95;
}

export function parseSpiffeId(id: string): SpiffeId | { error: string } {
  const prefix = 'spiffe://';
  if (!id.startsWith(prefix)) return { error: 'scheme is not spiffe' };
  const rest = id.slice(prefix.length);
  const slash = rest.indexOf('/');
  const td = slash < 0 ? rest : rest.slice(0, slash);
  if (td.length === 0) return { error: 'empty trust domain' };
  for (let i = 0; i < td.length; i++) if (!isTdChar(td.charCodeAt(i))) return { error: 'invalid character in trust domain' };
  if (slash < 0) return { error: 'no path (a workload SVID needs one)' };
  const path = rest.slice(slash);
  const segments = path.split('/').slice(1);
  for (const seg of segments) {
    if (seg.length === 0) return { error: 'empty path segment' };
    if (seg === '.' || seg === '..') return { error: 'dot segment in path' };
    for (let i = 0; i < seg.length; i++) if (!isPathChar(seg.charCodeAt(i))) return { error: 'invalid character in path' };
  }
  return { trustDomain: td, path };
}

export function isSpiffeId(id: string): boolean {
  return !('error' in parseSpiffeId(id));
}
