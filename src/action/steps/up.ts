import type { RunResult } from '../../engine/results.js';
import { autoRollback } from './auto-rollback.js';
import { withBackup } from './backup.js';
import type { StepContext } from './context.js';
import { failedChecks, healthChecks, invalidIndexesBefore } from './health.js';
import { recordRun } from './record.js';

/**
 * `command: up` with its safety net: back up when the policy says so, apply, then run the health
 * checks; after a failed migration or a failed check, roll back what this run applied
 * (`rollback-on-failure`). All of it under one session and one migration lock, so no other run
 * can start on a half-finished deploy. After a cancel nothing new starts: no health check, no
 * automatic rollback (each of this run's migrations committed whole, and the job is about to be
 * killed). Returns the engine's result; undefined when the backup failed and nothing ran.
 */
export async function up(ctx: StepContext): Promise<RunResult | undefined> {
  const { settings: s, ports, log, run, signal } = ctx;
  // A missing database is created by `up`, as dbmate's does; never in production.
  const createDatabase = s.environment !== 'production';
  // Indexes that are INVALID already are not this run's doing.
  const invalidBefore = await invalidIndexesBefore(ctx);
  return ports.migrator.holdLock({ createDatabase }, async () => {
    const r = await log.group(ctx.backup.take ? 'Backup and apply' : 'Apply', () =>
      withBackup(ctx, 'up', (beforeApply) => ports.migrator.up({ createDatabase, ...(s.steps !== undefined ? { steps: s.steps } : {}), ...(beforeApply ? { beforeApply } : {}) })),
    );
    if (!r) return undefined;
    if (r.databaseCreated) run.notes.push(`Database ${s.target.database} did not exist and was created (as dbmate's \`up\` does; never in production).`);
    recordRun(ctx, r);
    if (signal?.aborted) return r;
    if (r.error) {
      const failed = r.steps.find((st) => st.error);
      await autoRollback(ctx, failed ? `migration ${failed.version} failed` : 'the run failed');
      return r;
    }
    if (run.applied.length === 0) return r;

    const health = await healthChecks(ctx, r, invalidBefore);
    if (!health.ok && !signal?.aborted) await autoRollback(ctx, `health check failed: ${failedChecks(health).map((c) => c.name).join(', ')}`);
    return r;
  });
}
