/**
 * The action's own error, and every failure as data: what `run.error` (and the rollback's error)
 * holds, so outputs, summary, annotations and the issue all read the same fields.
 */
import { MigrationError } from '../engine/errors.js';
import { SqlMigrationError } from '../engine/sql-error.js';
import type { RunError } from './run-result.js';

/** Error for a run the action refuses or fails on its own account (a failed health check, for one). */
export class ActionError extends MigrationError {
  /**
   * @param code stable identifier, e.g. `HEALTH_CHECK_FAILED`
   * @param message user-facing text
   * @param hint what to do about it, when there is something to say
   */
  constructor(code: string, message: string, hint?: string) {
    super(code, message, hint !== undefined ? { hint } : {});
    this.name = 'ActionError';
  }
}

/** The engine's hints that speak of the CLI, said as what is true for the action. */
const ACTION_HINTS: Readonly<Record<string, string>> = {
  DATABASE_MISSING:
    'the action creates a missing database only for `command: up` outside production, never in production: create the database, or point `database-url` (or the environment\'s `<ENV>_DATABASE_URL`) at the right one',
};

/** The failure as data: SQL errors keep their file, line, column, statement and SQLSTATE. */
export function errorOf(err: unknown): RunError {
  if (err instanceof SqlMigrationError) {
    const f = err.failure;
    return {
      message: err.message,
      details: err.describe(),
      code: err.code,
      file: f.file,
      version: f.version,
      ...(f.line !== undefined ? { line: f.line, column: f.column ?? 1 } : {}),
      ...(f.sqlstate ? { sqlstate: f.sqlstate } : {}),
      ...(f.statement ? { statement: f.statement } : {}),
      ...(err.hint ? { hint: err.hint } : {}),
    };
  }
  if (err instanceof MigrationError) {
    const file = err.file;
    const hint = ACTION_HINTS[err.code] ?? err.hint;
    return {
      message: err.message,
      details: hint ? `${err.message}\n  hint: ${hint}` : err.message,
      code: err.code,
      ...(file ? { file } : {}),
      ...(hint ? { hint } : {}),
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { message, details: message };
}
