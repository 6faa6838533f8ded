import type { ActionDef } from './types.js';
import { UserInputError } from '../../errors.js';
import { compileMacro, expandMacro } from '../macro.js';
import { need } from './need.js';
import { parseTargets } from '../seclang/variables-parser.js';

/** Per-transaction configuration changes (`ctl:ruleRemoveById=...`, `ctl:requestBodyProcessor=JSON`...). */
export const ctl: ActionDef = {
  name: 'ctl',
  kind: 'nondisruptive',
  apply(rule, value, ctx) {
    const spec = need('ctl', value, ctx);
    const eq = spec.indexOf('=');
    if (eq < 0) throw new UserInputError(ctx.where, `ctl: expected option=value, got "${spec}"`);
    const opt = spec.slice(0, eq).trim().toLowerCase();
    const arg = spec.slice(eq + 1).trim();
    switch (opt) {
      case 'ruleremovebyid': {
        const ranges = parseIdRanges(arg, ctx.where);
        rule.effects.push((tx) => tx.removeRulesById(ranges));
        return;
      }
      case 'ruleremovebytag': {
        const m = compileMacro(arg);
        rule.effects.push((tx) => tx.removeRulesByTag(expandMacro(m, tx)));
        return;
      }
      case 'ruleremovebymsg':
        rule.effects.push((tx) => tx.removeRulesByMsg(arg));
        return;
      case 'ruleremovetargetbyid':
      case 'ruleremovetargetbytag': {
        const semi = arg.indexOf(';');
        if (semi < 0) throw new UserInputError(ctx.where, `ctl:${opt}: expected ID;TARGET`);
        const which = arg.slice(0, semi);
        const targets = parseTargets(arg.slice(semi + 1));
        // one selector object per action: the transaction keys its removal signature on it
        const by = opt === 'ruleremovetargetbyid' ? { ids: parseIdRanges(which, ctx.where) } : { tag: which };
        rule.effects.push((tx) => tx.removeTargets(by, targets));
        return;
      }
      case 'ruleengine': {
        const v = arg.toLowerCase();
        const mode = v === 'on' ? 'on' : v === 'off' ? 'off' : v === 'detectiononly' ? 'detection' : undefined;
        if (!mode) throw new UserInputError(ctx.where, `ctl:ruleEngine: bad value "${arg}"`);
        rule.effects.push((tx) => { tx.ruleEngine = mode; });
        return;
      }
      case 'requestbodyprocessor': {
        const v = arg.toUpperCase();
        if (!['URLENCODED', 'MULTIPART', 'JSON', 'XML'].includes(v)) throw new UserInputError(ctx.where, `ctl:requestBodyProcessor: unknown "${arg}"`);
        rule.effects.push((tx) => { tx.bodyProcessor = v; tx.scalars.set('REQBODY_PROCESSOR', v); });
        return;
      }
      case 'requestbodyaccess': {
        const on = arg.toLowerCase() === 'on';
        rule.effects.push((tx) => { tx.requestBodyAccess = on; });
        return;
      }
      case 'forcerequestbodyvariable': {
        const on = arg.toLowerCase() === 'on';
        rule.effects.push((tx) => { tx.forceRequestBodyVariable = on; });
        return;
      }
      case 'responsebodyaccess': {
        const on = arg.toLowerCase() === 'on';
        rule.effects.push((tx) => { tx.responseBodyAccess = on; });
        return;
      }
      case 'auditengine':
      case 'auditlogparts':
      case 'debugloglevel':
      case 'requestbodylimit':
      case 'hashengine':
        return; // no audit log / debug log of our own: accepted and ignored
      default:
        throw new UserInputError(ctx.where, `ctl: unknown option "${opt}"`);
    }
  },
};

export type IdRange = readonly [number, number];

export function parseIdRanges(s: string, where: { file: string; line: number }): IdRange[] {
  const out: IdRange[] = [];
  for (const part of s.split(/[\s,]+/)) {
    if (part === '') continue;
    const dash = part.indexOf('-', 1);
    const a = Number(dash < 0 ? part : part.slice(0, dash));
    const b = dash < 0 ? a : Number(part.slice(dash + 1));
    if (!Number.isInteger(a) || !Number.isInteger(b)) throw new UserInputError(where, `bad rule id or range "${part}"`);
    out.push([a, b]);
  }
  return out;
}
