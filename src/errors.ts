/** Where in a user's file a problem is. `line` is 1-based; absent when the problem is the file as a whole. */
export interface SourcePos {
  file: string;
  line?: number;
  column?: number;
}

/**
 * An error in something a user wrote (config, policy, rule). The message always starts with
 * `file:line:` so editors and CI annotate it; the running snapshot is never replaced by one that failed.
 */
export class UserInputError extends Error {
  readonly pos: SourcePos;
  readonly key: string | undefined;
  constructor(pos: SourcePos, message: string, key?: string) {
    const where = pos.line ? `${pos.file}:${pos.line}${pos.column ? `:${pos.column}` : ''}` : pos.file;
    super(`${where}: ${key ? `${key}: ` : ''}${message}`);
    this.name = 'UserInputError';
    this.pos = pos;
    this.key = key;
  }
}

/** Several user errors found in one pass, reported together. */
export class UserInputErrors extends Error {
  readonly errors: UserInputError[];
  constructor(errors: UserInputError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'UserInputErrors';
    this.errors = errors;
  }
}
