/**
 * How the engine's results land in the run: shared by the steps that apply (`up`), undo
 * (`rollback`, the automatic rollback) or only look (plans, `status`).
 */
import { editedWarning } from '../../engine/history.js';
import type { RunResult } from '../../engine/results.js';
import type { StepResult } from '../../engine/runner.js';
import { errorOf } from '../errors.js';
import type { ActionRun, MigrationRow, RowStatus } from '../run-result.js';
import type { StepContext } from './context.js';

/** The version the database is at now; none when the engine could not tell (or nothing is applied). */
export function setCurrent(run: ActionRun, v: string | undefined): void {
  if (v !== undefined) run.currentVersion = v;
  else delete run.currentVersion;
}

/**
 * The row of a migration the engine ran (applied, undone or failed), with its time in ms to
 * three decimals, so fast steps do not read as 0, and its attempts when a lock timeout retried it.
 */
export function stepRow(st: StepResult, status: RowStatus): MigrationRow {
  return {
    version: st.version,
    file: st.displayPath,
    status,
    durationMs: Math.round(st.durationMs * 1000) / 1000,
    transaction: st.transaction,
    ...(st.attempts > 1 ? { attempts: st.attempts } : {}),
  };
}

/**
 * Record an `up` or `rollback` result: one row per step (and, after `up`, one per file still
 * pending), the versions applied and undone, where the database is now, and the run's status:
 * `failed` with the engine's error, else `success`, or `nothing-to-do` when no step ran.
 */
export function recordRun(ctx: StepContext, r: RunResult): void {
  const { run, warn } = ctx;
  const last = r.steps.at(-1);
  run.rows = r.steps.map((st) => stepRow(st, r.stateUnknown && st === last && st.error ? 'unknown' : st.outcome));
  const touched = new Set(r.steps.map((st) => st.version));
  if (r.command === 'up') {
    for (const m of r.pendingFiles) if (!touched.has(m.version)) run.rows.push({ version: m.version, file: m.displayPath, status: 'pending' });
  }
  run.applied = r.steps.filter((st) => st.outcome === 'applied').map((st) => st.version);
  run.rolledBack = r.steps.filter((st) => st.outcome === 'rolled-back').map((st) => st.version);
  run.pending = r.pending;
  setCurrent(run, r.currentVersion);
  if (r.schemaFile) run.schemaFile = r.schemaFile;
  if (r.dumpError) warn(`the schema dump failed (the migrations themselves succeeded): ${r.dumpError.message}`);
  // The engine logged these during `up`: recorded for the summary, not logged twice.
  for (const v of r.edited ?? []) run.warnings.push(editedWarning(r.files.find((f) => f.version === v)?.displayPath ?? `migration ${v}`));
  for (const st of r.steps) if (st.committedUnheard) run.notes.push(`${st.displayPath} committed, but its answer was lost with the connection: the ledger, read once the old session was ended, shows it ${st.direction === 'up' ? 'applied' : 'rolled back'}.`);
  if (r.cancelled) {
    run.status = 'cancelled';
    run.cancelled = r.cancelled;
    if (r.error) run.error = errorOf(r.error);
  } else if (r.error) {
    run.status = 'failed';
    run.error = errorOf(r.error);
  } else {
    run.status = r.steps.length > 0 ? 'success' : 'nothing-to-do';
  }
}
