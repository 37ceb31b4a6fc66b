import type { DatabaseCommandContext } from './context.js';
import { planRollbackCommand } from './plan.js';
import { finishRun } from './run-result.js';

/**
 * `rollback` (alias `down`): undo the last applied migration in filename order, as dbmate picks it,
 * or the last `--steps N`. `--dry-run` prints what would be undone instead. When fewer than N were
 * applied, stdout stays dbmate's and stderr says how many of the N were undone.
 *
 * @throws the run's error (nothing applied, a failing down section) after `--json` printed the run
 */
export async function rollbackCommand(ctx: DatabaseCommandContext): Promise<number> {
  const { opts, migrator, out, log } = ctx;
  if (opts.dryRun) return planRollbackCommand(ctx);
  const requested = opts.steps ?? 1;
  const r = await migrator.rollback({ steps: requested });
  const done = r.steps.filter((s) => s.direction === 'down' && s.outcome === 'rolled-back').length;
  // Only a run that ended because the ledger ran out: a failure or a cancel says its own reason.
  if (!r.error && !r.cancelled && done > 0 && done < requested) {
    log.warn(`rolled back ${done} of the ${requested} requested: only ${done} ${done === 1 ? 'was' : 'were'} applied`);
  }
  return finishRun(opts, r, out);
}
