import type { OperatorDef } from './types.js';
import type { OperatorFn } from '../types.js';
import { compileRegex, re2Subject } from '../regex.js';
import { withMacros } from './with-macros.js';

export const rx: OperatorDef = {
  name: 'rx',
  compile(param) {
    return withMacros(param, (p) => {
      const re = compileRegex(p);
      const fn: OperatorFn = (tx, value, capture) => {
        if (!capture) return re.test(re2Subject(value));
        const m = re.exec(value);
        if (!m) return false;
        for (let i = 0; i < 10 && i < m.length; i++) tx.setCapture(i, m[i] ?? '');
        return true;
      };
      fn.pattern = p;
      return fn;
    });
  },
};
