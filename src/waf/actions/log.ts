import type { ActionDef } from './types.js';
export const log: ActionDef = { name: 'log', kind: 'nondisruptive', apply(rule) { rule.log = true; } };
export const nolog: ActionDef = { name: 'nolog', kind: 'nondisruptive', apply(rule) { rule.log = false; } };
export const auditlog: ActionDef = { name: 'auditlog', kind: 'nondisruptive', apply() {} };
export const noauditlog: ActionDef = { name: 'noauditlog', kind: 'nondisruptive', apply() {} };
