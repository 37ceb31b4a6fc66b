/**
 * Dry runs of `up` (also `command: plan`) and `rollback`: what would run, with each migration's
 * mode and exact SQL, and whether a backup would be taken. Only the engine's read-only calls
 * (`plan`, `planRollback`) and the server's version are used, so nothing can change.
 */
import { editedWarning } from '../../engine/history.js';
import type { PlanResult, RollbackPlanResult } from '../../engine/results.js';
import type { MigrationRow } from '../run-result.js';
import { backupDryRun } from './backup.js';
import type { StepContext } from './context.js';
import { setCurrent } from './record.js';
import { failIfPredicted, predictFailure } from './predict.js';

/** Dry run of `up`: the first `steps` pending migrations (default all) would apply, the rest stay pending. */
export async function planUp(ctx: StepContext): Promise<PlanResult> {
  const { settings: s, ports, run } = ctx;
  const plan = await ports.migrator.plan();
  const take = s.steps ?? plan.pending.length;
  run.rows = plan.pending.map((m, i) => ({
    version: m.version,
    file: m.displayPath,
    status: i < take ? 'would-apply' : 'pending',
    transaction: m.transaction,
    ...(i < take ? { sql: m.sql } : {}),
  }));
  run.pending = plan.pending.map((m) => m.version);
  setCurrent(run, plan.currentVersion);
  run.status = 'dry-run';
  if (plan.databaseMissing) {
    if (s.environment === 'production') predictFailure(ctx, `database ${s.target.database} does not exist: up would fail (the action never creates a production database)`);
    else run.notes.push(`Database ${s.target.database} does not exist: \`up\` would create it, then apply every migration.`);
  }
  describePlan(ctx, plan);
  const toApply = run.rows.filter((r) => r.status === 'would-apply').length;
  if (toApply === 0) run.notes.push('Nothing to apply: the database is up to date.');
  await backupDryRun(ctx, 'up', toApply, plan.databaseMissing);
  logPlan(ctx, 'Would apply');
  failIfPredicted(ctx);
  return plan;
}

/** Dry run of `rollback`: the newest `steps` applied migrations (default 1) would be undone. */
export async function planRollback(ctx: StepContext): Promise<RollbackPlanResult> {
  const { settings: s, ports, run, warn } = ctx;
  const plan = await ports.migrator.planRollback({ steps: s.steps ?? 1 });
  describePlan(ctx, plan);
  run.rows = plan.targets.map((t) => ({ version: t.version, file: t.displayPath, status: 'would-roll-back', transaction: t.transaction, sql: t.sql }));
  run.pending = plan.pending.map((m) => m.version);
  setCurrent(run, plan.currentVersion);
  run.status = 'dry-run';
  if (plan.databaseMissing) predictFailure(ctx, `rollback would fail: database ${s.target.database} does not exist`);
  else if (plan.targets.length === 0) predictFailure(ctx, 'rollback would fail: no migrations have been applied');
  for (const t of plan.targets.filter((x) => x.empty)) {
    warn(`${t.displayPath} has an empty down section: rollback would only delete its ledger row and leave its changes in place`);
  }
  if (!plan.databaseMissing) await backupDryRun(ctx, 'rollback', plan.targets.length, false);
  logPlan(ctx, 'Would roll back');
  failIfPredicted(ctx);
  return plan;
}

function describePlan(ctx: StepContext, plan: Pick<PlanResult, 'ledgerExists' | 'databaseMissing' | 'edited' | 'orphans'>): void {
  const { run, warn } = ctx;
  if (!plan.ledgerExists && !plan.databaseMissing) run.notes.push('The ledger table does not exist yet; `up` would create it (and the history table).');
  for (const v of plan.edited) warn(editedWarning(`migration ${v}`));
  if (plan.orphans.length) run.notes.push(`Applied versions with no file (ignored, as dbmate does): ${plan.orphans.join(', ')}`);
}

/** Print each migration with its mode and exact SQL, as the summary shows them. */
function logPlan(ctx: StepContext, verb: string): void {
  const rows: MigrationRow[] = ctx.run.rows;
  for (const r of rows) {
    if (r.sql === undefined) continue;
    ctx.log.info(`${verb} ${r.file} (${r.transaction ? 'in one transaction' : 'transaction:false, statement by statement'}):`);
    ctx.log.info(r.sql.replace(/\s+$/, ''));
  }
  if (!rows.some((r) => r.sql !== undefined)) ctx.log.info(`Nothing to ${verb.toLowerCase().replace('would ', '')}.`);
}
