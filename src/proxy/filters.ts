import type { FilterFactory } from './filter.js';
import type { MeshguardConfig } from '../config/types.js';

/**
 * A factory whose module is loaded only when its config section is present: a sidecar without a WAF
 * never loads the SecLang engine, RE2 or CRS machinery, one without RBAC never loads casbin
 * (tens of MB of RSS between them, measured).
 */
function lazy(name: string, present: (c: MeshguardConfig) => boolean, load: () => Promise<FilterFactory>): FilterFactory {
  return {
    name,
    async build(bctx) {
      if (!present(bctx.config)) return null;
      return (await load()).build(bctx);
    },
  };
}

/** The chain, in order: authorization first, then inspection, then the mirror tap that records both. */
export const filterFactories: readonly FilterFactory[] = [
  lazy('rbac', (c) => c.rbac !== undefined, async () => (await import('../rbac/filter.js')).rbacFilterFactory),
  lazy('waf', (c) => c.waf !== undefined, async () => (await import('../waf/filter.js')).wafFilterFactory),
  lazy('mirror', (c) => c.audit !== undefined, async () => (await import('../audit/filter.js')).mirrorFilterFactory),
];
