import type { DatabaseCommandContext } from './context.js';
import { lintBeforeApply } from './lint-preflight.js';
import { planCommand } from './plan.js';
import { finishRun } from './run-result.js';

/**
 * `up` and `migrate`: apply pending migrations (`--steps N`: at most N); `up` first creates the
 * database when it is missing, as dbmate does. `--dry-run` prints the plan instead. The pending
 * files are linted first, under the lock (lint-preflight.ts): findings are warnings on stderr, and
 * stop the run with nothing applied only under `--lint-fail-on`.
 *
 * @throws the run's error (connection, SQL, `--strict` order, `LINT_FAILED`) after `--json` printed the run
 */
export async function upCommand(ctx: DatabaseCommandContext): Promise<number> {
  const { opts, migrator, out } = ctx;
  if (opts.dryRun) return planCommand(ctx);
  return finishRun(opts, await migrator.up({ createDatabase: opts.command === 'up', steps: opts.steps, beforeApply: lintBeforeApply(ctx) }), out);
}
