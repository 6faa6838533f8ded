import type { ActionDef } from './types.js';
/** `allow` ends all rule processing for the request; `allow:phase` the current phase; `allow:request` the request phases. */
export const allow: ActionDef = {
  name: 'allow',
  kind: 'disruptive',
  apply(rule, value) {
    rule.disruptive = 'allow';
    const v = (value ?? '').toLowerCase();
    rule.allowScope = v === 'phase' ? 'phase' : v === 'request' ? 'request' : 'all';
  },
};
