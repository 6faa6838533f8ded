import type { OperatorFn } from '../types.js';
import { compileMacro, expandMacro } from '../macro.js';

/**
 * Operators whose parameter may hold `%{...}`: a constant parameter is bound once; otherwise it is
 * expanded per call and the bound matcher cached by the expanded text.
 */
export function withMacros(param: string, bind: (p: string) => OperatorFn): OperatorFn {
  const m = compileMacro(param);
  if (m.constant) return bind(param);
  const cache = new Map<string, OperatorFn>();
  return (tx, value, capture) => {
    const p = expandMacro(m, tx);
    let fn = cache.get(p);
    if (!fn) {
      fn = bind(p);
      if (cache.size > 256) cache.clear();
      cache.set(p, fn);
    }
    return fn(tx, value, capture);
  };
}
