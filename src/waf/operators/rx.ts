import type { OperatorDef } from './types.js';
import type { OperatorFn } from '../types.js';
import { compileRegex, lazyRegex, pcreSpaceToRe2, re2Subject } from '../regex.js';
import { compileMacro } from '../macro.js';
import { withMacros } from './with-macros.js';
import { recall, remember, applyCaptures } from './regex-memo.js';

export const rx: OperatorDef = {
  name: 'rx',
  compile(param) {
    // a constant pattern is bound at load (built on first use); one with macros when expanded
    const atLoad = compileMacro(param).constant;
    return withMacros(param, (p) => {
      const eager = atLoad ? undefined : compileRegex(p);
      const get = eager ? () => eager : lazyRegex(pcreSpaceToRe2(p));
      const fn: OperatorFn = (tx, value, capture) => {
        const known = recall(fn, value);
        if (known !== undefined && (!capture || known !== true)) {
          if (typeof known === 'boolean') return known;
          if (capture) applyCaptures(tx, known);
          return true;
        }
        const re = get();
        if (!capture) {
          const r = re.test(re2Subject(value));
          remember(fn, value, r);
          return r;
        }
        const m = re.exec(value);
        if (!m) {
          remember(fn, value, false);
          return false;
        }
        const caps: string[] = [];
        for (let i = 0; i < 10 && i < m.length; i++) caps.push(m[i] ?? '');
        remember(fn, value, caps);
        applyCaptures(tx, caps);
        return true;
      };
      fn.pattern = p;
      return fn;
    });
  },
};
