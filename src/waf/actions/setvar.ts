import type { ActionDef } from './types.js';
import { UserInputError } from '../../errors.js';
import { compileMacro, expandMacro } from '../macro.js';
import { need } from './need.js';

/**
 * `setvar:tx.name=value`, `=+n` / `=-n` (arithmetic), `!tx.name` (delete), `tx.name` (set to 1).
 * Name and value may hold macros, e.g. `tx.%{rule.id}-x=%{MATCHED_VAR}`.
 */
export const setvar: ActionDef = {
  name: 'setvar',
  kind: 'nondisruptive',
  apply(rule, value, ctx) {
    let spec = need('setvar', value, ctx).trim();
    let del = false;
    if (spec.startsWith('!')) { del = true; spec = spec.slice(1); }
    const eq = spec.indexOf('=');
    const lhs = eq < 0 ? spec : spec.slice(0, eq);
    let rhs = eq < 0 ? '1' : spec.slice(eq + 1);
    const dot = lhs.indexOf('.');
    if (dot <= 0) throw new UserInputError(ctx.where, `setvar: expected collection.name, got "${lhs}"`);
    const collection = lhs.slice(0, dot).toUpperCase();
    const key = compileMacro(lhs.slice(dot + 1));
    let op: '=' | '+' | '-' = '=';
    if (rhs.startsWith('+')) { op = '+'; rhs = rhs.slice(1); }
    else if (rhs.startsWith('-')) { op = '-'; rhs = rhs.slice(1); }
    const val = compileMacro(rhs);
    rule.writes.push({ collection, key, value: val });
    // a constant name is lower-cased once here, not on every run
    const constKey = key.constant ? key.text.toLowerCase() : undefined;
    rule.effects.push((tx) => {
      const k = constKey ?? expandMacro(key, tx).toLowerCase();
      if (del) { tx.deleteVar(collection, k); return; }
      const v = expandMacro(val, tx);
      if (op === '=') { tx.setVar(collection, k, v); return; }
      const cur = Number.parseInt(tx.getVar(collection, k) ?? '0', 10) || 0;
      const d = Number.parseInt(v, 10) || 0;
      tx.setVar(collection, k, String(op === '+' ? cur + d : cur - d));
    });
  },
};
