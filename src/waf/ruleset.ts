import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UserInputError } from '../errors.js';
import { lexSecLang, type RawDirective } from './seclang/lexer.js';
import { parseActionList } from './seclang/actions-parser.js';
import { parseTargets, type RawTarget } from './seclang/variables-parser.js';
import { ACTIONS } from './actions/index.js';
import { OPERATORS } from './operators/index.js';
import { VARIABLES } from './variables.js';
import { compileRegex } from './regex.js';
import { compileKeySelector } from './key-selector.js';
import { parseIdRanges } from './actions/ctl.js';
import { buildPrefilters } from './prefilter.js';
import { KeyIds } from './phase-cache.js';
import type { DefaultActions, KeyFilter, Phase, Rule, Target, Where } from './types.js';

/** A phase's program: rules in file order, with SecMarkers as jump targets for skipAfter. */
export type PhaseItem = Rule | { marker: string };

export interface EngineSettings {
  ruleEngine: 'on' | 'off' | 'detection';
  requestBodyAccess: boolean;
  responseBodyAccess: boolean;
  requestBodyLimit: number;
  requestBodyNoFilesLimit: number;
  requestBodyLimitAction: 'reject' | 'partial';
  responseBodyLimit: number;
  responseBodyMimeTypes: string[];
  argumentsLimit: number;
  requestBodyJsonDepthLimit: number;
  /**
   * Build the RE2.Set prefilter and use the value-level shortcuts (narrowing, unchanged chains,
   * operators ruling out joined values). Off only to check that they never change a result.
   */
  prefilter: boolean;
  /**
   * Start phase 1 from the precomputed state of its constant prefix and fold rules that read only
   * frozen TX keys (off only to check that it never changes a result).
   */
  fold: boolean;
}

export const DEFAULT_SETTINGS: EngineSettings = {
  ruleEngine: 'on',
  requestBodyAccess: true,
  responseBodyAccess: false,
  requestBodyLimit: 13107200,
  requestBodyNoFilesLimit: 131072,
  requestBodyLimitAction: 'reject',
  responseBodyLimit: 524288,
  responseBodyMimeTypes: ['text/plain', 'text/html'],
  argumentsLimit: 1000,
  requestBodyJsonDepthLimit: 512,
  prefilter: true,
  fold: true,
};

export interface RuleSet {
  phases: Record<Phase, PhaseItem[]>;
  /** Marker name (or rule id as text) → index in each phase's list, for skipAfter. */
  markers: Record<Phase, Map<string, number>>;
  defaults: Record<Phase, DefaultActions>;
  settings: EngineSettings;
  rules: Rule[];
  byId: Map<number, Rule>;
  componentSignatures: string[];
  /** How many distinct keys the per-phase caches use (see phase-cache.ts). */
  cacheSlots: number;
  /**
   * Per phase, per item: the index a matched rule's skipAfter jumps to (its marker's, or the end
   * when the marker is missing), -1 for items without one; resolved at build instead of a map
   * lookup per match.
   */
  skipTo: Record<Phase, Int32Array>;
  /** How many rules and chain links there are: Rule.index runs from 0 to this. */
  linkCount: number;
}

/** Directives we accept and ignore: they configure logging/storage the sidecar does not have. */
const IGNORED = new Set([
  'secauditengine', 'secauditlog', 'secauditlogparts', 'secauditlogtype', 'secauditlogstoragedir', 'secauditlogformat',
  'secauditlogrelevantstatus', 'secauditlogdirmode', 'secauditlogfilemode', 'secdebuglog', 'secdebugloglevel',
  'sectmpdir', 'secdatadir', 'secuploaddir', 'secuploadkeepfiles', 'secuploadfilemode', 'secuploadfilelimit',
  'seccollectiontimeout', 'secpcrematchlimit', 'secpcrematchlimitrecursion', 'secunicodemapfile', 'secstatusengine',
  'secserversignature', 'secresponsebodylimitaction', 'secrequestbodyinmemorylimit', 'sectmpsaveuploadedfiles',
  'seccookieformat', 'secargumentseparator', 'sechashengine', 'sechashkey', 'sechashparam', 'sechashmethodrx',
  'sechashmethodpm', 'secgeolookupdb', 'secconnengine', 'secwebappid', 'secsensorid', 'secxmlexternalentity',
]);

interface Pending {
  rule: Rule;
}

export class RuleSetBuilder {
  private readonly rules: Rule[] = [];
  private readonly order: PhaseItemDraft[] = [];
  private readonly defaults: Record<Phase, DefaultActions>;
  private readonly settings: EngineSettings;
  private readonly signatures: string[] = [];
  private pendingChain: Pending | undefined;
  private readonly ids = new Map<number, Where>();

  constructor(settings: Partial<EngineSettings> = {}) {
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
    const d = (): DefaultActions => ({ disruptive: 'pass', status: undefined, log: true, transforms: [] });
    this.defaults = { 1: d(), 2: d(), 3: d(), 4: d(), 5: d() };
  }

  /** Reads a file as bytes (latin1) and adds its directives. */
  addFile(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'latin1');
    } catch (err) {
      throw new UserInputError({ file }, `cannot read rules: ${(err as Error).message}`);
    }
    this.addText(text, file);
  }

  addText(text: string, file: string): void {
    const dir = path.dirname(path.resolve(file));
    for (const d of lexSecLang(text, file)) this.directive(d, dir);
  }

  build(): RuleSet {
    if (this.pendingChain) {
      const r = this.pendingChain.rule;
      throw new UserInputError(r.where, `rule ${r.id}: chain action but no rule follows`);
    }
    const phases: Record<Phase, PhaseItem[]> = { 1: [], 2: [], 3: [], 4: [], 5: [] };
    const markers: Record<Phase, Map<string, number>> = { 1: new Map(), 2: new Map(), 3: new Map(), 4: new Map(), 5: new Map() };
    const live = new Set(this.rules);
    let section = 0;
    for (const item of this.order) {
      if ('marker' in item) {
        section++;
        for (const p of [1, 2, 3, 4, 5] as Phase[]) {
          markers[p].set(item.marker, phases[p].length);
          phases[p].push(item);
        }
        continue;
      }
      if (!live.has(item)) continue;
      for (let l: Rule | undefined = item; l; l = l.chain) l.section = section;
      phases[item.phase].push(item);
      // skipAfter may also name a rule id: jump past that rule
      markers[item.phase].set(String(item.id), phases[item.phase].length);
    }
    for (const r of this.rules) for (let l: Rule | undefined = r; l; l = l.chain) signTargets(l);
    if (this.settings.prefilter) buildPrefilters(this.rules);
    for (const r of this.rules) for (let l: Rule | undefined = r; l; l = l.chain) {
      l.tprefixes = l.transforms.map((_, i) => l!.transforms.slice(0, i + 1).map((t) => t.name).join(','));
      // The prefilter reads the targets without exclusions, in any order: a superset of the values
      // (fine for "cannot match"), shared by more rules. Counting targets must stay exact.
      const exact = l.targets.some((t) => t.count);
      l.prefilterExact = exact;
      l.ptargets = l.targets;
      l.psig = prefilterSig(l.targets);
      l.joinSafe = !exact && !l.multiMatch && l.transforms.every((t) => t.joinSafe === true || t.joinSafeFor !== undefined);
      const sel = exact ? l.targetSig : l.psig;
      l.joinKey = `${l.tkey}|${l.multiMatch ? 'm' : ''}|${sel}`;
      l.unionKey = l.prefilter ? `${l.prefilter.group.id}|${sel}` : '';
    }
    unionGroupTargets(this.rules);
    // Cache keys of the per-phase prefilter caches, built once: a key concatenated at run time is
    // a new string, flattened and hashed on every lookup (that was a fifth of a small GET's time)
    for (const r of this.rules) for (let l: Rule | undefined = r; l; l = l.chain) {
      const tail = '||' + l.psig;
      l.stageKeys = [tail, ...l.tprefixes.map((p) => p + tail)];
      l.narrowKey = l.tkey + '#' + l.targetSig;
    }
    // One id space for every key of the phase caches: equal strings share a slot, as they shared a map entry
    const keyIds = new KeyIds();
    for (const r of this.rules) for (let l: Rule | undefined = r; l; l = l.chain) {
      l.stageIds = l.stageKeys.map((k) => keyIds.of(k));
      l.joinId = keyIds.of(l.joinKey);
      l.unionId = keyIds.of(l.unionKey);
      l.selId = keyIds.of(l.targetSig);
    }
    const byId = new Map<number, Rule>();
    for (const r of this.rules) byId.set(r.id, r);
    let linkCount = 0;
    for (const r of this.rules) for (let l: Rule | undefined = r; l; l = l.chain) l.index = linkCount++;
    const skipTo = {} as Record<Phase, Int32Array>;
    for (const p of [1, 2, 3, 4, 5] as Phase[]) {
      const items = phases[p];
      const to = new Int32Array(items.length).fill(-1);
      items.forEach((it, i) => {
        if ('marker' in it || it.skipAfter === undefined) return;
        to[i] = markers[p].get(it.skipAfter) ?? items.length;
      });
      skipTo[p] = to;
    }
    return { phases, markers, defaults: this.defaults, settings: this.settings, rules: this.rules, byId, componentSignatures: this.signatures, cacheSlots: keyIds.size, skipTo, linkCount };
  }

  private directive(d: RawDirective, dir: string): void {
    const where: Where = { file: d.file, line: d.line };
    const name = d.name.toLowerCase();
    const arg = (i: number, what: string): string => {
      const v = d.args[i];
      if (v === undefined) throw new UserInputError(where, `${d.name}: missing ${what}`);
      return v;
    };
    switch (name) {
      case 'secrule':
        this.secRule(arg(0, 'variables'), arg(1, 'operator'), d.args[2] ?? '', where, dir);
        return;
      case 'secaction':
        this.secRule(undefined, undefined, arg(0, 'actions'), where, dir);
        return;
      case 'secmarker':
        this.order.push({ marker: arg(0, 'marker name') });
        return;
      case 'secdefaultaction':
        this.defaultAction(arg(0, 'actions'), where);
        return;
      case 'seccomponentsignature':
        this.signatures.push(arg(0, 'signature'));
        return;
      case 'secruleengine': {
        const v = arg(0, 'On|Off|DetectionOnly').toLowerCase();
        if (v === 'on') this.settings.ruleEngine = 'on';
        else if (v === 'off') this.settings.ruleEngine = 'off';
        else if (v === 'detectiononly') this.settings.ruleEngine = 'detection';
        else throw new UserInputError(where, `SecRuleEngine: expected On, Off or DetectionOnly, got "${d.args[0]}"`);
        return;
      }
      case 'secrequestbodyaccess':
        this.settings.requestBodyAccess = onOff(arg(0, 'On|Off'), where, d.name);
        return;
      case 'secresponsebodyaccess':
        this.settings.responseBodyAccess = onOff(arg(0, 'On|Off'), where, d.name);
        return;
      case 'secrequestbodylimit':
        this.settings.requestBodyLimit = intArg(arg(0, 'bytes'), where, d.name);
        return;
      case 'secrequestbodynofileslimit':
        this.settings.requestBodyNoFilesLimit = intArg(arg(0, 'bytes'), where, d.name);
        return;
      case 'secresponsebodylimit':
        this.settings.responseBodyLimit = intArg(arg(0, 'bytes'), where, d.name);
        return;
      case 'secargumentslimit':
        this.settings.argumentsLimit = intArg(arg(0, 'count'), where, d.name);
        return;
      case 'secrequestbodyjsondepthlimit':
        this.settings.requestBodyJsonDepthLimit = intArg(arg(0, 'depth'), where, d.name);
        return;
      case 'secrequestbodylimitaction': {
        const v = arg(0, 'Reject|ProcessPartial').toLowerCase();
        if (v !== 'reject' && v !== 'processpartial') throw new UserInputError(where, `${d.name}: expected Reject or ProcessPartial`);
        this.settings.requestBodyLimitAction = v === 'reject' ? 'reject' : 'partial';
        return;
      }
      case 'secresponsebodymimetype':
        this.settings.responseBodyMimeTypes.push(...d.args.map((x) => x.toLowerCase()));
        return;
      case 'secresponsebodymimetypesclear':
        this.settings.responseBodyMimeTypes = [];
        return;
      case 'secruleremovebyid': {
        const ranges = parseIdRanges(d.args.join(' '), where);
        this.removeRules((r) => ranges.some(([a, b]) => r.id >= a && r.id <= b));
        return;
      }
      case 'secruleremovebytag': {
        const tagRx = compileRegex(arg(0, 'tag'));
        this.removeRules((r) => r.tags.some((t) => tagRx.test(t)));
        return;
      }
      case 'secruleremovebymsg': {
        const m = arg(0, 'msg');
        this.removeRules((r) => r.msg?.text === m);
        return;
      }
      case 'secruleupdatetargetbyid':
      case 'secruleupdatetargetbytag':
      case 'secruleupdatetargetbymsg': {
        const sel = arg(0, 'rule selector');
        const targets = parseTargets(arg(1, 'targets'));
        let pick: (r: Rule) => boolean;
        if (name === 'secruleupdatetargetbyid') {
          const ranges = parseIdRanges(sel, where);
          pick = (r) => ranges.some(([a, b]) => r.id >= a && r.id <= b);
        } else if (name === 'secruleupdatetargetbytag') {
          pick = (r) => r.tags.includes(sel);
        } else {
          pick = (r) => r.msg?.text === sel;
        }
        for (const r of this.rules) if (pick(r)) this.addTargets(r, targets, where);
        return;
      }
      case 'secruleupdateactionbyid': {
        const id = Number(arg(0, 'rule id'));
        const r = this.rules.find((x) => x.id === id);
        if (!r) throw new UserInputError(where, `${d.name}: no rule ${d.args[0]}`);
        this.applyActions(r, arg(1, 'actions'), where, true);
        return;
      }
      case 'include':
        for (const f of d.args) this.addFile(path.resolve(dir, f));
        return;
      default:
        if (IGNORED.has(name)) return;
        throw new UserInputError(where, `unknown directive ${d.name}`);
    }
  }

  private removeRules(pred: (r: Rule) => boolean): void {
    for (let i = this.rules.length - 1; i >= 0; i--) if (pred(this.rules[i]!)) this.rules.splice(i, 1);
  }

  private defaultAction(actions: string, where: Where): void {
    const probe = newRule(where);
    probe.phase = 0 as Phase;
    for (const a of parseActionList(actions)) {
      const def = ACTIONS.get(a.name.toLowerCase());
      if (!def) throw new UserInputError(where, `SecDefaultAction: unknown action "${a.name}"`);
      def.apply(probe, a.value, { where });
    }
    if (!probe.phase) throw new UserInputError(where, 'SecDefaultAction: needs a phase');
    this.defaults[probe.phase] = {
      disruptive: probe.disruptive ?? 'pass',
      status: probe.status,
      log: probe.log ?? true,
      transforms: probe.transforms,
    };
  }

  private secRule(vars: string | undefined, operator: string | undefined, actions: string, where: Where, dir: string): void {
    const rule = newRule(where);
    const chainParent = this.pendingChain?.rule;
    const label = () => (chainParent ? `rule ${chainParent.starter!.id} (chained rule)` : `rule ${rule.id || '?'}`);
    try {
      if (chainParent) rule.phase = chainParent.phase;
      this.applyActions(rule, actions, where, false);
      if (!chainParent) {
        const dflt = this.defaults[rule.phase];
        if (rule.transforms.length === 0 && !rule.actionNames.includes('t') && dflt.transforms.length) {
          rule.transforms = [...dflt.transforms];
          rule.tkey = rule.transforms.map((x) => x.name).join(',');
        }
      }
      if (vars !== undefined) this.addTargets(rule, parseTargets(vars), where);
      if (operator !== undefined) rule.op = compileOperator(operator, where, dir);
    } catch (err) {
      if (err instanceof UserInputError) throw new UserInputError(where, `${label()}: ${stripWhere(err.message, where)}`);
      throw new UserInputError(where, `${label()}: ${(err as Error).message}`);
    }
    if (chainParent) {
      chainParent.chain = rule;
      rule.starter = chainParent.starter;
      rule.id = chainParent.starter!.id;
    } else {
      if (!rule.id) throw new UserInputError(where, 'rule has no id');
      const seen = this.ids.get(rule.id);
      if (seen) throw new UserInputError(where, `rule ${rule.id}: duplicate id (first at ${seen.file}:${seen.line})`);
      this.ids.set(rule.id, where);
      rule.starter = rule;
      this.rules.push(rule);
      this.order.push(rule);
    }
    this.pendingChain = rule.chained ? { rule } : undefined;
  }

  private applyActions(rule: Rule, actions: string, where: Where, update: boolean): void {
    for (const a of parseActionList(actions)) {
      const lname = a.name.toLowerCase();
      const def = ACTIONS.get(lname);
      if (!def) throw new UserInputError(where, `unknown action "${a.name}"`);
      if (update && lname === 'tag') continue;
      def.apply(rule, a.value, { where });
      rule.actionNames.push(lname);
    }
  }

  private addTargets(rule: Rule, targets: RawTarget[], where: Where): void {
    for (const t of targets) {
      const vname = t.name.toUpperCase();
      const variable = VARIABLES.get(vname);
      if (!variable) throw new UserInputError(where, `unknown variable "${t.name}"`);
      const filter: KeyFilter = { key: undefined, keyRx: undefined };
      let xpath: string | undefined;
      if (t.key !== undefined) {
        if (vname === 'XML') xpath = t.key;
        else if (t.keyIsRegex) filter.keyRx = compileKeySelector(t.key);
        else filter.key = t.key.toLowerCase();
      }
      if (t.exclude) {
        const list = rule.exclusions.get(vname) ?? [];
        list.push(filter);
        rule.exclusions.set(vname, list);
        continue;
      }
      if (t.key !== undefined && !variable.collection && vname !== 'XML') {
        throw new UserInputError(where, `variable ${vname} is not a collection: it takes no key`);
      }
      // every target has the same fields (one hidden class): the rule walk reads them on every request
      const target: Target = { variable, count: t.count, key: filter.key, keyRx: filter.keyRx, xpath };
      rule.targets.push(target);
    }
  }
}

type PhaseItemDraft = Rule | { marker: string };

function compileOperator(spec: string, where: Where, dir: string): Rule['op'] {
  let s = spec;
  let negated = false;
  if (s.startsWith('!')) { negated = true; s = s.slice(1); }
  let name = 'rx';
  let param = s;
  if (s.startsWith('@')) {
    const sp = s.search(/\s/);
    name = sp < 0 ? s.slice(1) : s.slice(1, sp);
    param = sp < 0 ? '' : s.slice(sp + 1);
  }
  const def = OPERATORS.get(name.toLowerCase());
  if (!def) throw new UserInputError(where, `unknown operator "@${name}"`);
  let fn;
  try {
    fn = def.compile(param, { where, dir });
  } catch (err) {
    if (err instanceof UserInputError) throw err;
    throw new UserInputError(where, `@${def.name}: ${(err as Error).message}`);
  }
  return { name: def.name, param, negated, fn };
}

/** Variables whose values change while a phase runs (setvar, captures, matches, ctl). */
const VOLATILE = new Set(['TX', 'MATCHED_VAR', 'MATCHED_VAR_NAME', 'MATCHED_VARS', 'MATCHED_VARS_NAMES', 'RULE', 'IP', 'GLOBAL',
  'SESSION', 'USER', 'RESOURCE', 'ENV', 'GEO', 'REQBODY_PROCESSOR', 'HIGHEST_SEVERITY', 'DURATION']);

const targetText = (t: Target): string =>
  `${t.variable.name}${t.key !== undefined ? `=${t.key}` : t.keyRx ? `~${t.keyRx.source}` : ''}${t.xpath !== undefined ? `@${t.xpath}` : ''}`;

function prefilterSig(targets: readonly Target[]): string {
  return 'P:' + [...new Set(targets.map(targetText))].sort().join('|');
}

/**
 * Starters of one Set group scan the union of their targets, once per phase: a rule's pattern
 * reported on a value outside its own targets only sends it to its own regex (a prefilter may
 * over-report), while every byte is scanned once per group instead of once per distinct target
 * list. Counting, volatile and negated rules keep their own (they are exact or never prefiltered).
 */
function unionGroupTargets(rules: readonly Rule[]): void {
  const members = new Map<number, Rule[]>();
  for (const r of rules) {
    if (!r.prefilter || r.prefilterExact || !r.stableTargets || r.op!.negated) continue;
    const list = members.get(r.prefilter.group.id) ?? [];
    list.push(r);
    members.set(r.prefilter.group.id, list);
  }
  for (const list of members.values()) {
    const byText = new Map<string, Target>();
    for (const r of list) for (const t of r.targets) if (!byText.has(targetText(t))) byText.set(targetText(t), t);
    // A keyed selection of a variable (ARGS:foo, REQUEST_HEADERS:/^x-/) is inside the whole variable
    const whole = new Set([...byText.values()].filter((t) => t.key === undefined && !t.keyRx && t.xpath === undefined).map((t) => t.variable.name));
    const union = [...byText.values()].filter((t) => t.xpath !== undefined || (t.key === undefined && !t.keyRx) || !whole.has(t.variable.name));
    const psig = prefilterSig(union);
    for (const r of list) {
      r.ptargets = union;
      r.psig = psig;
      r.joinKey = `${r.tkey}|${r.multiMatch ? 'm' : ''}|${psig}`;
      r.unionKey = `${r.prefilter!.group.id}|${psig}`;
    }
  }
}

function signTargets(rule: Rule): void {
  const key = (f: KeyFilter) => (f.key !== undefined ? `=${f.key}` : f.keyRx ? `~${f.keyRx.source}` : '');
  const parts = rule.targets.map((t) => `${t.count ? '&' : ''}${t.variable.name}${key(t)}${t.xpath !== undefined ? `@${t.xpath}` : ''}`);
  for (const [name, list] of rule.exclusions) for (const f of list) parts.push(`!${name}${key(f)}`);
  rule.targetSig = parts.join('|');
  rule.stableTargets = rule.targets.every((t) => !VOLATILE.has(t.variable.name) && !t.variable.name.startsWith('TIME'));
}

export function newRule(where: Where): Rule {
  return {
    id: 0, phase: 2, where, targets: [], exclusions: new Map(), op: undefined, transforms: [], tkey: '',
    multiMatch: false, capture: false, chain: undefined, starter: undefined, chained: false, disruptive: undefined,
    status: undefined, log: undefined, msg: undefined, logdata: undefined, severity: undefined, tags: [], ver: undefined,
    effects: [], skipAfter: undefined, skip: 0, allowScope: undefined, actionNames: [], targetSig: '', stableTargets: false, section: 0, joinKey: '', unionKey: '', prefilterExact: false, psig: '', ptargets: [], joinSafe: false, tprefixes: [], stageKeys: [], narrowKey: '', stageIds: [], joinId: 0, unionId: 0, selId: 0, index: 0, writes: [],
    // set later on some rules only: declared here so that every rule has one hidden class (with
    // three, each property read of the rule walk was a polymorphic lookup)
    prefilter: undefined, folded: undefined,
  };
}

function onOff(v: string, where: Where, d: string): boolean {
  const l = v.toLowerCase();
  if (l === 'on') return true;
  if (l === 'off') return false;
  throw new UserInputError(where, `${d}: expected On or Off, got "${v}"`);
}

function intArg(v: string, where: Where, d: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserInputError(where, `${d}: expected a non-negative integer, got "${v}"`);
  return n;
}

function stripWhere(msg: string, where: Where): string {
  const prefix = `${where.file}:${where.line}: `;
  return msg.startsWith(prefix) ? msg.slice(prefix.length) : msg;
}
