import { randomUUID } from 'node:crypto';

/**
 * Keeps a caller's request id when it is a plain token (so one id follows a call across both
 * sidecars), otherwise makes a new one: an id ends up in logs and audit records, so it must not
 * carry anything that could forge a log line.
 */
export function requestIdFrom(value: string | string[] | undefined): string {
  if (typeof value === 'string' && value.length > 0 && value.length <= 64) {
    let ok = true;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95 || c === 46)) {
        ok = false;
        break;
      }
    }
    if (ok) return value;
  }
  return randomUUID();
}
