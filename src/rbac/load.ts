import type { Logger } from '../log.js';
import { UserInputError } from '../errors.js';
import { CasbinEvaluator } from './casbin-fallback.js';
import { CompiledEvaluator } from './compiled.js';
import { effectKind, type Evaluator } from './evaluator.js';
import { MatcherCache } from './key-match.js';
import { InvalidMatcher, parseMatcher, UnsupportedMatcher } from './matcher.js';
import { RoleGraph } from './roles.js';
import { loadPolicySource, modelLineOf, type PolicySource } from './source.js';

export interface LoadOptions {
  model: string;
  policy: string;
  /** How files are named in `file:line` (default: the paths as given). */
  displayModel?: string;
  displayPolicy?: string;
  logger?: Logger;
}

/** Why a model is left to casbin's enforcer, or undefined when the compiled evaluator takes it. */
export interface BuiltEvaluator {
  evaluator: Evaluator;
  fallbackReason?: string;
  roles: ReadonlyMap<string, RoleGraph>;
}

function modelError(src: PolicySource, key: string, message: string): UserInputError {
  const line = modelLineOf(src.modelText, key);
  return new UserInputError(line ? { file: src.modelFile, line } : { file: src.modelFile }, message);
}

/**
 * Builds the evaluator for a loaded policy: the compiled one when the model is in its family
 * (see docs/rbac.md), casbin's own otherwise. Role cycles and depth are checked either way.
 * Throws UserInputError (file:line) on anything invalid; never returns a half-built evaluator.
 */
export async function buildEvaluator(src: PolicySource, logger?: Logger): Promise<BuiltEvaluator> {
  const model = src.model.model;
  const roles = new Map<string, RoleGraph>();
  let fallbackReason: string | undefined;
  for (const [key, ast] of model.get('g') ?? new Map()) {
    const arity = String(ast.value).split(',').length;
    if (arity === 2) roles.set(key, new RoleGraph(key, src.groupings));
    else fallbackReason ??= `role definition ${key} has ${arity} fields (domains)`;
  }
  const rtokens = src.rtokens.get('r');
  const ptokens = src.ptokens.get('p');
  if (!rtokens) throw new UserInputError({ file: src.modelFile }, 'model has no request_definition "r"');
  if (!ptokens) throw new UserInputError({ file: src.modelFile }, 'model has no policy_definition "p"');
  const matcherText: string | undefined = model.get('m')?.get('m')?.value;
  const effectText: string | undefined = model.get('e')?.get('e')?.value;
  if (!matcherText) throw new UserInputError({ file: src.modelFile }, 'model has no matcher "m"');
  if (!effectText) throw new UserInputError({ file: src.modelFile }, 'model has no policy_effect "e"');

  const effect = effectKind(effectText);
  if (!effect) fallbackReason ??= `policy effect "${effectText}"`;
  if (ptokens.includes('priority')) fallbackReason ??= 'priority field (casbin reorders rules by it)';

  if (!fallbackReason) {
    try {
      const expr = parseMatcher(matcherText, { rtokens, ptokens, roleFunctions: new Set(roles.keys()) });
      const evaluator = new CompiledEvaluator(src, expr, matcherText, effect!, { roles, matchers: new MatcherCache() });
      return { evaluator, roles };
    } catch (err) {
      if (err instanceof InvalidMatcher) throw modelError(src, 'm', `invalid matcher: ${err.message}`);
      if (!(err instanceof UnsupportedMatcher)) throw err;
      fallbackReason = `matcher uses ${err.message}`;
    }
  } else {
    // Still refuse names casbin would only fail on at request time.
    try {
      parseMatcher(matcherText, { rtokens, ptokens, roleFunctions: new Set(model.get('g')?.keys() ?? []) });
    } catch (err) {
      if (err instanceof InvalidMatcher) throw modelError(src, 'm', `invalid matcher: ${err.message}`);
    }
  }

  const evaluator = await CasbinEvaluator.create(src);
  try {
    evaluator.decide(rtokens.map(() => 'meshguard-load-check'));
  } catch (err) {
    throw modelError(src, effect ? 'm' : 'e', `casbin cannot evaluate this model: ${(err as Error).message}`);
  }
  logger?.warn({ model: src.modelFile, reason: fallbackReason }, 'rbac: model outside the compiled family; using casbin\'s enforcer (every request scans every rule)');
  return { evaluator, fallbackReason, roles };
}

/** Reads, validates and compiles a model and policy file pair. */
export async function loadEvaluator(opts: LoadOptions): Promise<BuiltEvaluator> {
  const src = loadPolicySource({
    modelFile: opts.model,
    policyFile: opts.policy,
    ...(opts.displayModel ? { displayModel: opts.displayModel } : {}),
    ...(opts.displayPolicy ? { displayPolicy: opts.displayPolicy } : {}),
  });
  return buildEvaluator(src, opts.logger);
}
