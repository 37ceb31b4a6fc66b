/**
 * A command line urfave/cli would reject. The message is urfave's wording (e.g.
 * `flag provided but not defined: -strict`); print it with {@link formatUsageError}.
 */
export class CliUsageError extends Error {
  /** 2 for bad flags (dbmate prints help and `Error: …`), 3 for an unknown command (urfave's `No help topic`). */
  readonly exitCode: 2 | 3;
  /** Help of the scope that failed, printed on stdout after `Incorrect Usage: <message>`; absent for exit 3. */
  readonly helpText?: string;
  /** Our addition, printed after the error: what to change. */
  readonly hint?: string;

  /**
   * @param message urfave-style text without `Error: `
   * @param opts exit code (default 2), help text of the failing scope, hint
   */
  constructor(message: string, opts: { exitCode?: 2 | 3; helpText?: string; hint?: string } = {}) {
    super(message);
    this.name = 'CliUsageError';
    this.exitCode = opts.exitCode ?? 2;
    if (opts.helpText !== undefined) this.helpText = opts.helpText;
    if (opts.hint !== undefined) this.hint = opts.hint;
  }
}

/**
 * How to print a {@link CliUsageError} the way dbmate does: exit 2 errors put `Incorrect Usage:`
 * and the help on stdout and `Error: <message>` on stderr; exit 3 prints the bare message on stderr.
 */
export function formatUsageError(err: CliUsageError): { stdout: string; stderr: string; exitCode: 2 | 3 } {
  const hint = err.hint !== undefined ? `hint: ${err.hint}\n` : '';
  if (err.exitCode === 3) return { stdout: '', stderr: `${err.message}\n${hint}`, exitCode: 3 };
  const stdout = err.helpText !== undefined ? `Incorrect Usage: ${err.message}\n\n${err.helpText}` : '';
  return { stdout, stderr: `Error: ${err.message}\n${hint}`, exitCode: 2 };
}
