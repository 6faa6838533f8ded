import type { ActionDef } from './types.js';
import { compileMacro } from '../macro.js';
export const msg: ActionDef = { name: 'msg', kind: 'metadata', apply(rule, value) { rule.msg = compileMacro(value ?? ''); } };
