import type { FilterFactory } from '../proxy/filter.js';

// Placeholder until the rbac filter lands: a config with this section is refused at startup (fail closed).
export const rbacFilterFactory: FilterFactory = {
  name: 'rbac',
  async build(bctx) {
    if (!(bctx.config as unknown as Record<string, unknown>)['rbac']) return null;
    throw new Error('rbac: this build of meshguard has no rbac filter yet');
  },
};
