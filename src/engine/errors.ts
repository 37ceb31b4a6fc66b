/** Options shared by every {@link MigrationError}. */
export interface MigrationErrorOptions {
  /** What the user can do about it; printed after the message, never part of it. */
  hint?: string;
  /** The underlying error (driver, file system), kept for debugging and `--verbose` output. */
  cause?: unknown;
  /**
   * Display path of the migration file the error is about (e.g. `db/migrations/1_a.sql`), so the
   * action can annotate it: a file that does not parse, or the one applied out of order.
   */
  file?: string;
}

/**
 * Base class of every error the engine raises on purpose.
 *
 * `message` is what the user sees (after `Error: `), kept byte-identical to dbmate's text where
 * dbmate has one; `code` is stable so callers and tests can branch on it without matching text.
 */
export class MigrationError extends Error {
  /** Stable machine-readable identifier, e.g. `PARSE_MISSING_UP`. */
  readonly code: string;
  /** Suggested fix, shown separately so the message itself can stay dbmate-compatible. */
  readonly hint?: string;
  /** Display path of the migration file it is about, when there is one. */
  readonly file?: string;

  /**
   * @param code stable identifier, e.g. `MIGRATIONS_DIR_MISSING`
   * @param message user-facing text
   * @param opts optional hint and cause
   */
  constructor(code: string, message: string, opts: MigrationErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    // Set explicitly: class names can be mangled by the bundler, and users see `name` in stack traces.
    this.name = 'MigrationError';
    this.code = code;
    if (opts.hint !== undefined) this.hint = opts.hint;
    if (opts.file !== undefined) this.file = opts.file;
  }
}

/** A migration file that cannot be parsed into exactly one up and one down section. */
export class ParseError extends MigrationError {
  /**
   * @param code stable identifier, e.g. `PARSE_MISSING_DOWN`
   * @param message user-facing text (callers prefix it with the file's display path)
   * @param opts optional file, hint and cause
   */
  constructor(code: string, message: string, opts: MigrationErrorOptions = {}) {
    super(code, message, opts);
    this.name = 'ParseError';
  }
}
