import type { RuleSet } from './ruleset.js';
import { targetName, type Entry, type Phase, type Rule, type Target, type TargetValue } from './types.js';
import { Collection, collectionIndex, type CollectionSnapshot, type FrozenCollection } from './collection.js';
import { expandMacro } from './macro.js';
import type { IdRange } from './actions/ctl.js';
import type { RawTarget } from './seclang/variables-parser.js';
import { processRequestBody, processorForContentType } from './body/index.js';
import { parseQueryInto, parseCookiesInto } from './body/urlencoded.js';
import { utf8FromBin } from './bytes.js';
import { VARIABLES } from './variables.js';
import { scanGroup, scanValues, PIECES_MAX, narrowerFor, narrowValues } from './prefilter.js';
import { percentDecode } from './body/percent-decode.js';
import { recall, remember, REMEMBER_MAX_INPUT } from './operators/regex-memo.js';
import { readsOnlyTx, pureEffects, txWrites, foldable } from './fold.js';
import type { FoldedOutcome } from './types.js';
import { PhaseCache, SlotStore, type SharedSlots } from './phase-cache.js';

interface RuntimeEx {
  ex: Map<string, string[]>;
  selKey: string;
  narrowKey: string;
  joinKey: string;
  unionKey: string;
}

/** The per-phase caches of a rule set's transactions (see phase-cache.ts). */
interface Caches {
  store: SlotStore;
  targets: SharedSlots<TargetValue[]>;
  union: SharedSlots<Uint8Array>;
  joined: SharedSlots<string | undefined>;
  stage: SharedSlots<string[]>;
}

const cachesByRuleSet = new WeakMap<RuleSet, Caches>();

function cachesFor(rs: RuleSet): Caches {
  let c = cachesByRuleSet.get(rs);
  if (!c) {
    const store = new SlotStore(rs.cacheSlots);
    c = { store, targets: store.slots(), union: store.slots(), joined: store.slots(), stage: store.slots() };
    cachesByRuleSet.set(rs, c);
  }
  return c;
}

/** One rule match as it goes to the log (and the access/audit record). */
export interface MatchRecord {
  id: number;
  phase: Phase;
  msg: string;
  data: string;
  severity: string | undefined;
  tags: string[];
  matchedVar: string;
  matchedVarName: string;
  /** A ModSecurity-style log line (what go-ftw's match_regex checks look at). */
  line: string;
}

export interface Interruption {
  ruleId: number;
  action: 'deny' | 'drop' | 'redirect';
  status: number;
}

/** Request facts, as binary strings (one char per byte). */
export interface RequestLine {
  method: string;
  /** Request target exactly as on the request line. */
  uri: string;
  /** e.g. `HTTP/1.1` */
  protocol: string;
}

/** Below this many values a rule's regex runs on each value directly. */
const NARROW_MIN = 8;
/** Up to this many values, remembered answers (a lookup each) are cheaper than narrowing. */
const REMEMBERED_MAX = 24;

const CAPTURE_KEYS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

const ARGS_GET = collectionIndex('ARGS_GET');
const ARGS_POST = collectionIndex('ARGS_POST');

/**
 * One HTTP exchange through the rule engine. Feed it the request line and headers, run phase 1,
 * the body, phase 2, then optionally the response (3, 4), then 5. Not reusable.
 */
export class Transaction {
  readonly rs: RuleSet;
  readonly collections = new Map<string, Collection>();
  readonly scalars = new Map<string, string>();
  readonly matches: MatchRecord[] = [];
  interruption: Interruption | undefined;
  /** DetectionOnly: the first disruptive match that would have interrupted in On mode. */
  wouldInterrupt: Interruption | undefined;
  ruleEngine: 'on' | 'off' | 'detection';
  requestBodyAccess: boolean;
  responseBodyAccess: boolean;
  forceRequestBodyVariable = false;
  bodyProcessor: string | undefined;
  matchedVar: string | undefined;
  matchedVarName: string | undefined;
  /** Rules the request itself turned off (ctl:ruleRemove*) or the caller excluded up front. */
  private removedIds: IdRange[] = [];
  private removedTags = new Set<string>();
  private removedMsgs = new Set<string>();
  private removedTargets: { ids?: IdRange[]; tag?: string; targets: RawTarget[] }[] = [];
  private tcache = new Map<string, Map<string, string>>();
  private currentRule: Rule | undefined;
  private allowed: 'all' | 'request' | undefined;
  private xmlText: string | undefined;
  private xmlAttrs: string[] = [];
  private phasesDone = 0;
  /** Phase 1 started from the rule set's constant prefix: folded outcomes hold for this transaction. */
  private fromPrefix = false;
  /** Set only on the throwaway transaction that computes the prefix: an impure effect ends it. */
  private buildingPrefix = false;
  private readonly mv: Collection;
  private readonly txc: Collection;
  private readonly store: SlotStore;
  private readonly targetsCache: PhaseCache<TargetValue[]>;
  private readonly unionCache: PhaseCache<Uint8Array>;
  private readonly joinedCache: PhaseCache<string | undefined>;
  private readonly stageCache: PhaseCache<string[]>;

  constructor(rs: RuleSet, uniqueId: string) {
    this.rs = rs;
    this.ruleEngine = rs.settings.ruleEngine;
    this.requestBodyAccess = rs.settings.requestBodyAccess;
    this.responseBodyAccess = rs.settings.responseBodyAccess;
    // the other collections are made on first use (collection()): an absent one reads as empty,
    // and most stay empty (a GET has no ARGS_POST, FILES, RESPONSE_HEADERS with responses off...)
    // looked up per rule (MATCHED_VARS) or per setvar/capture (TX): kept at hand
    this.mv = this.collection('MATCHED_VARS');
    this.txc = this.collection('TX');
    const c = cachesFor(rs);
    this.store = c.store;
    this.targetsCache = new PhaseCache(c.targets);
    this.unionCache = new PhaseCache(c.union);
    this.joinedCache = new PhaseCache(c.joined);
    this.stageCache = new PhaseCache(c.stage);
    this.scalars.set('UNIQUE_ID', uniqueId);
    this.scalars.set('HIGHEST_SEVERITY', '255');
  }

  // ---- input ---------------------------------------------------------------------------------

  /** Connection facts. */
  setConnection(remoteAddr: string, remotePort: number, serverAddr = '', serverPort = 0): void {
    this.scalars.set('REMOTE_ADDR', remoteAddr);
    this.scalars.set('REMOTE_HOST', remoteAddr);
    this.scalars.set('REMOTE_PORT', String(remotePort));
    this.scalars.set('SERVER_ADDR', serverAddr);
    this.scalars.set('SERVER_PORT', String(serverPort));
  }

  /** Request line and headers (all binary strings). */
  setRequest(line: RequestLine, headers: readonly (readonly [string, string])[]): void {
    const s = this.scalars;
    s.set('REQUEST_METHOD', line.method);
    s.set('REQUEST_PROTOCOL', line.protocol);
    s.set('REQUEST_LINE', `${line.method} ${line.uri} ${line.protocol}`);
    s.set('REQUEST_URI_RAW', line.uri);
    let uri = line.uri;
    // An absolute-form target: REQUEST_URI drops scheme://authority (REQUEST_URI_RAW keeps it)
    const scheme = uri.indexOf('://');
    if (scheme > 0 && !uri.slice(0, scheme).includes('/') && !uri.slice(0, scheme).includes('?')) {
      const slash = uri.indexOf('/', scheme + 3);
      uri = slash < 0 ? '/' : uri.slice(slash);
    }
    s.set('REQUEST_URI', uri);
    const q = uri.indexOf('?');
    const pathPart = q < 0 ? uri : uri.slice(0, q);
    const query = q < 0 ? '' : uri.slice(q + 1);
    // The web server hands ModSecurity the path percent-decoded (`+` stays a plus)
    const filename = percentDecode(pathPart);
    s.set('REQUEST_FILENAME', filename);
    s.set('PATH_INFO', filename);
    const lastSlash = Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\'));
    s.set('REQUEST_BASENAME', lastSlash < 0 ? filename : filename.slice(lastSlash + 1));
    s.set('QUERY_STRING', query);
    if (q >= 0) parseQueryInto(query, this.collection('ARGS_GET'), this.rs.settings.argumentsLimit);
    const hdrs = this.collection('REQUEST_HEADERS');
    const cookies = this.collection('REQUEST_COOKIES');
    for (const [k, v] of headers) {
      hdrs.add(k, v);
      if (k.toLowerCase() === 'cookie') parseCookiesInto(v, cookies);
    }
    // The processor the Content-Type selects is known from phase 1 (a ctl: in phase 1 may change it)
    const proc = processorForContentType(hdrs.first('content-type') ?? '');
    if (proc) s.set('REQBODY_PROCESSOR', proc);
    const host = hdrs.first('host');
    if (host !== undefined) s.set('SERVER_NAME', host.replace(/:\d+$/, ''));
    this.updateArgsSize();
  }

  setResponse(status: number, protocol: string, headers: readonly (readonly [string, string])[]): void {
    this.scalars.set('RESPONSE_STATUS', String(status));
    this.scalars.set('RESPONSE_PROTOCOL', protocol);
    this.scalars.set('STATUS_LINE', `${protocol} ${status}`);
    const h = this.collection('RESPONSE_HEADERS');
    for (const [k, v] of headers) {
      h.add(k, v);
      const lk = k.toLowerCase();
      if (lk === 'content-type') this.scalars.set('RESPONSE_CONTENT_TYPE', v);
      if (lk === 'content-length') this.scalars.set('RESPONSE_CONTENT_LENGTH', v);
    }
  }

  // ---- phases --------------------------------------------------------------------------------

  /** Phase 1 (request headers). Returns the interruption, if a rule blocked. */
  phaseRequestHeaders(): Interruption | undefined {
    return this.runPhase(1);
  }

  /** Body processing, then phase 2. `complete` false: only the first bytes were kept. */
  phaseRequestBody(body: string | undefined, complete = true): Interruption | undefined {
    if (body !== undefined && body.length > 0 && this.requestBodyAccess) {
      // SecRequestBodyNoFilesLimit: everything but uploaded file contents is inspected by every
      // rule, so it has its own (smaller) limit. Over it: 413 (Reject) or the first bytes (ProcessPartial).
      const limit = this.rs.settings.requestBodyNoFilesLimit;
      if (body.length > limit && this.requestBodyProcessor() !== 'MULTIPART') {
        if (this.rs.settings.requestBodyLimitAction === 'reject') return this.bodyTooLarge();
        body = body.slice(0, limit);
        complete = false;
      }
      const nonFile = processRequestBody(this, body, complete);
      if (nonFile > limit && this.rs.settings.requestBodyLimitAction === 'reject') return this.bodyTooLarge();
    } else {
      this.scalars.set('REQUEST_BODY_LENGTH', String(body?.length ?? 0));
    }
    this.updateArgsSize();
    return this.runPhase(2);
  }

  /** The processor phase 2 will use: a ctl: choice, else what the Content-Type selects. */
  requestBodyProcessor(): string | undefined {
    return this.bodyProcessor ?? processorForContentType(this.collection('REQUEST_HEADERS').first('content-type') ?? '');
  }

  /** A body over the engine's limits: the request ends here with 413, whatever the rule engine mode. */
  private bodyTooLarge(): Interruption {
    this.phasesDone = 2;
    this.scalars.set('INBOUND_DATA_ERROR', '1');
    this.interruption = { ruleId: 0, action: 'deny', status: 413 };
    return this.interruption;
  }

  phaseResponseHeaders(): Interruption | undefined {
    return this.runPhase(3);
  }

  phaseResponseBody(body: string | undefined): Interruption | undefined {
    if (body !== undefined && this.responseBodyAccess && this.responseTypeInspected()) {
      const limit = this.rs.settings.responseBodyLimit;
      this.scalars.set('RESPONSE_BODY', body.length > limit ? body.slice(0, limit) : body);
      this.scalars.set('RESPONSE_BODY_LENGTH', String(body.length));
    }
    return this.runPhase(4);
  }

  phaseLogging(): void {
    const engine = this.ruleEngine;
    this.runPhase(5, true);
    this.ruleEngine = engine;
  }

  /** Phases 1-2 are over: both ran, or a rule or a body limit interrupted the request. */
  get requestPhasesDone(): boolean {
    return this.phasesDone >= 2 || this.interruption !== undefined;
  }

  responseTypeInspected(): boolean {
    const ct = (this.scalars.get('RESPONSE_CONTENT_TYPE') ?? '').toLowerCase().split(';')[0]!.trim();
    return this.rs.settings.responseBodyMimeTypes.includes(ct);
  }

  /** Recomputes ARGS_COMBINED_SIZE after arguments were added. */
  updateArgsSize(): void {
    let n = 0;
    for (const e of this.args()) n += e.key.length + e.value.length;
    this.scalars.set('ARGS_COMBINED_SIZE', String(n));
  }

  setXml(text: string, attrs: string[]): void {
    this.xmlText = text;
    this.xmlAttrs = attrs;
  }

  xmlEntries(xpath: string): readonly Entry[] {
    if (this.xmlText === undefined) return [];
    if (xpath === '//@*') return this.xmlAttrs.map((v) => ({ key: '//@*', value: v }));
    return [{ key: xpath, value: this.xmlText }];
  }

  // ---- variables -----------------------------------------------------------------------------

  collection(name: string): Collection {
    let c = this.collections.get(name);
    if (!c) {
      c = new Collection();
      this.collections.set(name, c);
    }
    return c;
  }

  private readonly byIndex: (Collection | undefined)[] = [];

  /**
   * collection(name) for a name the caller turned into an index once (collectionIndex): an array
   * read instead of a map lookup; the variables read collections ~200 times per request.
   */
  collectionAt(index: number, name: string): Collection {
    let c = this.byIndex[index];
    if (c === undefined) {
      c = this.collection(name);
      this.byIndex[index] = c;
    }
    return c;
  }

  ensureCollection(name: string): void {
    this.collection(name);
  }

  private argsCache: Entry[] | undefined;
  private argsSizes = [-1, -1];

  args(): readonly Entry[] {
    const g = this.collectionAt(ARGS_GET, 'ARGS_GET').entries();
    const p = this.collectionAt(ARGS_POST, 'ARGS_POST').entries();
    if (this.argsCache && this.argsSizes[0] === g.length && this.argsSizes[1] === p.length) return this.argsCache;
    this.argsCache = g.length === 0 ? [...p] : p.length === 0 ? [...g] : [...g, ...p];
    this.argsSizes = [g.length, p.length];
    return this.argsCache;
  }

  // TX is nearly every setvar's and macro's collection: no lookup by name for it

  /** A lower-case key's first value. */
  getVar(col: string, lkey: string): string | undefined {
    return (col === 'TX' ? this.txc : this.collection(col)).first(lkey);
  }

  /** Sets a lower-case key (the key it reports is the lower-case one, as setvar names it). */
  setVar(col: string, lkey: string, value: string): void {
    (col === 'TX' ? this.txc : this.collection(col)).setLower(lkey, lkey, value);
  }

  deleteVar(col: string, lkey: string): void {
    (col === 'TX' ? this.txc : this.collection(col)).delete(lkey);
  }

  setCapture(i: number, value: string): void {
    this.txc.set(CAPTURE_KEYS[i]!, value);
  }

  ruleEntries(): readonly Entry[] {
    const r = this.currentRule;
    if (!r) return [];
    return [
      { key: 'id', value: String(r.id) },
      { key: 'msg', value: r.msg ? expandMacro(r.msg, this) : '' },
      { key: 'severity', value: r.severity ?? '' },
      { key: 'phase', value: String(r.phase) },
    ];
  }

  /** `%{NAME}` / `%{NAME.key}` in macros. */
  macroValue(name: string, key: string | undefined): string {
    switch (name) {
      case 'TX':
        return key === undefined ? '' : this.txc.first(key) ?? '';
      case 'IP':
      case 'GLOBAL':
      case 'SESSION':
      case 'USER':
      case 'RESOURCE':
      case 'ENV':
        return key === undefined ? '' : this.collection(name).first(key) ?? '';
      case 'RULE': {
        const r = this.currentRule;
        if (!r || key === undefined) return '';
        if (key === 'id') return String(r.id);
        if (key === 'msg') return r.msg ? expandMacro(r.msg, this) : '';
        if (key === 'severity') return r.severity ?? '';
        if (key === 'logdata') return r.logdata ? expandMacro(r.logdata, this) : '';
        if (key === 'ver') return r.ver ?? '';
        if (key === 'phase') return String(r.phase);
        return '';
      }
      case 'MATCHED_VAR':
        return this.matchedVar ?? '';
      case 'MATCHED_VAR_NAME':
        return this.matchedVarName ?? '';
      default: {
        if (key === undefined) {
          const v = this.scalars.get(name);
          if (v !== undefined) return v;
        }
        const c = this.collections.get(name);
        if (c) return key === undefined ? c.entries()[0]?.value ?? '' : c.first(key) ?? '';
        const v = VARIABLES.get(name);
        if (!v) return '';
        for (const e of v.entries(this)) if (key === undefined || e.key.toLowerCase() === key) return e.value;
        return '';
      }
    }
  }

  // ---- exclusions at run time ----------------------------------------------------------------

  removeRulesById(ranges: IdRange[]): void {
    this.removedIds.push(...ranges);
  }

  removeRulesByTag(tag: string): void {
    this.removedTags.add(tag);
  }

  removeRulesByMsg(msg: string): void {
    this.removedMsgs.add(msg);
  }

  removeTargets(sel: { ids?: IdRange[]; tag?: string }, targets: RawTarget[]): void {
    this.removedTargets.push({ ...sel, targets });
    // The same ctl: fires on most requests (CRS 941010 on every one): the per-rule result depends
    // only on the removals, so it is shared by every transaction that made the same ones
    this.removalSig += removalSignature(sel, targets);
    this.rexCache = sharedRexCache(this.rs, this.removalSig);
  }

  private removalSig = '';
  // by Rule.index: an array read per rule instead of a map lookup keyed by the rule object (after
  // CRS 941010's removal, every rule asks, ~160 times per GET)
  private rexCache: (RuntimeEx | null | undefined)[] = [];

  /** Run-time target removals that apply to this rule (null: none), memoized until the next ctl. */
  private ruleRuntimeEx(rule: Rule): RuntimeEx | null {
    if (this.removedTargets.length === 0) return null;
    let r = this.rexCache[rule.index];
    if (r === undefined) {
      const ex = this.runtimeExclusions(rule);
      if (ex) {
        const sig = '#' + [...ex].map(([k, v]) => `${k}=${v.join(',')}`).join(';');
        r = { ex, selKey: rule.targetSig + sig, narrowKey: rule.narrowKey + sig, joinKey: rule.joinKey + sig, unionKey: rule.unionKey + sig };
      } else {
        r = null;
      }
      this.rexCache[rule.index] = r;
    }
    return r;
  }

  /** What the rule's values depend on: its targets, plus run-time removals when there are some. */
  private selectionKey(rule: Rule): number | string {
    const rex = this.ruleRuntimeEx(rule);
    return rex ? rex.selKey : rule.selId;
  }

  private isRemoved(rule: Rule): boolean {
    for (const [a, b] of this.removedIds) if (rule.id >= a && rule.id <= b) return true;
    if (this.removedTags.size) for (const t of rule.tags) if (this.removedTags.has(t)) return true;
    if (this.removedMsgs.size && rule.msg && this.removedMsgs.has(rule.msg.text)) return true;
    return false;
  }

  // ---- evaluation ----------------------------------------------------------------------------

  private runPhase(phase: Phase, always = false): Interruption | undefined {
    if (this.phasesDone >= phase) return this.interruption;
    this.phasesDone = phase;
    this.beginCaches();
    // only when used: Map#clear allocates a new table even for an empty map
    if (this.narrowCache.size !== 0) this.narrowCache.clear();
    if (this.ruleEngine === 'off') return undefined;
    if (this.interruption && !always) return this.interruption;
    if (this.allowed === 'all' && phase !== 5) return undefined;
    if (this.allowed === 'request' && phase <= 2) return undefined;
    const items = this.rs.phases[phase];
    const skipTo = this.rs.skipTo[phase];
    let i = 0;
    if (phase === 1) i = this.startFromPrefix();
    while (i < items.length) {
      const item = items[i]!;
      if ('marker' in item || this.isRemoved(item)) { i++; continue; }
      const matched = this.evalRule(item);
      if (!matched) { i++; continue; }
      const d = item.disruptive === 'block' ? this.rs.defaults[phase].disruptive : item.disruptive;
      if (d === 'allow' && this.ruleEngine === 'on') {
        if (item.allowScope === 'phase') return undefined;
        this.allowed = item.allowScope === 'request' ? 'request' : 'all';
        return undefined;
      }
      if ((d === 'deny' || d === 'drop' || d === 'redirect') && this.ruleEngine === 'detection' && phase !== 5) {
        this.wouldInterrupt ??= { ruleId: item.id, action: d, status: item.status ?? this.rs.defaults[phase].status ?? 403 };
      }
      if ((d === 'deny' || d === 'drop' || d === 'redirect') && this.ruleEngine === 'on' && phase !== 5) {
        this.interruption = { ruleId: item.id, action: d, status: item.status ?? this.rs.defaults[phase].status ?? 403 };
        return this.interruption;
      }
      if (item.skipAfter !== undefined) {
        i = skipTo[i]!;
        continue;
      }
      if (item.skip > 0) {
        let n = item.skip;
        i++;
        while (i < items.length && n > 0) { if (!('marker' in items[i]!)) n--; i++; }
        continue;
      }
      i++;
    }
    return undefined;
  }

  /**
   * Evaluates a rule and its chain. As in ModSecurity, a link's effects (setvar, ctl...) run for
   * each value it matched, before the next link is evaluated (the next link may read what they
   * set); the rule logs once its whole chain matched (a rule without a chain logs per match).
   */
  private evalRule(rule: Rule): boolean {
    this.currentRule = rule;
    if (this.fromPrefix && rule.folded !== undefined && this.ruleRuntimeEx(rule) === null) return this.applyFolded(rule.folded);
    if (!rule.op) {
      this.matchedVar = undefined;
      this.matchedVarName = undefined;
      if (this.buildingPrefix && !pureEffects(rule)) throw IMPURE;
      for (const e of rule.effects) e(this, rule);
      this.maybeLog(rule);
      return true;
    }
    const single = rule.chain === undefined;
    for (let link: Rule | undefined = rule; link; link = link.chain) {
      if (!link.op) {
        if (this.buildingPrefix && !pureEffects(link)) throw IMPURE;
        for (const e of link.effects) e(this, rule);
        continue;
      }
      if (link === rule && this.cannotMatch(rule)) return false;
      // value-level shortcuts go with the prefilter setting, so turning it off gives the plain evaluation
      const wide = this.rs.settings.prefilter && link.stableTargets && !link.multiMatch && !link.prefilterExact;
      // a link none of whose values matches ends the rule the same way (MATCHED_VARS cleared)
      if (wide && !link.op.negated && link.op.fn.noneCanMatch !== undefined && this.noneCanMatch(link)) {
        this.mv.clear();
        return false;
      }
      const values = this.resolveTargets(link);
      this.mv.clear();
      const maybe = values.length >= 2 && !link.multiMatch && !link.op.negated && this.rs.settings.prefilter ? this.maybeMatching(link, values) : undefined;
      // every value the targets select comes out of the chain unchanged: skip the per-value cache
      const same = wide && values.length > 1 && link.transforms.length > 0 && this.chainUnchanged(link);
      let any = false;
      for (let vi = 0; vi < values.length; vi++) {
        if (maybe && maybe[vi] === 0) continue;
        const tv = values[vi]!;
        if (!(same ? this.tryOp(link, tv, tv.value) : this.evalValue(link, tv))) continue;
        any = true;
        if (this.buildingPrefix && !pureEffects(link)) throw IMPURE;
        for (const e of link.effects) e(this, rule);
        if (single) this.maybeLog(rule);
      }
      if (!any) return false;
    }
    if (!single) this.maybeLog(rule);
    return true;
  }

  /**
   * The operator proves that none of the values the rule's targets select (a superset of its own
   * values: exclusions not applied) matches, from their transformed values joined by \n.
   */
  private noneCanMatch(rule: Rule): boolean {
    const n = rule.transforms.length;
    const list = this.stageList(rule, n);
    if (list.length === 0) return true;
    return rule.op!.fn.noneCanMatch!(this.stageJoined(rule, n, list));
  }

  /**
   * The rule's whole chain leaves every value its targets select unchanged (the stage arrays are
   * one array: see unchangedByStep), so its own values, a subset, are unchanged too.
   */
  private chainUnchanged(rule: Rule): boolean {
    return this.stageList(rule, rule.transforms.length) === this.stageList(rule, 0);
  }

  /** A folded rule: what evaluating it would leave behind (MATCHED_VAR*), and its outcome. */
  private applyFolded(f: FoldedOutcome): boolean {
    this.mv.adopt(f.matchedVars);
    const n = f.hits.length;
    if (n > 0) {
      const [name, v] = f.hits[n - 1]!;
      this.matchedVar = v;
      this.matchedVarName = name;
    }
    return f.matched;
  }

  /**
   * Phase 1 begins with the state its constant prefix leaves (see fold.ts), when nothing could make
   * this transaction run that prefix differently: no rule removed up front, TX untouched. Returns
   * the index of phase 1 to go on from.
   */
  private startFromPrefix(): number {
    if (!this.rs.settings.fold || this.buildingPrefix) return 0;
    if (this.removedIds.length || this.removedTags.size || this.removedMsgs.size || this.removedTargets.length) return 0;
    const tx = this.txc;
    const mv = this.mv;
    if (tx.size !== 0 || mv.size !== 0 || this.matches.length || this.allowed !== undefined) return 0;
    const p = prefixFor(this.rs);
    if (!p) return 0;
    // adopted, not copied: the transaction writes its own keys over them
    tx.adopt(p.txBase);
    mv.adopt(p.matchedVarsBase);
    this.matchedVar = p.matchedVar;
    this.matchedVarName = p.matchedVarName;
    this.fromPrefix = true;
    return p.resume;
  }

  /**
   * On a throwaway transaction: runs phase 1 from its start while each rule reads only TX and, if
   * its effects run, they only write TX from TX; stops before a rule that logs, or matches with a
   * disruptive action. Then folds the rules that read only TX keys nothing after that point writes.
   */
  buildPrefix(): Prefix | null {
    this.buildingPrefix = true;
    this.beginCaches();
    const items = this.rs.phases[1];
    const skipTo = this.rs.skipTo[1];
    const tx = this.txc;
    const mv = this.mv;
    const capture = (resume: number): PrefixState => ({
      resume, tx: tx.snapshot(), matchedVars: mv.snapshot(), matchedVar: this.matchedVar, matchedVarName: this.matchedVarName,
    });
    let good = capture(0);
    let i = 0;
    while (i < items.length) {
      const item = items[i]!;
      if ('marker' in item) { i++; continue; }
      if (!readsOnlyTx(item)) break;
      let matched: boolean;
      try {
        matched = this.evalRule(item);
      } catch (err) {
        if (err !== IMPURE) throw err;
        break;
      }
      if (this.matches.length) break;
      if (matched) {
        const d = item.disruptive === 'block' ? this.rs.defaults[1].disruptive : item.disruptive;
        if (d !== undefined && d !== 'pass') break;
        if (item.skipAfter !== undefined) {
          i = skipTo[i]!;
          good = capture(i);
          continue;
        }
        if (item.skip > 0) {
          let n = item.skip;
          i++;
          while (i < items.length && n > 0) { if (!('marker' in items[i]!)) n--; i++; }
          good = capture(i);
          continue;
        }
      }
      i++;
      good = capture(i);
    }
    if (good.resume === 0) return null;
    // The state after the prefix, for folding (a rule that broke it may have changed TX)
    tx.restore(good.tx);
    mv.restore(good.matchedVars);
    this.matchedVar = good.matchedVar;
    this.matchedVarName = good.matchedVarName;
    const ran = new Set<Rule>();
    for (let k = 0; k < good.resume; k++) { const it = items[k]!; if (!('marker' in it)) ran.add(it); }
    const w = txWrites(this.rs.rules.filter((r) => !ran.has(r)));
    for (const r of this.rs.rules) {
      if (ran.has(r) || !foldable(r, w)) continue;
      const f = this.foldOutcome(r);
      if (f) r.folded = f;
    }
    this.buildingPrefix = false;
    return { ...good, txBase: frozenFrom(good.tx), matchedVarsBase: frozenFrom(good.matchedVars) };
  }

  /** A foldable rule's outcome on the prefix's TX, or undefined if its match would do more than skip. */
  private foldOutcome(rule: Rule): FoldedOutcome | undefined {
    this.currentRule = rule;
    const values = this.resolveTargets(rule);
    const hits: [string, string, string][] = [];
    for (const tv of values) if (this.evalValue(rule, tv)) hits.push([this.matchedVarName!, this.matchedVar!, this.matchedVarName!.toLowerCase()]);
    if (hits.length && (rule.chain || rule.effects.length || (rule.log ?? this.rs.defaults[rule.phase].log))) return undefined;
    const mv = new Collection();
    for (const [name, v, lname] of hits) mv.addLower(name, lname, v);
    return { matched: hits.length > 0, hits, matchedVars: mv.freeze() };
  }

  private readonly narrowCache = new Map<string, { joined: string; starts: Int32Array }>();

  /**
   * For a rule with many values and a constant pattern: which values may match, found by searching
   * the joined transformed values (see narrowValues). Values it rules out would fail the operator
   * anyway, so skipping them changes nothing but the number of regex calls.
   */
  private allRemembered(rule: Rule, values: readonly TargetValue[]): boolean {
    const fn = rule.op!.fn;
    // a chain that changes none of the values needs no call per value (as in maybeMatching)
    const same = rule.transforms.length === 0 || (rule.stableTargets && !rule.prefilterExact && this.chainUnchanged(rule));
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!.value;
      if (recall(fn, same ? v : this.transform(rule, v)) === undefined) return false;
    }
    return true;
  }

  private maybeMatching(rule: Rule, values: readonly TargetValue[]): Uint8Array | undefined {
    const nw = narrowerFor(rule.op!.fn);
    // one search costs about one regex call; with the `\n` separator it may take three
    if (!nw || values.length < (nw.sep === '\n' ? NARROW_MIN : 2)) return undefined;
    // values whose answer the operator remembers cost a lookup each: for a few, narrowing costs more
    const few = values.length <= REMEMBERED_MAX;
    if (few && this.allRemembered(rule, values)) return undefined;
    const sep = nw.sep;
    let key = rule.stableTargets ? this.ruleRuntimeEx(rule)?.narrowKey ?? rule.narrowKey : undefined;
    if (key !== undefined && sep !== '\n') key += sep;
    let j = key === undefined ? undefined : this.narrowCache.get(key);
    if (!j) {
      const starts = new Int32Array(values.length);
      // a chain that changes none of the values needs no call per value
      const same = rule.transforms.length === 0 || (rule.stableTargets && !rule.prefilterExact && this.chainUnchanged(rule));
      let joined = '';
      for (let i = 0; i < values.length; i++) {
        if (i) joined += sep;
        starts[i] = joined.length;
        joined += same ? values[i]!.value : this.transform(rule, values[i]!.value);
      }
      j = { joined, starts };
      if (key !== undefined) this.narrowCache.set(key, j);
    }
    const maybe = narrowValues(nw.re, j.joined, j.starts);
    // a value narrowing rules out does not match (it reports every value the pattern matches):
    // remembered, so the same values next time take the lookups (separators are one character)
    const fn = rule.op!.fn;
    const n = few ? j.starts.length : 0;
    for (let i = 0; i < n; i++) {
      if (maybe[i] !== 0) continue;
      const from = j.starts[i]!;
      const to = i + 1 < n ? j.starts[i + 1]! - 1 : j.joined.length;
      if (to - from <= REMEMBER_MAX_INPUT) remember(fn, j.joined.slice(from, to), false);
    }
    return maybe;
  }

  private maybeLog(rule: Rule): void {
    if (rule.log ?? this.rs.defaults[rule.phase].log) this.logMatch(rule);
  }

  /** Transformations (cached per transaction) and the operator, for one value. */
  private evalValue(rule: Rule, tv: TargetValue): boolean {
    if (rule.multiMatch && rule.transforms.length > 0) {
      let v = tv.value;
      if (this.tryOp(rule, tv, v)) return true;
      for (let k = 0; k < rule.transforms.length; k++) {
        const nv = this.stage(rule, tv.value, k, v);
        if (nv === v) continue;
        v = nv;
        if (this.tryOp(rule, tv, v)) return true;
      }
      return false;
    }
    return this.tryOp(rule, tv, this.transform(rule, tv.value));
  }

  private tryOp(rule: Rule, tv: TargetValue, v: string): boolean {
    const op = rule.op!;
    // The prefilter already ruled on the rule as a whole (cannotMatch); a value of a rule that
    // survived goes to the rule's own regex, which also gives the captures
    const r = op.fn(this, v, rule.capture) !== op.negated;
    if (r) {
      this.matchedVar = v;
      const name = targetName(tv);
      this.matchedVarName = name;
      this.mv.add(name, v);
    }
    return r;
  }

  /** A new generation for the per-phase caches: what an earlier phase (or transaction) left is not seen. */
  private beginCaches(): void {
    const gen = this.store.next();
    this.targetsCache.begin(gen);
    this.unionCache.begin(gen);
    this.joinedCache.begin(gen);
    this.stageCache.begin(gen);
  }

  /**
   * True when the prefilter proves the rule's first link matches none of its values: the Set
   * results of every value its targets select, ORed once per (targets, group) in a phase, do not
   * contain this rule's pattern. Most rules on benign traffic end here in one map lookup.
   */
  private cannotMatch(rule: Rule): boolean {
    const pf = rule.prefilter;
    if (pf === undefined || rule.op!.negated || !rule.stableTargets) return false;
    const rex = rule.prefilterExact ? this.ruleRuntimeEx(rule) : null;
    const key = rex ? rex.unionKey : rule.unionId;
    let union = this.unionCache.get(key);
    if (!union) {
      // a few values (a request's headers): value by value, so the values seen before cost a
      // lookup whatever else the request holds (see scanValues)
      const few = rule.prefilterExact || rule.multiMatch ? undefined : this.stageList(rule, 0);
      if (few !== undefined && few.length <= PIECES_MAX) {
        union = scanValues(pf.group, few, rule.transforms);
      } else {
        const joined = rule.joinSafe ? this.joinedSafe(rule) : this.joinedValues(rule, rex ? rex.joinKey : rule.joinId);
        union = joined === undefined ? pf.group.none : scanGroup(pf.group, joined);
      }
      this.unionCache.set(key, union);
    }
    return union[pf.index] !== 1;
  }


  /**
   * For join-safe chains: the raw values joined once per target set, then each transformation
   * applied to the whole string (one call instead of one per value), with every prefix of the
   * chain cached. The keys equal joinedValues' keys: by join-safety the strings are the same.
   */
  private joinedSafe(rule: Rule): string | undefined {
    const keys = rule.stageIds;
    const tail = keys[0]!;
    let raw: string | undefined;
    if (this.joinedCache.has(tail)) {
      raw = this.joinedCache.get(tail);
    } else {
      const vals = this.stageList(rule, 0);
      if (vals.length) raw = vals.join('\n');
      this.joinedCache.set(tail, raw);
    }
    if (raw === undefined) return undefined;
    const n = rule.transforms.length;
    let v = raw;
    let start = 0;
    for (let i = n - 1; i >= 0; i--) {
      const c = this.joinedCache.get(keys[i + 1]!);
      if (c !== undefined) {
        if (i === n - 1) return c;
        v = c;
        start = i + 1;
        break;
      }
    }
    for (let i = start; i < n; i++) {
      const t = rule.transforms[i]!;
      // a conditionally safe step that is not safe on this string: per-value path for the rest
      if (t.joinSafe !== true && !t.joinSafeFor!(v)) return this.joinedValues(rule, rule.joinId);
      v = t.fn(v);
      this.joinedCache.set(keys[i + 1]!, v);
    }
    return v;
  }

  /** The rule's transformed values joined by \n (shared by every group with the same chain and targets). */
  private joinedValues(rule: Rule, key: number | string): string | undefined {
    if (this.joinedCache.has(key)) return this.joinedCache.get(key);
    if (!rule.prefilterExact) {
      const joined = this.joinedStages(rule);
      this.joinedCache.set(key, joined);
      return joined;
    }
    const values = this.resolveTargets(rule);
    let joined: string | undefined;
    if (values.length) {
      joined = '';
      for (let i = 0; i < values.length; i++) {
        if (!rule.multiMatch) { joined += (i ? '\n' : '') + this.transform(rule, values[i]!.value); continue; }
        // multiMatch tries every intermediate value: all of them go into the scan
        let prev = values[i]!.value;
        joined += (i ? '\n' : '') + prev;
        for (let k = 0; k < rule.transforms.length; k++) {
          const nv = this.stage(rule, values[i]!.value, k, prev);
          if (nv !== prev) joined += '\n' + nv;
          prev = nv;
        }
      }
    }
    this.joinedCache.set(key, joined);
    return joined;
  }



  /**
   * The prefilter values after the first k transformations of the rule's chain, one array per
   * (chain prefix, target set): groups whose chains start alike share the prefix, and a value
   * costs one transformation call, without a per-value cache lookup.
   */
  private stageList(rule: Rule, k: number): string[] {
    const key = rule.stageIds[k]!;
    let list = this.stageCache.get(key);
    if (list) return list;
    if (k === 0) {
      list = this.prefilterValues(rule);
    } else {
      const prev = this.stageList(rule, k - 1);
      const t = rule.transforms[k - 1]!;
      if (prev.length > 1 && t.length !== undefined && this.unchangedByStep(rule, k, prev)) {
        list = prev;
      } else {
        // a step that changes no value leaves the stage the previous array, as the shortcut
        // above does: later stages, chainUnchanged and the joins go on sharing it
        const fn = t.fn;
        let out: string[] | undefined;
        for (let i = 0; i < prev.length; i++) {
          const v = fn(prev[i]!);
          if (out === undefined) {
            if (v === prev[i]) continue;
            out = prev.slice(0, i);
          }
          out.push(v);
        }
        list = out ?? prev;
      }
    }
    this.stageCache.set(key, list);
    return list;
  }

  /**
   * For a join-safe step whose changes never make a value longer (or never shorter): one call on
   * the joined values (kept: it is this stage's joined string) tells whether any value changes.
   * Most steps change nothing on most traffic (no `%`, `&`, backslash, NUL or non-ASCII byte),
   * and then the stage is the previous array, with no call per value.
   */
  private unchangedByStep(rule: Rule, k: number, prev: readonly string[]): boolean {
    const t = rule.transforms[k - 1]!;
    const pj = this.stageJoined(rule, k - 1, prev);
    const key = rule.stageIds[k]!;
    let tj = this.joinedCache.get(key);
    if (tj === undefined) {
      if (t.joinSafe !== true && !t.joinSafeFor?.(pj)) return false;
      tj = t.fn(pj);
      this.joinedCache.set(key, tj);
    }
    return tj === pj;
  }

  /** The stage's values joined by \n, shared with joinedSafe (by join-safety the strings agree). */
  private stageJoined(rule: Rule, k: number, list: readonly string[]): string {
    const key = rule.stageIds[k]!;
    let j = this.joinedCache.get(key);
    if (j === undefined) {
      // stages a chain left unchanged are one array: joined once, whichever key asks (a short
      // list is joined faster than looked up)
      j = list.length < JOIN_SHARE_MIN ? undefined : joinedLists.get(list);
      if (j === undefined) {
        j = list.join('\n');
        if (list.length >= JOIN_SHARE_MIN) joinedLists.set(list, j);
      }
      this.joinedCache.set(key, j);
    }
    return j;
  }

  /** joinedValues for the prefilter's superset of values, from the per-stage arrays. */
  private joinedStages(rule: Rule): string | undefined {
    const n = rule.transforms.length;
    const last = this.stageList(rule, n);
    if (last.length === 0) return undefined;
    if (!rule.multiMatch) return this.stageJoined(rule, n, last);
    // multiMatch tries every intermediate value: all of them go into the scan
    const stages: string[][] = [];
    for (let k = 0; k <= n; k++) stages.push(this.stageList(rule, k));
    const parts: string[] = [];
    for (let i = 0; i < last.length; i++) {
      let prev = stages[0]![i]!;
      parts.push(prev);
      for (let k = 1; k <= n; k++) {
        const nv = stages[k]![i]!;
        if (nv !== prev) parts.push(nv);
        prev = nv;
      }
    }
    return parts.join('\n');
  }

  /**
   * The value after the rule's transformations, cached per transaction by the original value for
   * every prefix of the chain: rules whose chains start alike (`urlDecodeUni,...`) share the work.
   */
  private transform(rule: Rule, value: string): string {
    const n = rule.transforms.length;
    if (n === 0) return value;
    const keys = rule.tprefixes;
    const full = this.tcacheFor(rule.tkey);
    let v = full.get(value);
    if (v !== undefined) return v;
    let start = 0;
    v = value;
    for (let i = n - 2; i >= 0; i--) {
      const r = this.tcache.get(keys[i]!)?.get(value);
      if (r !== undefined) { start = i + 1; v = r; break; }
    }
    for (let i = start; i < n; i++) {
      v = rule.transforms[i]!.fn(v);
      (i === n - 1 ? full : this.tcacheFor(keys[i]!)).set(value, v);
    }
    return v;
  }

  /** The original value after the first k+1 transformations (`prev` is after the first k), cached. */
  private stage(rule: Rule, original: string, k: number, prev: string): string {
    const cache = this.tcacheFor(rule.tprefixes[k]!);
    let v = cache.get(original);
    if (v === undefined) {
      v = rule.transforms[k]!.fn(prev);
      cache.set(original, v);
    }
    return v;
  }

  private tcacheFor(key: string): Map<string, string> {
    let c = this.tcache.get(key);
    if (!c) {
      c = new Map();
      this.tcache.set(key, c);
    }
    return c;
  }


  /**
   * What the rule's targets select, ignoring its exclusions and run-time removals: a superset of
   * its values. Cached by stageList (stage 0) per target set, so rules differing only in exclusions
   * or order share it.
   */
  private prefilterValues(rule: Rule): string[] {
    const out: string[] = [];
    for (const t of rule.ptargets) {
      const entries = this.targetEntries(t);
      // selected entries (a lookup by key, or a collection's own select) need no key test
      const test = t.keyRx !== undefined ? !t.variable.select : t.key !== undefined && !t.variable.lookup;
      for (const e of entries) {
        if (test && (t.keyRx !== undefined ? !t.keyRx.test(e.key) : e.key.toLowerCase() !== t.key)) continue;
        out.push(e.value);
      }
    }
    return out;
  }

  /** The entries a target reads: those of its key or key selector when the variable can pick them itself. */
  private targetEntries(t: Target): readonly Entry[] {
    if (t.xpath !== undefined) return this.xmlEntries(t.xpath);
    if (t.keyRx !== undefined) return t.variable.select ? t.variable.select(this, t.keyRx) : t.variable.entries(this);
    return t.key !== undefined && t.variable.lookup ? t.variable.lookup(this, t.key) : t.variable.entries(this);
  }

  /** Every (name, value) the rule's targets select, after its exclusions and run-time removals. */
  private resolveTargets(rule: Rule): TargetValue[] {
    const runtimeEx = this.ruleRuntimeEx(rule)?.ex;
    const cacheKey = rule.stableTargets ? this.selectionKey(rule) : undefined;
    if (cacheKey !== undefined) {
      const hit = this.targetsCache.get(cacheKey);
      if (hit) return hit;
    }
    const out: TargetValue[] = [];
    if (cacheKey !== undefined) this.targetsCache.set(cacheKey, out);
    for (const t of rule.targets) {
      const vname = t.variable.name;
      const entries = this.targetEntries(t);
      const test = t.keyRx !== undefined ? !t.variable.select : t.key !== undefined && !t.variable.lookup;
      const ex = rule.exclusions.get(vname);
      const rex = runtimeEx?.get(vname);
      let count = 0;
      for (const e of entries) {
        if (test && (t.keyRx !== undefined ? !t.keyRx.test(e.key) : e.key.toLowerCase() !== t.key)) continue;
        if (ex && excluded(ex, e.key)) continue;
        if (rex && rex.some((k) => k === '' || k === e.key.toLowerCase())) continue;
        count++;
        if (!t.count) out.push({ vname, keyed: t.variable.collection, key: e.key, value: e.value });
      }
      if (t.count) out.push({ vname, keyed: false, key: '', value: String(count) });
    }
    return out;
  }

  private runtimeExclusions(rule: Rule): Map<string, string[]> | undefined {
    let out: Map<string, string[]> | undefined;
    for (const r of this.removedTargets) {
      const hit = r.ids ? r.ids.some(([a, b]) => rule.id >= a && rule.id <= b) : r.tag !== undefined && rule.starter!.tags.includes(r.tag);
      if (!hit) continue;
      out ??= new Map();
      for (const t of r.targets) {
        const n = t.name.toUpperCase();
        const list = out.get(n) ?? [];
        list.push((t.key ?? '').toLowerCase());
        out.set(n, list);
      }
    }
    return out;
  }

  private logMatch(rule: Rule): void {
    const msg = rule.msg ? expandMacro(rule.msg, this) : '';
    const data = rule.logdata ? expandMacro(rule.logdata, this) : '';
    const mv = this.matchedVar ?? '';
    const mvn = this.matchedVarName ?? '';
    const op = rule.op;
    const opText = op ? `Matched "Operator \`${op.name}' with parameter \`${op.param.slice(0, 200)}' against variable \`${mvn}' (Value: \`${mv.slice(0, 200)}' )"` : 'Unconditional match in SecAction.';
    let line = `ModSecurity: Warning. ${opText} [file "${rule.where.file}"] [line "${rule.where.line}"] [id "${rule.id}"]`;
    if (msg) line += ` [msg "${msg}"]`;
    if (data) line += ` [data "${data}"]`;
    if (rule.severity) line += ` [severity "${rule.severity}"]`;
    if (rule.ver) line += ` [ver "${rule.ver}"]`;
    for (const t of rule.tags) line += ` [tag "${t}"]`;
    this.matches.push({
      id: rule.id, phase: rule.phase, msg: utf8FromBin(msg), data: utf8FromBin(data), severity: rule.severity,
      tags: rule.tags, matchedVar: mv, matchedVarName: mvn, line,
    });
  }
}

/** A stage array's values joined by \n (stage arrays are never changed once cached). */
const joinedLists = new WeakMap<readonly string[], string>();
const JOIN_SHARE_MIN = 8;

/** Thrown while building the prefix when a rule's effects could read or change more than TX. */
const IMPURE = new Error('impure effect');

/** Where phase 1's constant prefix ends, and the state it leaves. */
interface PrefixState {
  resume: number;
  tx: CollectionSnapshot;
  matchedVars: CollectionSnapshot;
  matchedVar: string | undefined;
  matchedVarName: string | undefined;
}

/** The prefix's state, with TX and MATCHED_VARS frozen for each transaction to adopt. */
export interface Prefix extends PrefixState {
  txBase: FrozenCollection;
  matchedVarsBase: FrozenCollection;
}

function frozenFrom(snap: CollectionSnapshot): FrozenCollection {
  const c = new Collection();
  c.restore(snap);
  return c.freeze();
}

const prefixes = new WeakMap<RuleSet, Prefix | null>();

/** The rule set's phase-1 prefix, computed once (and its rules folded then). */
function prefixFor(rs: RuleSet): Prefix | null {
  let p = prefixes.get(rs);
  if (p === undefined) {
    p = new Transaction(rs, 'prefix').buildPrefix();
    prefixes.set(rs, p);
  }
  return p;
}

const removalSigs = new WeakMap<object, WeakMap<object, string>>();

/** A run-time removal as text, remembered per (selector, targets) objects (a ctl action reuses both). */
function removalSignature(sel: { ids?: IdRange[]; tag?: string }, targets: RawTarget[]): string {
  let byTargets = removalSigs.get(sel);
  let sig = byTargets?.get(targets);
  if (sig === undefined) {
    sig = JSON.stringify([sel.ids ?? null, sel.tag ?? null, targets.map((t) => [t.name, t.key ?? null])]);
    if (!byTargets) removalSigs.set(sel, (byTargets = new WeakMap()));
    byTargets.set(targets, sig);
  }
  return sig;
}

const rexCaches = new WeakMap<RuleSet, Map<string, (RuntimeEx | null | undefined)[]>>();
const MAX_SHARED_REMOVAL_SETS = 256;

/** The per-rule run-time exclusions for one sequence of removals, kept per rule set (bounded). */
function sharedRexCache(rs: RuleSet, sig: string): (RuntimeEx | null | undefined)[] {
  let bySig = rexCaches.get(rs);
  if (!bySig) {
    bySig = new Map();
    rexCaches.set(rs, bySig);
  }
  let c = bySig.get(sig);
  if (!c) {
    c = new Array<RuntimeEx | null | undefined>(rs.linkCount).fill(undefined);
    if (bySig.size < MAX_SHARED_REMOVAL_SETS) bySig.set(sig, c);
  }
  return c;
}

function excluded(list: { key?: string; keyRx?: { test(s: string): boolean } }[], key: string): boolean {
  for (const f of list) {
    if (f.key === undefined && !f.keyRx) return true;
    if (f.key !== undefined && f.key === key.toLowerCase()) return true;
    if (f.keyRx && f.keyRx.test(key)) return true;
  }
  return false;
}
