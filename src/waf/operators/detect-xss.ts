import type { OperatorDef } from './types.js';
import { loadDetector } from './load-detector.js';

type XssFn = (input: string) => boolean;
const detect = await loadDetector<XssFn>('xss', 'detectXSS');

export const detectXSS: OperatorDef = {
  name: 'detectXSS',
  compile: () => (_tx, v) => (detect ? detect(v) : false),
};
