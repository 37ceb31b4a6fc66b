/**
 * What happens after a failed migration or a failed health check: this run's migrations are
 * undone, newest first, through the engine, when `rollback-on-failure` says so. Whatever happens
 * here, the original failure stays the run's error; the rollback's own trouble is reported beside it.
 */
import type { VersionsRollbackResult } from '../../engine/results.js';
import { errorOf } from '../errors.js';
import type { RollbackReport } from '../run-result.js';
import type { StepContext } from './context.js';
import { setCurrent, stepRow } from './record.js';

/**
 * Undo what this run applied (`run.applied`), because of `reason` (e.g. `migration 3 failed`).
 * The run ends `rolled-back` when everything was undone, `failed` when something of this run is
 * still applied. Returns the rollback's report; undefined when nothing was undone on purpose
 * (nothing applied, or `rollback-on-failure: false`).
 */
export async function autoRollback(ctx: StepContext, reason: string): Promise<RollbackReport | undefined> {
  const { settings: s, ports, log, run, warn } = ctx;
  // A warning in the log (an annotation on the job), not in the run's list: the summary's and the
  // issue's rollback sections already say exactly what is still applied, and once is enough.
  const stillApplied = (message: string) => log.warn(message);
  const mine = [...run.applied];
  if (mine.length === 0) {
    run.notes.push('Nothing to roll back: this run applied no migration before it failed.');
    return undefined;
  }
  if (!s.rollbackOnFailure) {
    warn(`rollback-on-failure is false: the ${mine.length} migration(s) this run applied remain applied: ${[...mine].reverse().join(', ')}`);
    return undefined;
  }
  let rb: VersionsRollbackResult;
  try {
    rb = await log.group('Automatic rollback', () => ports.migrator.rollbackVersions(mine, { reason }));
  } catch (err) {
    run.rollback = { reason, requested: [...mine].reverse(), rolledBack: [], remaining: [...mine].reverse(), error: errorOf(err) };
    stillApplied(`the automatic rollback could not start: ${(err as Error).message}; still applied from this run: ${[...mine].reverse().join(', ')}`);
    return run.rollback;
  }
  for (const st of rb.steps) run.rows.push(stepRow(st, st.outcome === 'rolled-back' ? 'rolled-back' : st.outcome === 'cancelled' ? 'cancelled' : 'rollback-failed'));
  const rolledBack = rb.steps.filter((st) => st.outcome === 'rolled-back').map((st) => st.version);
  run.rolledBack = rolledBack;
  const remaining = rb.remaining.map((m) => m.version);
  run.rollback = {
    reason,
    requested: rb.requested,
    rolledBack,
    remaining,
    ...(rb.stoppedAt ? { stoppedAt: { version: rb.stoppedAt.version, ...(rb.stoppedAt.displayPath ? { file: rb.stoppedAt.displayPath } : {}), reason: rb.stoppedAt.reason } } : {}),
    ...(rb.error ? { error: errorOf(rb.error) } : {}),
  };
  if (!rb.stateUnknown) {
    run.pending = rb.pending;
    setCurrent(run, rb.currentVersion);
  }
  if (rb.dumpError) warn(`the schema dump after the rollback failed: ${rb.dumpError.message}`);
  if (rb.cancelled) {
    // The original failure stays the run's error; the cancel is why the rollback did not finish.
    run.status = 'cancelled';
    run.cancelled = rb.cancelled;
    stillApplied(`the job was cancelled (${rb.cancelled}) during the automatic rollback; still applied from this run: ${remaining.join(', ') || 'none'}`);
  } else if (rb.error || remaining.length > 0) {
    run.status = 'failed';
    stillApplied(`the automatic rollback stopped${rb.error ? `: ${rb.error.message}` : ''}; still applied from this run: ${remaining.join(', ') || 'none'}`);
  } else {
    run.status = 'rolled-back';
  }
  return run.rollback;
}
