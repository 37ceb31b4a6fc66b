import type { DatabaseCommandContext } from './context.js';
import { planRollbackCommand } from './plan.js';
import { finishRun } from './run-result.js';

/**
 * `rollback` (alias `down`): undo the last applied migration in filename order, as dbmate picks it,
 * or the last `--steps N`. `--dry-run` prints what would be undone instead.
 *
 * @throws the run's error (nothing applied, a failing down section) after `--json` printed the run
 */
export async function rollbackCommand(ctx: DatabaseCommandContext): Promise<number> {
  const { opts, migrator, out } = ctx;
  if (opts.dryRun) return planRollbackCommand(ctx);
  return finishRun(opts, await migrator.rollback({ steps: opts.steps ?? 1 }), out);
}
