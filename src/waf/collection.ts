import type { Entry } from './types.js';
import type { KeyMatcher } from './key-selector.js';

/**
 * A key/value collection (ARGS_GET, REQUEST_HEADERS, TX...). Keys keep their case for reporting
 * and are looked up case-insensitively, as ModSecurity does. A key may hold several values
 * (repeated arguments or headers), kept in arrival order.
 */
export class Collection {
  /**
   * Adopted contents (see adopt), shared with other collections and never written here; `own`
   * overrides them key by key and `gone` hides the ones deleted.
   */
  private base: FrozenCollection | undefined;
  /** Keys written here; a base key is copied in on its first write. Made on the first write. */
  private own: Map<string, Entry[]> | undefined;
  /** Base keys deleted here: written again, they come last, as a map puts a key set after its delete. */
  private gone: Set<string> | undefined;
  private flat: readonly Entry[] | undefined = EMPTY;

  add(key: string, value: string): void {
    this.addLower(key, key.toLowerCase(), value);
  }

  /**
   * Takes a frozen collection's contents without copying them. Every transaction starts TX from
   * the ~50 keys CRS's constant prefix sets (see fold.ts), and a folded rule leaves MATCHED_VARS
   * the same on every request (~80 times per GET): both were copied entry by entry each time.
   * Reads see the frozen contents; writes go to this collection's own keys.
   */
  adopt(f: FrozenCollection): void {
    this.base = f.keys.length ? f : undefined;
    this.own = undefined;
    this.gone = undefined;
    this.flat = f.flat;
  }

  /** This collection's contents, for adopt(); it must not be written afterwards. */
  freeze(): FrozenCollection {
    const byKey = new Map<string, Entry[]>();
    const keys: string[] = [];
    const lists: Entry[][] = [];
    this.eachList((lk, list) => {
      byKey.set(lk, list);
      keys.push(lk);
      lists.push(list);
    });
    return { byKey, keys, lists, flat: this.entries() };
  }

  /** The base's list of a key, unless deleted here. */
  private baseList(lk: string): Entry[] | undefined {
    if (this.base === undefined || this.gone?.has(lk) === true) return undefined;
    return this.base.byKey.get(lk);
  }

  /** add() with the key already lower-cased (`lk` must be `key.toLowerCase()`). */
  addLower(key: string, lk: string, value: string): void {
    const own = (this.own ??= new Map());
    const list = own.get(lk);
    const e = { key, value };
    if (list) {
      list.push(e);
    } else {
      // a base key's entries are shared, not copied: its list here has two or more, and setLower
      // changes an entry in place only in a list of one
      const b = this.baseList(lk);
      own.set(lk, b === undefined ? [e] : [...b, e]);
    }
    this.flat = undefined;
  }

  /** Replaces every value of `key` with one. */
  set(key: string, value: string): void {
    this.setLower(key, key.toLowerCase(), value);
  }

  /** set() with the key already lower-cased (`lk` must be `key.toLowerCase()`). */
  setLower(key: string, lk: string, value: string): void {
    const own = (this.own ??= new Map());
    const list = own.get(lk);
    if (list && list.length === 1) {
      list[0]!.value = value;
      return;
    }
    // a single value keeps the key as first written, as the in-place change above does
    const b = list === undefined ? this.baseList(lk) : undefined;
    own.set(lk, [{ key: b !== undefined && b.length === 1 ? b[0]!.key : key, value }]);
    this.flat = undefined;
  }

  /** First value of a lower-case key. */
  first(lkey: string): string | undefined {
    return (this.own?.get(lkey) ?? this.baseList(lkey))?.[0]?.value;
  }

  get(lkey: string): readonly Entry[] {
    return this.own?.get(lkey) ?? this.baseList(lkey) ?? EMPTY;
  }

  delete(lkey: string): void {
    let hit = this.own?.delete(lkey) === true;
    if (this.base?.byKey.has(lkey) === true && this.gone?.has(lkey) !== true) {
      (this.gone ??= new Set()).add(lkey);
      hit = true;
    }
    if (hit) this.flat = undefined;
  }

  clear(): void {
    if (this.base === undefined && (this.own === undefined || this.own.size === 0)) return;
    // dropped rather than cleared: Map#clear allocates a new table anyway, and the base is not ours
    this.base = undefined;
    this.own = undefined;
    this.gone = undefined;
    this.flat = EMPTY;
  }

  get size(): number {
    return this.entries().length;
  }

  /** The contents, to rebuild an equal collection with restore(). */
  snapshot(): CollectionSnapshot {
    const out: [string, Entry[]][] = [];
    this.eachList((lk, list) => { out.push([lk, list.map((e) => ({ key: e.key, value: e.value }))]); });
    return out;
  }

  /** Replaces the contents with a snapshot's (entries are copied: set() changes them in place). */
  restore(snap: CollectionSnapshot): void {
    const own = new Map<string, Entry[]>();
    for (const [lk, list] of snap) {
      const copy = new Array<Entry>(list.length);
      for (let i = 0; i < list.length; i++) copy[i] = { key: list[i]!.key, value: list[i]!.value };
      own.set(lk, copy);
    }
    this.base = undefined;
    this.gone = undefined;
    this.own = own;
    this.flat = undefined;
  }

  /**
   * Each key's list in map order: the base's keys where they stand (with this collection's list
   * for the ones written here), then the keys that are new here or came back after a delete.
   */
  private eachList(fn: (lk: string, list: Entry[]) => void): void {
    const { base, own, gone } = this;
    if (base !== undefined) {
      const { keys, lists } = base;
      for (let i = 0; i < keys.length; i++) {
        const lk = keys[i]!;
        if (gone?.has(lk) === true) continue;
        fn(lk, own?.get(lk) ?? lists[i]!);
      }
    }
    if (own !== undefined) {
      for (const lk of own.keys()) {
        if (base !== undefined && base.byKey.has(lk) && gone?.has(lk) !== true) continue;
        fn(lk, own.get(lk)!);
      }
    }
  }

  /**
   * The entries whose key the selector accepts, in entries() order. A literal selector reads the
   * lower-case keys the collection already holds (TX has ~100 keys on every request).
   */
  select(m: KeyMatcher): readonly Entry[] {
    const lit = m.literal;
    let out: Entry[] | undefined;
    if (lit) {
      // eachList's order, without a closure per call (CRS selects TX keys this way on every request)
      const { base, own, gone } = this;
      const text = lit.text;
      const anchored = lit.anchored;
      if (base !== undefined) {
        const { keys, lists } = base;
        for (let i = 0; i < keys.length; i++) {
          const lk = keys[i]!;
          if ((anchored ? !lk.startsWith(text) : !lk.includes(text)) || gone?.has(lk) === true) continue;
          out ??= [];
          for (const e of own?.get(lk) ?? lists[i]!) out.push(e);
        }
      }
      if (own !== undefined) {
        for (const lk of own.keys()) {
          if (anchored ? !lk.startsWith(text) : !lk.includes(text)) continue;
          if (base !== undefined && base.byKey.has(lk) && gone?.has(lk) !== true) continue;
          out ??= [];
          for (const e of own.get(lk)!) out.push(e);
        }
      }
    } else {
      for (const e of this.entries()) {
        if (!m.test(e.key)) continue;
        out ??= [];
        out.push(e);
      }
    }
    return out ?? EMPTY;
  }

  private namesOf: readonly Entry[] | undefined;
  private nameList: readonly Entry[] = EMPTY;

  /**
   * The keys as values (`REQUEST_HEADERS_NAMES`...), made again only when entries() is a new array
   * (any change but a value set in place, which keeps the keys): CRS reads the header names
   * several times per request.
   */
  names(): readonly Entry[] {
    const flat = this.entries();
    if (this.namesOf !== flat) {
      this.namesOf = flat;
      this.nameList = flat.map((e) => ({ key: e.key, value: e.key }));
    }
    return this.nameList;
  }

  entries(): readonly Entry[] {
    if (this.flat) return this.flat;
    const out: Entry[] = [];
    this.eachList((_lk, list) => { for (const e of list) out.push(e); });
    this.flat = out;
    return out;
  }
}

const collectionIndexes = new Map<string, number>();

/** A small integer per collection name, for Transaction.collectionAt (names are a load-time set). */
export function collectionIndex(name: string): number {
  let i = collectionIndexes.get(name);
  if (i === undefined) {
    i = collectionIndexes.size;
    collectionIndexes.set(name, i);
  }
  return i;
}

/** A collection's contents shared read-only by every collection that adopts them. */
export interface FrozenCollection {
  readonly byKey: ReadonlyMap<string, Entry[]>;
  /** The keys in map order, with their lists: walked without a map iterator. */
  readonly keys: readonly string[];
  readonly lists: readonly Entry[][];
  readonly flat: readonly Entry[];
}

export type CollectionSnapshot = readonly (readonly [string, readonly Entry[]])[];

const EMPTY: readonly Entry[] = [];
