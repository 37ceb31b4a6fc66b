import type { CliOptions } from '../args/options.js';
import type { MigrationError } from '../../engine/errors.js';
import type { RunResult } from '../../engine/results.js';
import { SqlMigrationError } from '../../engine/sql-error.js';
import type { RunStatus } from '../../engine/vocabulary.js';
import type { Out } from './context.js';
import { jsonError, reportedInDocument } from '../json-error.js';

/**
 * The end of `up`/`migrate`/`rollback`: under `--json` print the run as a document (also when it
 * failed, so scripts see which step broke), then throw the run's error for `main` to print (exit 2).
 *
 * @returns 0 when the run succeeded
 */
export function finishRun(opts: CliOptions, r: RunResult, out: Out): number {
  if (opts.json) out(`${JSON.stringify(runJson(r), null, 2)}\n`);
  if (r.error) throw opts.json ? reportedInDocument(r.error) : r.error;
  return 0;
}

function runJson(r: RunResult): unknown {
  // The action's `status` words: the CLI has no automatic rollback, so never `rolled-back`.
  const status: RunStatus = r.cancelled ? 'cancelled' : r.error ? 'failed' : r.steps.length ? 'success' : 'nothing-to-do';
  return {
    command: r.command,
    status,
    ...(r.stateUnknown ? { stateUnknown: true, unknownReason: r.unknownReason } : {}),
    steps: r.steps.map((s) => ({
      version: s.version,
      file: s.displayPath,
      direction: s.direction,
      outcome: s.outcome,
      transaction: s.transaction,
      durationMs: Math.round(s.durationMs * 1000) / 1000,
      attempts: s.attempts,
      ...(s.committedUnheard ? { committedUnheard: true } : {}),
      error: s.error ? errorJson(s.error) : undefined,
    })),
    pending: r.pending,
    currentVersion: r.currentVersion ?? null,
    schemaFile: r.schemaFile ?? null,
    dumpError: r.dumpError?.message,
    durationMs: r.durationMs,
    // The same object `main` prints as `{"error": …}` for the other commands (json-error.ts).
    ...(r.error ? { error: jsonError(r.error) } : {}),
  };
}

function errorJson(e: Error): unknown {
  if (e instanceof SqlMigrationError) return { code: e.code, message: e.message, hint: e.hint, ...e.failure };
  return { code: (e as MigrationError).code, message: e.message, hint: (e as MigrationError).hint };
}
