/**
 * Durations in config are either a number of seconds or a string with a unit: `250ms`, `30s`,
 * `5m`, `1h`, `1d`. One parser for every key, so `ttl: 1h` and `drainTimeout: 10s` read the same way.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$';

export function parseDurationMs(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new Error(`invalid duration ${value}`);
    return Math.round(value * 1000);
  }
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new Error(`invalid duration "${value}" (expected e.g. 500ms, 30s, 5m, 1h)`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}

/** JSON Schema fragment for a duration key. */
export const durationSchema = {
  anyOf: [
    { type: 'number', minimum: 0 },
    { type: 'string', pattern: DURATION_PATTERN },
  ],
} as const;
