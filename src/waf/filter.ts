import type { FilterFactory } from '../proxy/filter.js';

// Placeholder until the waf filter lands: a config with this section is refused at startup (fail closed).
export const wafFilterFactory: FilterFactory = {
  name: 'waf',
  async build(bctx) {
    if (!(bctx.config as unknown as Record<string, unknown>)['waf']) return null;
    throw new Error('waf: this build of meshguard has no waf filter yet');
  },
};
