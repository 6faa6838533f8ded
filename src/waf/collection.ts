import type { Entry } from './types.js';
import type { KeyMatcher } from './key-selector.js';

/**
 * A key/value collection (ARGS_GET, REQUEST_HEADERS, TX...). Keys keep their case for reporting
 * and are looked up case-insensitively, as ModSecurity does. A key may hold several values
 * (repeated arguments or headers), kept in arrival order.
 */
export class Collection {
  // made on the first write: a transaction has 14 collections, and most stay empty
  private byKey: Map<string, Entry[]> | undefined;
  private flat: readonly Entry[] | undefined = EMPTY;
  /** byKey and flat are a frozen collection's (see adopt): copied before the first write. */
  private shared = false;

  add(key: string, value: string): void {
    this.addLower(key, key.toLowerCase(), value);
  }

  /**
   * Takes a frozen collection's contents without copying them. A folded rule leaves MATCHED_VARS
   * the same on every request (~80 times per GET with CRS): it was rebuilt each time, a map, a
   * list and an entry per value. Reads see the frozen contents; a write copies them first.
   */
  adopt(f: FrozenCollection): void {
    this.byKey = f.byKey;
    this.flat = f.flat;
    this.shared = f.byKey !== undefined;
  }

  /** This collection's contents, for adopt(); it must not be written afterwards. */
  freeze(): FrozenCollection {
    return { byKey: this.byKey, flat: this.entries() };
  }

  /** The map to write to: made on the first write, or copied from the frozen one adopted. */
  private writable(): Map<string, Entry[]> {
    if (this.shared) {
      const own = new Map<string, Entry[]>();
      for (const [lk, list] of this.byKey!) own.set(lk, list.map((e) => ({ key: e.key, value: e.value })));
      this.byKey = own;
      this.flat = undefined;
      this.shared = false;
      return own;
    }
    return (this.byKey ??= new Map());
  }

  /** add() with the key already lower-cased (`lk` must be `key.toLowerCase()`). */
  addLower(key: string, lk: string, value: string): void {
    const byKey = this.writable();
    const list = byKey.get(lk);
    const e = { key, value };
    if (list) list.push(e);
    else byKey.set(lk, [e]);
    this.flat = undefined;
  }

  /** Replaces every value of `key` with one. */
  set(key: string, value: string): void {
    this.setLower(key, key.toLowerCase(), value);
  }

  /** set() with the key already lower-cased (`lk` must be `key.toLowerCase()`). */
  setLower(key: string, lk: string, value: string): void {
    const byKey = this.writable();
    const list = byKey.get(lk);
    if (list && list.length === 1) {
      list[0]!.value = value;
      return;
    }
    byKey.set(lk, [{ key, value }]);
    this.flat = undefined;
  }

  /** First value of a lower-case key. */
  first(lkey: string): string | undefined {
    return this.byKey?.get(lkey)?.[0]?.value;
  }

  get(lkey: string): readonly Entry[] {
    return this.byKey?.get(lkey) ?? EMPTY;
  }

  delete(lkey: string): void {
    if (this.byKey?.has(lkey) !== true) return;
    this.writable().delete(lkey);
    this.flat = undefined;
  }

  clear(): void {
    if (this.byKey === undefined || this.byKey.size === 0) return;
    // dropped rather than cleared: Map#clear allocates a new table anyway, and a frozen one is not ours
    this.byKey = undefined;
    this.flat = EMPTY;
    this.shared = false;
  }

  get size(): number {
    return this.entries().length;
  }

  /** The contents, to rebuild an equal collection with restore(). */
  snapshot(): CollectionSnapshot {
    const out: [string, Entry[]][] = [];
    if (this.byKey) for (const [lk, list] of this.byKey) out.push([lk, list.map((e) => ({ key: e.key, value: e.value }))]);
    return out;
  }

  /** Replaces the contents with a snapshot's (entries are copied: set() changes them in place). */
  restore(snap: CollectionSnapshot): void {
    const byKey = new Map<string, Entry[]>();
    this.byKey = byKey;
    this.shared = false;
    for (const [lk, list] of snap) {
      const copy = new Array<Entry>(list.length);
      for (let i = 0; i < list.length; i++) copy[i] = { key: list[i]!.key, value: list[i]!.value };
      byKey.set(lk, copy);
    }
    this.flat = undefined;
  }

  /**
   * The entries whose key the selector accepts, in entries() order. A literal selector reads the
   * lower-case keys the collection already holds (TX has ~100 keys on every request).
   */
  select(m: KeyMatcher): readonly Entry[] {
    const lit = m.literal;
    let out: Entry[] | undefined;
    if (lit) {
      if (this.byKey === undefined) return EMPTY;
      const text = lit.text;
      for (const lk of this.byKey.keys()) {
        if (lit.anchored ? !lk.startsWith(text) : !lk.includes(text)) continue;
        out ??= [];
        for (const e of this.byKey.get(lk)!) out.push(e);
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

  entries(): readonly Entry[] {
    if (this.flat) return this.flat;
    const out: Entry[] = [];
    if (this.byKey) for (const list of this.byKey.values()) for (const e of list) out.push(e);
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
  readonly byKey: Map<string, Entry[]> | undefined;
  readonly flat: readonly Entry[];
}

export type CollectionSnapshot = readonly (readonly [string, readonly Entry[]])[];

const EMPTY: readonly Entry[] = [];
