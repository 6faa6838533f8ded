import type { ActionDef } from './types.js';
import { compileMacro } from '../macro.js';
export const logdata: ActionDef = { name: 'logdata', kind: 'nondisruptive', apply(rule, value) { rule.logdata = compileMacro(value ?? ''); } };
