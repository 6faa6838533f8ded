/** Config keys whose values are secrets or point at them; /config_dump shows `[redacted]`. */
const SECRET_KEY = /(^key$|key$|Key$|token|secret|password|pin)/i;

export function redactConfig(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactConfig);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && (typeof v === 'string' || typeof v === 'number') ? '[redacted]' : redactConfig(v);
    return out;
  }
  return value;
}
