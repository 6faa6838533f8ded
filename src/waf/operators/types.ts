import type { OperatorFn, Where } from '../types.js';

export interface OperatorCompileContext {
  where: Where;
  /** Directory of the rule file: @pmFromFile and friends resolve against it. */
  dir: string;
}

/** One SecLang operator: `@name param` turned into a matcher at load time. */
export interface OperatorDef {
  name: string;
  compile(param: string, ctx: OperatorCompileContext): OperatorFn;
}
