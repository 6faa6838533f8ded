/**
 * Collects the first `max` bytes of a body as it streams past, and counts the rest, so a record can
 * say how much was cut instead of dropping a large body silently.
 */
export class BodyCapture {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;

  constructor(readonly max: number) {}

  add(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.kept >= this.max) return;
    const take = Math.min(chunk.length, this.max - this.kept);
    // Copy only the slice we keep: the proxy may reuse the chunk's memory.
    this.chunks.push(Buffer.from(chunk.subarray(0, take)));
    this.kept += take;
  }

  get truncated(): boolean {
    return this.total > this.kept;
  }

  bytes(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.kept);
  }

  /** The same body as a capture with a smaller cap would have seen it. */
  limited(max: number): BodyCapture {
    if (max >= this.max) return this;
    const c = new BodyCapture(max);
    const b = this.bytes();
    c.chunks = [b.subarray(0, Math.min(max, b.length))];
    c.kept = c.chunks[0]!.length;
    c.total = this.total;
    return c;
  }
}
