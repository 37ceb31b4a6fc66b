import type { RunResult } from '../../engine/results.js';
import { withBackup } from './backup.js';
import type { StepContext } from './context.js';
import { recordRun } from './record.js';

/**
 * `command: rollback`: undo the newest `steps` migrations (default 1), after a backup when the
 * policy says so. Returns the engine's result; undefined when the backup failed and nothing ran.
 */
export async function rollback(ctx: StepContext): Promise<RunResult | undefined> {
  const { settings: s, ports, log } = ctx;
  const r = await log.group(ctx.backup.take ? 'Backup and rollback' : 'Rollback', () =>
    withBackup(ctx, 'rollback', (beforeApply) => ports.migrator.rollback({ steps: s.steps ?? 1, ...(beforeApply ? { beforeApply } : {}) })),
  );
  if (r) recordRun(ctx, r);
  return r;
}
