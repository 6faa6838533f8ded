/**
 * The per-phase caches of Transaction (selected values, joined and transformed stages, Set
 * results), keyed by the ids the rule set gave its cache keys at load: a slot in an array instead
 * of a string-keyed map lookup (hash, then compare a key of a hundred characters) per use, and
 * nothing to clear between phases. Keys built at run time (rules with a ctl: target removal) go to
 * a map.
 *
 * The slot arrays are shared by every transaction of one rule set: a phase runs to its end without
 * yielding, and each phase run takes a new generation, so a slot holds a value only for the
 * generation that wrote it; any other reader sees a miss and computes the value itself.
 */
export interface SharedSlots<T> {
  readonly vals: (T | undefined)[];
  readonly gens: Int32Array;
}

export class PhaseCache<T> {
  private map: Map<string, T> | undefined;
  /** No generation yet: -1 matches no slot (fresh slots hold 0). */
  private gen = -1;

  constructor(private readonly slots: SharedSlots<T>) {}

  begin(gen: number): void {
    this.gen = gen;
    if (this.map?.size) this.map.clear();
  }

  has(k: number | string): boolean {
    return typeof k === 'number' ? this.slots.gens[k] === this.gen : this.map?.has(k) === true;
  }

  get(k: number | string): T | undefined {
    if (typeof k !== 'number') return this.map?.get(k);
    return this.slots.gens[k] === this.gen ? this.slots.vals[k] : undefined;
  }

  set(k: number | string, v: T): void {
    if (typeof k !== 'number') {
      (this.map ??= new Map()).set(k, v);
      return;
    }
    this.slots.gens[k] = this.gen;
    this.slots.vals[k] = v;
  }
}

/** One rule set's shared slots, one array pair per cache. */
export class SlotStore {
  private gen = 0;
  readonly all: SharedSlots<unknown>[] = [];

  constructor(readonly size: number) {}

  slots<T>(): SharedSlots<T> {
    const s: SharedSlots<T> = { vals: new Array<T | undefined>(this.size), gens: new Int32Array(this.size) };
    this.all.push(s as SharedSlots<unknown>);
    return s;
  }

  /** A generation no earlier phase run used (0 is never one: fresh slots hold it). */
  next(): number {
    if (this.gen === 0x7fffffff) {
      for (const s of this.all) s.gens.fill(0);
      this.gen = 0;
    }
    return ++this.gen;
  }
}

/** Gives each distinct key string one small integer, in order of first use. */
export class KeyIds {
  private readonly ids = new Map<string, number>();

  of(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(key, id);
    }
    return id;
  }

  get size(): number {
    return this.ids.size;
  }
}
