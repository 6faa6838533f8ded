import type { ActionDef } from './types.js';
/**
 * Persistent collections (IP, SESSION...) live only for the transaction here: the sidecar keeps no
 * cross-request store, so `initcol` just makes the collection exist.
 */
export const initcol: ActionDef = {
  name: 'initcol',
  kind: 'nondisruptive',
  apply(rule, value) {
    const name = (value ?? '').split('=')[0]!.trim().toUpperCase();
    rule.effects.push((tx) => tx.ensureCollection(name));
  },
};
