import type { KeyMatcher } from './key-selector.js';
import type { Transaction } from './transaction.js';
import type { Macro } from './macro.js';
import type { PrefilterRef } from './prefilter.js';
import type { FrozenCollection } from './collection.js';

export type Phase = 1 | 2 | 3 | 4 | 5;

/** Where a rule, action or target was written; every load error names it. */
export interface Where {
  file: string;
  line: number;
}

/** A variable a rule can inspect: one value (scalar) or key/value entries (collection). */
export interface VariableDef {
  readonly name: string;
  readonly collection: boolean;
  /** Entries of a collection, or the single value of a scalar as one entry (none when absent). */
  entries(tx: Transaction): readonly Entry[];
  /** Entries under one lower-case key, without scanning (plain collections). */
  lookup?(tx: Transaction, lkey: string): readonly Entry[];
  /** Entries whose key a `/regex/` selector accepts, without testing each key again (plain collections). */
  select?(tx: Transaction, m: KeyMatcher): readonly Entry[];
}

export interface Entry {
  /** The key as written in the request (collections) or '' for scalars. */
  key: string;
  value: string;
}

/** A resolved target value ready for transformation + operator. */
export interface TargetValue {
  /** Variable name (`ARGS`); with `key` it makes MATCHED_VAR_NAME (`ARGS:foo`), built only on a match. */
  vname: string;
  /** The variable is a collection: its values are named `VAR:key`. */
  keyed: boolean;
  key: string;
  value: string;
}

/** What MATCHED_VAR_NAME reports for a value. */
export function targetName(tv: TargetValue): string {
  return tv.keyed ? `${tv.vname}:${tv.key}` : tv.vname;
}

export interface KeyFilter {
  /** Lower-case exact key. */
  key?: string;
  keyRx?: KeyMatcher;
}

export interface Target extends KeyFilter {
  variable: VariableDef;
  count: boolean;
  /** XPath text for XML targets. */
  xpath?: string;
}

export interface OperatorFn {
  (tx: Transaction, value: string, capture: boolean): boolean;
  /** An RE2 pattern (same flags as compileRegex) that matches exactly when this operator does: lets the prefilter group it. */
  pattern?: string;
  /**
   * True only if the operator matches none of the values that were joined by `\n` into `joined`
   * (it may say false when unsure). Lets a rule with many values be ruled out with one pass.
   */
  noneCanMatch?: (joined: string) => boolean;
}

export interface CompiledOperator {
  name: string;
  param: string;
  negated: boolean;
  fn: OperatorFn;
}

export type TransformFn = (input: string) => string;

export interface Transformation {
  name: string;
  fn: TransformFn;
  /**
   * Applied to values joined by `\n` it gives the join of the per-value results: it works byte by
   * byte or on escapes that a `\n` cannot be part of, and leaves `\n` alone. The prefilter then
   * transforms a whole target list in one call.
   */
  joinSafe?: boolean;
  /** Join-safe only for joined strings this predicate accepts (e.g. no backslash at all). */
  joinSafeFor?: (joined: string) => boolean;
  /**
   * How a change can alter the length: never longer (`nonGrowing`: decoders, case changes) or never
   * shorter (`nonShrinking`). For a join-safe step this makes "the joined string came out equal"
   * prove that every value came out equal: the lengths add up only if none changed, and with
   * equal lengths the values line up with their old places.
   */
  length?: 'nonGrowing' | 'nonShrinking';
}

export type Disruptive = 'pass' | 'deny' | 'drop' | 'block' | 'allow' | 'redirect';

/** Runs when a rule (its whole chain) matched: setvar, ctl, initcol... */
export type Effect = (tx: Transaction, rule: Rule) => void;

export interface Rule {
  id: number;
  phase: Phase;
  where: Where;
  /** Undefined for SecAction (matches unconditionally). */
  targets: Target[];
  /** Exclusions by upper-case variable name (`!ARGS:foo`). */
  exclusions: Map<string, KeyFilter[]>;
  op: CompiledOperator | undefined;
  transforms: Transformation[];
  /** Joined transformation names: the key of the per-transaction transformation cache. */
  tkey: string;
  /** tkey of each prefix of the chain (the last one is tkey itself). */
  tprefixes: string[];
  multiMatch: boolean;
  capture: boolean;
  chain: Rule | undefined;
  /** The first rule of the chain this rule belongs to (itself for a chain starter). */
  starter: Rule | undefined;
  chained: boolean;
  disruptive: Disruptive | undefined;
  status: number | undefined;
  /** undefined: take the phase's SecDefaultAction. */
  log: boolean | undefined;
  msg: Macro | undefined;
  logdata: Macro | undefined;
  severity: string | undefined;
  tags: string[];
  ver: string | undefined;
  effects: Effect[];
  skipAfter: string | undefined;
  skip: number;
  allowScope: 'all' | 'phase' | 'request' | undefined;
  /** Targets and exclusions as text: rules with the same one select the same values. */
  targetSig: string;
  /** Cache keys built once at load: transformed+joined values, and the prefilter union. */
  joinKey: string;
  unionKey: string;
  /** The prefilter must read exactly the rule's values (counting targets), not the superset. */
  prefilterExact: boolean;
  /** Target set as the prefilter reads it (no exclusions, any order). */
  psig: string;
  /**
   * The targets the prefilter reads for this rule: its own, or for a starter in a Set group the
   * union of the whole group's starters' targets (one scan per group instead of one per target set).
   */
  ptargets: Target[];
  /**
   * Per-phase cache keys: stageKeys[k] names the prefilter values after the first k
   * transformations (k = 0: untransformed); narrowKey names the rule's joined transformed values.
   */
  stageKeys: string[];
  narrowKey: string;
  /** The same keys (and targetSig) as small integers: slots of the rule set's phase caches. */
  stageIds: number[];
  joinId: number;
  unionId: number;
  selId: number;
  /** This rule's (or chain link's) place among its rule set's links: a slot in per-rule arrays. */
  index: number;
  /** Every transformation is joinSafe (and no multiMatch): the prefilter transforms the joined values. */
  joinSafe: boolean;
  /** The selected values do not change within a phase (no TX, MATCHED_*, ...): they may be cached. */
  stableTargets: boolean;
  /** Index of the SecMarker section the rule sits in: rules a skipAfter jumps over together share one. */
  section: number;
  /** Set by the prefilter builder: this link's pattern is in an RE2.Set group. */
  prefilter?: PrefilterRef;
  /** What the rule's setvar actions write (collection upper-case; key and value as macros). */
  writes: { collection: string; key: Macro; value: Macro }[];
  /**
   * Set when the rule's outcome is known at load (see fold.ts): it reads only TX keys that nothing
   * after the constant phase-1 prefix writes. Used only by transactions that started from that prefix.
   */
  folded?: FoldedOutcome;
  /** Actions seen, for SecRuleUpdateActionById and diagnostics. */
  actionNames: string[];
}

/** A folded rule's outcome: whether it matches, and the (name, value) pairs it matched. */
export interface FoldedOutcome {
  matched: boolean;
  /** (MATCHED_VAR_NAME, MATCHED_VAR, the name lower-cased as MATCHED_VARS keys it) */
  hits: [string, string, string][];
  /** MATCHED_VARS as evaluating the rule leaves it (the hits), built once and adopted by each transaction. */
  matchedVars: FrozenCollection;
}

export interface DefaultActions {
  disruptive: Disruptive;
  status: number | undefined;
  log: boolean;
  transforms: Transformation[];
}
