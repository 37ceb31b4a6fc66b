/**
 * What a failing command prints on stdout under `--json`, so a script reading stdout always gets a
 * JSON document, also when the command failed (the human message still goes to stderr and the
 * exit code is unchanged). The shape is stable:
 *
 * ```json
 * { "error": { "code": "CONNECT_FAILED", "message": "cannot connect to …", "hint": "check the host, …" } }
 * ```
 *
 * `code` is the error's stable code (`USAGE` for a command line we reject, `ENV_FILE` for an
 * unreadable env file, `ERROR` for an unexpected one), `hint` is null when there is none, and a
 * SQL failure adds its details (file, version, line, sqlstate, …) next to them. `up`, `migrate` and
 * `rollback` print their run document instead, with the same object as its `error` field.
 */
import { MigrationError } from '../engine/errors.js';
import { SqlMigrationError } from '../engine/sql-error.js';

/** The `error` object of a JSON error document (and of a failed run's document). */
export interface JsonError {
  /** Stable code of the error. */
  code: string;
  /** The message, as stderr's `Error: ` line says it. */
  message: string;
  /** What to do about it, or null. */
  hint: string | null;
  /** A SQL failure's details (file, version, statement, line, column, sqlstate, …). */
  [detail: string]: unknown;
}

/** The `error` object for any thrown value. */
export function jsonError(e: unknown, fallbackCode = 'ERROR'): JsonError {
  if (e instanceof SqlMigrationError) return { code: e.code, message: e.message, hint: e.hint ?? null, ...e.failure };
  if (e instanceof MigrationError) return { code: e.code, message: e.message, hint: e.hint ?? null };
  const m = e as { message?: unknown; code?: unknown; hint?: unknown };
  return {
    code: typeof m?.code === 'string' ? m.code : fallbackCode,
    message: typeof m?.message === 'string' ? m.message : String(e),
    hint: typeof m?.hint === 'string' ? m.hint : null,
  };
}

/** The document `main` prints on stdout: `{"error": …}`, indented as every other `--json` document. */
export function jsonErrorDocument(error: JsonError): string {
  return `${JSON.stringify({ error }, null, 2)}\n`;
}

// Errors whose command already printed a document that carries them (a failed run): main prints no second one.
const inDocument = new WeakSet<object>();

/** Mark an error as already reported in the command's own `--json` document. */
export function reportedInDocument<E>(e: E): E {
  if (e && typeof e === 'object') inDocument.add(e);
  return e;
}

/** Whether the command's own document already carries this error. */
export function isReportedInDocument(e: unknown): boolean {
  return !!e && typeof e === 'object' && inDocument.has(e);
}

/**
 * Whether the command line asks for JSON, read from the words themselves: for errors raised before
 * the options are parsed (a bad flag, an unreadable env file). Any `--json`/`-json` before `--`.
 */
export function argvWantsJson(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    const m = /^--?json(?:=(.*))?$/.exec(a);
    if (m && (m[1] === undefined || ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(m[1]))) return true;
  }
  return false;
}
