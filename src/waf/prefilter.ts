import RE2 from 're2';

type RE2Set = InstanceType<typeof RE2.Set>;
import { pcreSpaceToRe2, re2Subject } from './regex.js';
import type { Rule } from './types.js';
import { Doorkeeper } from './doorkeeper.js';

/**
 * RE2.Set prefilter. Rules whose operator is a constant `@rx` or a phrase match (`@pm`...) are grouped by their transformation
 * chain (the same transformed value goes through all of them); each group's patterns are compiled
 * into one or more RE2.Sets. A value is scanned once per group, and only the rules whose pattern the
 * Set reports are run individually (a Set gives no captures, so it can only say "cannot match").
 * Groups are split when a Set exceeds RE2's memory budget. A group's Sets are compiled on its first
 * scan: at CRS PL1 the groups of paranoia levels 2-4 are never scanned (skipAfter jumps over them),
 * nor are a benign request's unused ones, and all the groups' programs take ~14 MB of native memory.
 *
 * Patterns go into the Sets in multi-line mode, so a group can scan all the values of a target list
 * at once, joined by `\n`: `^`/`$` then also match at each join and `\n` is a non-word byte for
 * `\b`, so every match inside one value is still found. Multi-line mode only adds matches, which a
 * prefilter may do (the rule's own regex decides); patterns with absolute anchors are left out.
 */
export interface PrefilterGroup {
  readonly id: number;
  /** The patterns as they enter the Sets. */
  readonly patterns: readonly string[];
  /** Compiled on the first scan (groupSets). */
  sets: readonly PrefilterSet[] | undefined;
  readonly size: number;
  /** Returned when no pattern hits (read-only, like every scan result). */
  readonly none: Uint8Array;
  /** Shared by the rule set's groups: results for short subjects seen before. */
  readonly memo: ScanMemo;
}

/**
 * Scan results of short subjects, by subject then group id. A Set scan is a pure function of
 * (group, subject), and short subjects repeat across requests (`/`, the same few header values):
 * a hit is a map lookup instead of an encode plus a native call per Set. A result is kept the
 * second time its subject is scanned (see Doorkeeper). Bounded: dropped whole when full, which
 * costs only rescans.
 */
export class ScanMemo {
  // a subject is scanned by one or a few groups: a short list per subject, not a slot per group
  private readonly bySubject = new Map<string, ScanMemoEntry>();
  private readonly door = new Doorkeeper();

  get(subject: string, group: number): Uint8Array | undefined {
    for (let e = this.bySubject.get(subject); e; e = e.next) if (e.group === group) return e.hits;
    return undefined;
  }

  set(subject: string, group: number, hits: Uint8Array): void {
    if (this.door.admit(subject, group)) this.store(subject, group, hits);
  }

  /** True when the subject was offered before (see Doorkeeper); notes it otherwise. */
  seenBefore(subject: string, group: number): boolean {
    return this.door.admit(subject, group);
  }

  /** Keeps a result without asking the doorkeeper (the caller did). */
  store(subject: string, group: number, hits: Uint8Array): void {
    const first = this.bySubject.get(subject);
    if (!first && this.bySubject.size >= MEMO_SUBJECTS) this.bySubject.clear();
    this.bySubject.set(subject, { group, hits, next: first });
  }
}

interface ScanMemoEntry {
  readonly group: number;
  readonly hits: Uint8Array;
  readonly next: ScanMemoEntry | undefined;
}

/** Longest subject remembered, and how many subjects (a few hundred KB of keys at most). */
const MEMO_MAX_SUBJECT = 256;
const MEMO_SUBJECTS = 2048;

/** `size` patterns from `offset`; `set` is null when RE2 takes none of them as a Set (each is then a possible match). */
interface PrefilterSet {
  set: RE2Set | null;
  offset: number;
  size: number;
}

export interface PrefilterRef {
  group: PrefilterGroup;
  index: number;
}

const MAX_PER_SET = 64;
/** \A, \z, \Z: anchors that multi-line mode does not relax; such patterns stay out of the Sets. */
const ABSOLUTE_ANCHOR = /(?:^|[^\\])(?:\\\\)*\\[AzZ]/;

export function buildPrefilters(rules: readonly Rule[]): number {
  const byTkey = new Map<string, Rule[]>();
  for (const starter of rules) {
    for (let link: Rule | undefined = starter; link; link = link.chain) {
      const op = link.op;
      if (!op || op.fn.pattern === undefined || ABSOLUTE_ANCHOR.test(op.fn.pattern)) continue;
      // One group per transformation chain, phase and paranoia level (a rule's
      // `paranoia-level/N` tag, else its marker section): patterns of a skipped level are never
      // scanned, and rules of one level in different files share one scan
      const pl = starter.tags.find((t) => t.startsWith('paranoia-level/')) ?? `section-${link.section}`;
      const key = `${starter.phase}|${pl}|${link.tkey}|${link.multiMatch ? 'm' : ''}`;
      const list = byTkey.get(key) ?? [];
      list.push(link);
      byTkey.set(key, list);
    }
  }
  let groupId = 0;
  let grouped = 0;
  const memo = new ScanMemo();
  for (const list of byTkey.values()) {
    // Each pattern compiled as its rule's own regex at load, so a Set refusing one (RE2's memory
    // budget) can only happen at the first scan, where it counts as a possible match.
    const patterns = list.map((r) => '(?m)' + pcreSpaceToRe2(r.op!.fn.pattern!));
    const group: PrefilterGroup = { id: groupId++, patterns, sets: undefined, size: patterns.length, none: new Uint8Array(patterns.length), memo };
    list.forEach((r, index) => { r.prefilter = { group, index }; });
    grouped += list.length;
  }
  return grouped;
}

/** The group's Sets, compiled now if this is its first scan. */
export function groupSets(group: PrefilterGroup): readonly PrefilterSet[] {
  if (group.sets) return group.sets;
  const out: PrefilterSet[] = [];
  compileChunks(group.patterns, 0, group.size, out);
  group.sets = out;
  return out;
}

function compileChunks(patterns: readonly string[], from: number, to: number, out: PrefilterSet[]): void {
  if (to - from > MAX_PER_SET) {
    const mid = from + Math.ceil((to - from) / 2);
    compileChunks(patterns, from, mid, out);
    compileChunks(patterns, mid, to, out);
    return;
  }
  try {
    out.push({ set: new RE2.Set(patterns.slice(from, to), 's'), offset: from, size: to - from });
  } catch {
    if (to - from <= 1) {
      out.push({ set: null, offset: from, size: 1 });
      return;
    }
    const mid = from + Math.ceil((to - from) / 2);
    compileChunks(patterns, from, mid, out);
    compileChunks(patterns, mid, to, out);
  }
}

/** Which patterns of the group may match `value` (a byte per pattern). The result must not be changed. */
export function scanGroup(group: PrefilterGroup, value: string): Uint8Array {
  const short = value.length <= MEMO_MAX_SUBJECT;
  if (short) {
    const known = group.memo.get(value, group.id);
    if (known) return known;
  }
  const hits = scanSets(group, value, undefined) ?? group.none;
  if (short) group.memo.set(value, group.id, hits);
  return hits;
}

/** The Set scan itself, ORed into `into` when given; undefined when nothing hit and no `into`. */
function scanSets(group: PrefilterGroup, value: string, into: Uint8Array | undefined): Uint8Array | undefined {
  let hits = into;
  // encoded once for all the group's Sets (see re2Subject)
  const subject = re2Subject(value);
  for (const { set, offset, size } of group.sets ?? groupSets(group)) {
    if (!set) {
      hits ??= new Uint8Array(group.size);
      hits.fill(1, offset, offset + size);
      continue;
    }
    const found = set.match(subject);
    if (found.length === 0) continue;
    hits ??= new Uint8Array(group.size);
    for (const i of found) hits[offset + i] = 1;
  }
  return hits;
}

/** Target lists of at most this many values are scanned value by value (see scanValues). */
export const PIECES_MAX = 32;

/**
 * What the group's Sets report for the values `steps` make of `values` (a rule's target values
 * before its transformations), value by value through the memo. Scanning the values joined by
 * `\n` costs the same whether one value or all of them are new: a request's headers, one of which
 * is a fresh request id, were transformed and scanned whole on every request. Here a value whose
 * result is remembered costs a lookup (no transformation, no scan); a value seen once before is
 * transformed, scanned alone and remembered; the values seen for the first time are transformed
 * and scanned together, joined by `\n` as before. Every value is still scanned, alone or among
 * others, in multi-line mode, so every pattern that matches one of them is reported: the rule's own
 * regex, which runs on each value, can only match a value its pattern matches in multi-line mode.
 * The results are kept apart from those of scanGroup (a value here stands for its transformed form).
 */
export function scanValues(group: PrefilterGroup, values: readonly string[], steps: readonly { fn(s: string): string }[]): Uint8Array {
  const memo = group.memo;
  const key = -1 - group.id;
  let hits: Uint8Array | undefined;
  let rest: string | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v.length <= MEMO_MAX_SUBJECT) {
      const known = memo.get(v, key);
      if (known) {
        if (known !== group.none) hits = orInto(hits, known, group.size);
        continue;
      }
      if (memo.seenBefore(v, key)) {
        const own = scanSets(group, applySteps(steps, v), undefined) ?? group.none;
        memo.store(v, key, own);
        if (own !== group.none) hits = orInto(hits, own, group.size);
        continue;
      }
    }
    const t = applySteps(steps, v);
    rest = rest === undefined ? t : rest + '\n' + t;
  }
  if (rest !== undefined) hits = scanSets(group, rest, hits);
  return hits ?? group.none;
}

function applySteps(steps: readonly { fn(s: string): string }[], v: string): string {
  for (let i = 0; i < steps.length; i++) v = steps[i]!.fn(v);
  return v;
}

/** `a | b` into a fresh array the first time (scan results are shared and read-only), in place after. */
function orInto(acc: Uint8Array | undefined, b: Uint8Array, size: number): Uint8Array {
  if (acc === undefined) return new Uint8Array(b);
  for (let i = 0; i < size; i++) acc[i] = acc[i]! | b[i]!;
  return acc;
}

const MAX_NARROW_SEARCHES = 3;

const narrowers = new WeakMap<object, Narrower | null>();

/**
 * The operator's pattern in multi-line mode (as it enters the Sets), for finding which of a rule's
 * values may match with a few searches over the joined values instead of one regex call per value.
 * Null when the pattern has absolute anchors (multi-line mode would not relax them) or none.
 *
 * `sep` is what the values are joined with: `\n`, unless the pattern matches a `\n` by itself
 * (CRS 921140/921150/921190 look for `[\n\r]`), which would make every join a hit. A pattern with
 * no `^`/`$` only needs a separator that is not a word byte (so `\b`/`\B` at a value's edges read
 * as they do at the edges of the value alone), and one it does not match by itself.
 */
export interface Narrower {
  re: RE2;
  sep: string;
}

const ALT_SEPARATORS = ['\x00', '\x01', '\x02', '\x7f'];

export function narrowerFor(fn: { pattern?: string }): Narrower | null {
  let nw = narrowers.get(fn);
  if (nw !== undefined) return nw;
  nw = null;
  if (fn.pattern !== undefined && !ABSOLUTE_ANCHOR.test(fn.pattern)) {
    try {
      const re = new RE2('(?m)' + pcreSpaceToRe2(fn.pattern), 'sg');
      let sep = '\n';
      if (matchesAlone(re, '\n') && !hasLineAnchor(fn.pattern)) sep = ALT_SEPARATORS.find((c) => !matchesAlone(re, c)) ?? '\n';
      nw = { re, sep };
    } catch {
      nw = null;
    }
  }
  narrowers.set(fn, nw);
  return nw;
}

function matchesAlone(re: RE2, s: string): boolean {
  re.lastIndex = 0;
  const r = re.test(s);
  re.lastIndex = 0;
  return r;
}

/** A `^` or `$` outside a character class and not escaped: an anchor that reads the separator. */
export function hasLineAnchor(src: string): boolean {
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') { i++; continue; }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // a leading `^` negates and a leading `]` is literal: neither ends or anchors anything
      if (src[i + 1] === '^') i++;
      if (src[i + 1] === ']') i++;
      continue;
    }
    if (c === '^' || c === '$') return true;
  }
  return false;
}

/**
 * Which values may match (a byte per value): every value the pattern matches on its own is
 * reported, because such a match is also a match of the multi-line pattern at the same place in
 * the joined string, and each search resumes at the start of the value after the one the last
 * match began in. A reported value may still not match; the rule's own regex decides.
 */
export function narrowValues(re: RE2, joined: string, starts: Int32Array): Uint8Array {
  const n = starts.length;
  const out = new Uint8Array(n);
  let from = 0;
  let j = 0;
  for (let searches = 0; ; searches++) {
    // A pattern that hits value after value (one that matches the `\n` between them, say) is
    // cheaper to run on each remaining value than to search again
    if (searches === MAX_NARROW_SEARCHES) {
      out.fill(1, j);
      break;
    }
    re.lastIndex = from;
    const m = re.exec(joined);
    if (!m) break;
    const q = m.index;
    while (j + 1 < n && starts[j + 1]! <= q) j++;
    out[j] = 1;
    if (j + 1 >= n) break;
    from = starts[++j]!;
  }
  return out;
}
