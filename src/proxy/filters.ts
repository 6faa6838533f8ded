import type { FilterFactory } from './filter.js';
import { rbacFilterFactory } from '../rbac/filter.js';
import { wafFilterFactory } from '../waf/filter.js';
import { mirrorFilterFactory } from '../audit/filter.js';

/** The chain, in order: authorization first, then inspection, then the mirror tap that records both. */
export const filterFactories: readonly FilterFactory[] = [rbacFilterFactory, wafFilterFactory, mirrorFilterFactory];
