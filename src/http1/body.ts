/** Where a streamed body goes: `write` returns false when the receiver is full (wait for `resume`). */
export interface BodySink {
  write(chunk: Buffer): boolean;
  end(): void;
  error(err: Error): void;
}

/**
 * A request body streamed from the caller's connection to the upstream one. The source calls the
 * sink; when a write returns false it stops reading its socket until `resume`.
 */
export interface BodySource {
  /** Content-Length when the caller sent one; undefined for a chunked body. */
  readonly length: number | undefined;
  start(sink: BodySink): void;
  resume(): void;
  /** The exchange is over: stop delivering. */
  stop(): void;
}
