import type { ActionDef } from './types.js';
const LEVELS = ['EMERGENCY', 'ALERT', 'CRITICAL', 'ERROR', 'WARNING', 'NOTICE', 'INFO', 'DEBUG'];
export const severity: ActionDef = {
  name: 'severity',
  kind: 'metadata',
  apply(rule, value) {
    const v = (value ?? '').toUpperCase();
    const n = Number(v);
    rule.severity = Number.isInteger(n) && LEVELS[n] ? LEVELS[n] : v;
  },
};
