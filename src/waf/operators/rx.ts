import type { OperatorDef } from './types.js';
import type { OperatorFn } from '../types.js';
import { compileRegex, lazyRegex, pcreSpaceToRe2, re2Subject } from '../regex.js';
import { compileMacro } from '../macro.js';
import { withMacros } from './with-macros.js';

export const rx: OperatorDef = {
  name: 'rx',
  compile(param) {
    // a constant pattern is bound at load (built on first use); one with macros when expanded
    const atLoad = compileMacro(param).constant;
    return withMacros(param, (p) => {
      const eager = atLoad ? undefined : compileRegex(p);
      const get = eager ? () => eager : lazyRegex(pcreSpaceToRe2(p));
      const fn: OperatorFn = (tx, value, capture) => {
        const re = get();
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
