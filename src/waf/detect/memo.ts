// Request values repeat a lot (user agents, cookie names, common parameters), and both detectors
// are pure functions of their input, so short inputs' answers are remembered. Bounded: the map is
// dropped when full, which costs only recomputation, never a wrong answer.

/** Longest input remembered; longer ones are rare repeats and would cost memory. */
export const MEMO_MAX_INPUT = 256;

export class BoundedMemo<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly maxEntries: number) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    if (this.map.size >= this.maxEntries) this.map.clear();
    this.map.set(key, value);
  }
}
