import { MigrationError, ParseError } from '../engine/errors.js';
import type { Logger } from '../engine/logger.js';
import type { MigratorConfig } from '../engine/migrator.js';
import type { BeforeApply, PlanResult, RunResult, StatusResult, VersionsRollbackResult } from '../engine/results.js';
import { createIssueClient } from '../github/issue-client.js';
import { SqlMigrationError } from '../engine/sql-error.js';
import { type DatabaseTarget } from '../engine/url.js';
import { redactDeep } from '../engine/redact.js';
import { editedWarning } from '../engine/history.js';
import { invalidIndexNames, runHealthChecks } from '../safety/health.js';
import { VERSION } from '../version.js';
import { CONNECT_RETRIES, CONNECT_RETRY_BASE_MS } from './constants.js';
import { backupDryRun, backupHook, backupPolicy, backupPort, type BackupHookState } from './steps/backup.js';
import type { BackupPort, HealthPort, IssueClientFactory, MigratorPort, PipelineLog } from './ports.js';
import { recentRunsStep, reportStep } from './steps/report.js';
import { reportIssue, wantsIssue } from './steps/issue.js';
import { notify, wantsNotification } from './steps/notify.js';
import type { PostWebhook } from '../notify/webhook.js';
import { lintingMigrator, runLintCommand } from './steps/lint.js';
import { driftStep, readCommittedSchema } from './steps/drift.js';
import { verifyStep } from './steps/verify.js';
import type { ActionRun, BackupReport, MigrationRow, RunError } from './run-result.js';
import type { ActionSettings } from './settings.js';

/** Health checks against the run's database, each on its own short connection. */
export function healthPort(target: DatabaseTarget): HealthPort {
  return { invalidIndexes: () => invalidIndexNames(target), run: (opts) => runHealthChecks(target, opts) };
}

/** What the pipeline needs besides settings. */
export interface PipelineDeps {
  migrator: MigratorPort;
  log: PipelineLog;
  /** Health checks; default: {@link healthPort} on the settings' target. */
  health?: HealthPort;
  /** Backups (DESIGN step 4); default: {@link backupPort}, real pg_dump into `backup-dir`. */
  backup?: BackupPort;
  /**
   * GitHub client for the failure issue (DESIGN step 8); default `createIssueClient`, which loads
   * @actions/github only when the first request is made, so a run that succeeds never loads it.
   */
  createIssueClient?: IssueClientFactory;
  /** Posts the `notify-webhook` message; default `postWebhook` (global fetch, 10 s timeout, one retry). */
  notify?: PostWebhook;
  /** Clock, injectable for tests. */
  now?: () => number;
}

/** Error for a run the action refuses before touching the database. */
export class ActionError extends MigrationError {
  constructor(code: string, message: string, hint?: string) {
    super(code, message, hint !== undefined ? { hint } : {});
    this.name = 'ActionError';
  }
}

/** Engine configuration from validated settings. */
export function migratorConfig(s: ActionSettings, log: Logger): MigratorConfig {
  return {
    target: s.target,
    migrationsDirs: [...s.migrationsDirs],
    migrationsTable: s.migrationsTable,
    historyTable: s.historyTable,
    schemaFile: s.schemaFile,
    dumpSchema: s.dumpSchema,
    strict: s.strict,
    lockTimeoutMs: s.lockTimeoutMs,
    statementTimeoutMs: s.statementTimeoutMs,
    lockRetries: s.lockRetries,
    lockWaitTimeoutMs: s.lockWaitTimeoutMs,
    // A database that is restarting or a network blip should not fail a deploy (DESIGN step 2).
    connectRetries: CONNECT_RETRIES,
    connectRetryBaseMs: CONNECT_RETRY_BASE_MS,
    ...(s.pgDumpPath !== undefined ? { pgDump: s.pgDumpPath } : {}),
    ctx: { environment: s.environment, actor: s.run.actor, gitSha: s.run.sha, runId: s.run.runId, runUrl: s.run.runUrl, toolVersion: VERSION },
    log,
    cwd: s.workspace,
  };
}

/**
 * Run the command the settings ask for and return the whole run as data (DESIGN "Pipeline"
 * steps 2 to 8). Never throws: a failure is in `run.error`, with `status: 'failed'`, or
 * `rolled-back` when this run's migrations were undone automatically; a failed `up`/`rollback`
 * then opens or comments on the failure issue. Dry runs only use the engine's read-only calls
 * (`plan`, `planRollback`, `status`) and read the server version, so they cannot change anything.
 */
export async function runPipeline(s: ActionSettings, deps: PipelineDeps): Promise<ActionRun> {
  const now = deps.now ?? Date.now;
  const t0 = now();
  // `command: lint` needs no database (main.ts calls it directly when no URL is set).
  if (s.command === 'lint') return runLintCommand({ ...s, command: 'lint' }, deps);
  const { log } = deps;
  const run: ActionRun = {
    status: 'success',
    command: s.command,
    dryRun: s.dryRun,
    environment: s.environment,
    target: { host: s.target.host, port: s.target.port, database: s.target.database, ...(s.target.user ? { user: s.target.user } : {}), url: s.target.redacted },
    urlSource: s.urlSource.name,
    startedAt: new Date(t0).toISOString(),
    durationMs: 0,
    rows: [],
    applied: [],
    rolledBack: [],
    pending: [],
    warnings: [],
    notes: [],
    toolVersion: VERSION,
    run: { ...s.run },
  };
  const warn = (m: string) => {
    run.warnings.push(m);
    log.warn(m);
  };
  // Migration lint in preflight (lint-step.ts): `plan` lints what `up` would apply; `up` lints the pending files before the backup and the first migration.
  const migrator = s.command === 'up' || s.command === 'plan' ? lintingMigrator(s, deps.migrator, run, log, warn) : deps.migrator;
  deps = { ...deps, migrator };
  log.info(`Environment: ${s.environment}; database: ${s.target.redacted} (from ${s.urlSource.name}); command: ${s.command}${s.dryRun ? ' (dry run)' : ''}`);
  try {
    for (const m of laterFeatureWarnings(s)) warn(m);
    if (s.command === 'status') {
      await log.group('Status', () => status(s, migrator, log, run, warn));
    } else if (s.command === 'report') {
      await log.group('Report', () => reportStep(s, log, run));
    } else if (s.command === 'verify') {
      // A scratch database on the same server: the configured database is never touched.
      await log.group('Verify', () => verifyStep(migratorConfig(s, log), log, run));
    } else if (s.dryRun || s.command === 'plan') {
      const backups = deps.backup ?? backupPort(s, log);
      if (s.command === 'rollback') await log.group('Rollback plan (dry run)', () => rollbackPlan(s, migrator, log, run, warn, backups));
      else await log.group('Plan (dry run)', () => upPlan(s, migrator, log, run, warn, backups));
    } else if (s.command === 'up') {
      // Read before `up`, which rewrites the schema file when dump-schema is on.
      const committed = s.driftCheck ? await readCommittedSchema(s) : undefined;
      await up(s, { ...deps, health: deps.health ?? healthPort(s.target), backup: deps.backup ?? backupPort(s, log) }, run, warn);
      if (s.driftCheck && (run.status === 'success' || run.status === 'nothing-to-do')) {
        await log.group('Drift check', () => driftStep(s, committed, log, run, warn));
      }
    } else {
      await rollback(s, { ...deps, backup: deps.backup ?? backupPort(s, log) }, run, warn);
    }
  } catch (err) {
    run.status = 'failed';
    run.error = errorOf(err);
  }
  // After the run, so the table includes it.
  if (s.command === 'up') await recentRunsStep(s, log, run);
  run.durationMs = Math.round(now() - t0);
  const done = redactDeep(run, s.secrets);
  if (wantsIssue(s, done)) {
    await log.group('Failure issue', () => reportIssue(s, done, { log, createClient: deps.createIssueClient ?? createIssueClient }));
    done.durationMs = Math.round(now() - t0);
  }
  // After the issue, so the message links it; a failed webhook is only a warning (notify-step.ts).
  if (wantsNotification(s, done)) await log.group('Notification', () => notify(s, done, { log, ...(deps.notify ? { post: deps.notify } : {}) }));
  return redactDeep(done, s.secrets);
}

/** A run that failed before the inputs were valid: every output still gets a value. */
export function failedRun(err: unknown, startedAt: number, now: number = Date.now()): ActionRun {
  return {
    status: 'failed',
    dryRun: false,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: Math.round(now - startedAt),
    rows: [],
    applied: [],
    rolledBack: [],
    pending: [],
    error: errorOf(err),
    warnings: [],
    notes: [],
    toolVersion: VERSION,
  };
}

async function upPlan(s: ActionSettings, migrator: MigratorPort, log: Logger, run: ActionRun, warn: (m: string) => void, backups: BackupPort): Promise<void> {
  const plan = await migrator.plan();
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
    if (s.environment === 'production') warn(`database ${s.target.database} does not exist: up would fail (the action never creates a production database)`);
    else run.notes.push(`Database ${s.target.database} does not exist: \`up\` would create it, then apply every migration.`);
  }
  describePlan(plan, run, warn);
  const toApply = run.rows.filter((r) => r.status === 'would-apply').length;
  if (toApply === 0) run.notes.push('Nothing to apply: the database is up to date.');
  await planBackup(s, backups, log, run, warn, toApply, plan.databaseMissing, 'up');
  logPlan(log, run.rows, 'Would apply');
}

/** Dry run: whether the real run would back up first, and with which pg_dump; nothing is written. */
async function planBackup(s: ActionSettings, backups: BackupPort, log: Logger, run: ActionRun, warn: (m: string) => void, count: number, databaseMissing: boolean, command: 'up' | 'rollback'): Promise<void> {
  const b = await backupDryRun(backups, s, backupPolicy(s), count, databaseMissing);
  run.backup = b;
  const what = command === 'up' ? 'migrating' : 'rolling back';
  if (b.outcome === 'would-take') {
    const pgDump = b.pgDump ? ` with pg_dump ${b.pgDumpVersion} (${b.pgDump}) for the PostgreSQL ${b.serverVersion} server` : '';
    const m = `A backup would be taken before ${what} (${b.reason})${pgDump}, into ${b.dir}; this dry run took none.`;
    run.notes.push(m);
    log.info(m);
  } else if (b.outcome === 'would-fail') {
    warn(`${command} would fail before ${what}, with nothing ${command === 'up' ? 'applied' : 'rolled back'}: the backup (${b.reason}) could not be taken: ${b.error}`);
  } else if (count > 0) {
    run.notes.push(`No backup would be taken (${b.reason}).`);
  }
}

function describePlan(plan: Pick<PlanResult, 'ledgerExists' | 'databaseMissing' | 'edited' | 'orphans'>, run: ActionRun, warn: (m: string) => void): void {
  if (!plan.ledgerExists && !plan.databaseMissing) run.notes.push('The ledger table does not exist yet; `up` would create it (and the history table).');
  for (const v of plan.edited) warn(editedWarning(`migration ${v}`));
  if (plan.orphans.length) run.notes.push(`Applied versions with no file (ignored, as dbmate does): ${plan.orphans.join(', ')}`);
}

/** Dry run: print each migration with its mode and exact SQL, as the summary shows them. */
function logPlan(log: Logger, rows: MigrationRow[], verb: string): void {
  for (const r of rows) {
    if (r.sql === undefined) continue;
    log.info(`${verb} ${r.file} (${r.transaction ? 'in one transaction' : 'transaction:false, statement by statement'}):`);
    log.info(r.sql.replace(/\s+$/, ''));
  }
  if (!rows.some((r) => r.sql !== undefined)) log.info(`Nothing to ${verb.toLowerCase().replace('would ', '')}.`);
}

async function rollbackPlan(s: ActionSettings, migrator: MigratorPort, log: Logger, run: ActionRun, warn: (m: string) => void, backups: BackupPort): Promise<void> {
  const plan = await migrator.planRollback({ steps: s.steps ?? 1 });
  describePlan(plan, run, warn);
  run.rows = plan.targets.map((t) => ({ version: t.version, file: t.displayPath, status: 'would-roll-back', transaction: t.transaction, sql: t.sql }));
  run.pending = plan.pending.map((m) => m.version);
  setCurrent(run, plan.currentVersion);
  run.status = 'dry-run';
  if (plan.databaseMissing) warn(`rollback would fail: database ${s.target.database} does not exist`);
  else if (plan.targets.length === 0) warn('rollback would fail: no migrations have been applied');
  for (const t of plan.targets.filter((x) => x.empty)) {
    warn(`${t.displayPath} has an empty down section: rollback would only delete its ledger row and leave its changes in place`);
  }
  if (!plan.databaseMissing) await planBackup(s, backups, log, run, warn, plan.targets.length, false, 'rollback');
  logPlan(log, run.rows, 'Would roll back');
}

async function status(s: ActionSettings, migrator: MigratorPort, log: Logger, run: ActionRun, warn: (m: string) => void): Promise<void> {
  const st = await migrator.status();
  describeStatus(st, run, warn);
  run.rows = [
    ...st.entries.map((e): MigrationRow => ({
      version: e.version,
      file: e.displayPath,
      status: e.edited ? 'edited' : e.applied ? 'applied' : 'pending',
    })),
    ...st.orphans.map((v): MigrationRow => ({ version: v, file: '', status: 'no-file' })),
  ];
  run.pending = st.entries.filter((e) => !e.applied).map((e) => e.version);
  setCurrent(run, st.currentVersion);
  run.status = s.dryRun ? 'dry-run' : 'success';
  // dbmate's status lines, so the log reads like `dbmate status`.
  for (const e of st.entries) log.info(`[${e.applied ? 'X' : ' '}] ${e.fileName}`);
  log.info(`Applied: ${st.applied}, pending: ${st.pending}`);
}

function describeStatus(st: StatusResult, run: ActionRun, warn: (m: string) => void): void {
  for (const v of st.edited) warn(editedWarning(st.entries.find((e) => e.version === v)?.displayPath ?? `migration ${v}`));
  if (st.orphans.length) run.notes.push(`Applied versions with no file (ignored, as dbmate does): ${st.orphans.join(', ')}`);
}

type UpDeps = PipelineDeps & { health: HealthPort; backup: BackupPort };
type RollbackDeps = PipelineDeps & { backup: BackupPort };

/**
 * Run an engine command with the backup hook when `backup` asks for one (DESIGN step 4). The
 * engine calls the hook under its advisory lock after planning, before the first migration, and
 * only when there is something to run. A failed backup becomes the run's error with nothing
 * applied (the result is then undefined); any other failure is rethrown.
 */
async function withBackup<T>(
  s: ActionSettings,
  deps: PipelineDeps & { backup: BackupPort },
  run: ActionRun,
  command: 'up' | 'rollback',
  call: (beforeApply: BeforeApply | undefined) => Promise<T>,
): Promise<T | undefined> {
  const policy = backupPolicy(s);
  const state: BackupHookState = {};
  const record = (b: BackupReport) => {
    run.backup = b;
    if (b.path) run.backupPath = b.path;
  };
  const hook = policy.take ? backupHook(s, deps.backup, deps.log, policy, record, state) : undefined;
  try {
    const r = await call(hook);
    run.backup ??= { outcome: 'not-taken', reason: policy.take ? `nothing to ${command === 'up' ? 'apply' : 'roll back'} (${policy.reason})` : policy.reason };
    if (!policy.take) deps.log.info(`No backup: ${policy.reason}`);
    return r;
  } catch (err) {
    if (state.failed === undefined || err !== state.failed) throw err;
    run.status = 'failed';
    run.error = errorOf(err);
    setCurrent(run, state.currentVersion);
    const todo = state.migrations ?? [];
    if (command === 'up') {
      run.rows = todo.map((m) => ({ version: m.version, file: m.displayPath, status: 'pending' }));
      run.pending = todo.map((m) => m.version);
    }
    run.notes.push(
      `No migration was ${command === 'up' ? 'applied' : 'rolled back'}: the backup must succeed first (${policy.reason}). ` +
        `The run stopped with the advisory lock held and before the ledger was touched; it would have ${command === 'up' ? 'applied' : 'rolled back'} ${todo.map((m) => m.version).join(', ') || 'nothing'}.`,
    );
    return undefined;
  }
}

/**
 * `up` with its safety net: apply, then health checks, and on a failed migration or a failed
 * check roll back what this run applied (when `rollback-on-failure` says so).
 */
async function up(s: ActionSettings, deps: UpDeps, run: ActionRun, warn: (m: string) => void): Promise<void> {
  const { migrator, log, health } = deps;
  // A missing database is created by `up`, as dbmate's does; never in production.
  const createDatabase = s.environment !== 'production';
  // Indexes that are INVALID already are not this run's doing; a missing database has none.
  const invalidBefore = await health.invalidIndexes().catch(() => undefined);
  const title = backupPolicy(s).take ? 'Backup and apply' : 'Apply';
  const r = await log.group(title, () =>
    withBackup(s, deps, run, 'up', (beforeApply) => migrator.up({ createDatabase, ...(s.steps !== undefined ? { steps: s.steps } : {}), ...(beforeApply ? { beforeApply } : {}) })),
  );
  if (!r) return;
  if (r.databaseCreated) run.notes.push(`Database ${s.target.database} did not exist and was created (as dbmate's \`up\` does; never in production).`);
  apply(r, run, warn);
  if (r.error) {
    const failed = r.steps.find((st) => st.error);
    await autoRollback(s, deps, run, warn, failed ? `migration ${failed.version} failed` : 'the run failed');
    return;
  }
  if (run.applied.length === 0) return;

  const h = await log.group('Health checks', async () => {
    const result = await health.run({
      ...(s.healthCheckSql !== '' ? { sql: s.healthCheckSql } : {}),
      ...(s.healthCheckUrl !== undefined ? { url: s.healthCheckUrl } : {}),
      retries: s.healthCheckRetries,
      intervalMs: s.healthCheckIntervalMs,
      ...(invalidBefore !== undefined ? { invalidIndexesBefore: invalidBefore } : {}),
      // After a full `up` every file must be in the ledger; with `steps`, at least this run's.
      expectedApplied: s.steps === undefined ? r.files.map((f) => f.version) : run.applied,
      migrationsTable: s.migrationsTable,
      secrets: s.secrets,
    });
    for (const c of result.checks) log.info(`${c.skipped ? 'skipped' : c.ok ? 'ok' : 'FAILED'} ${c.name}: ${c.detail}`);
    return result;
  });
  run.health = h;
  if (h.ok) return;
  const failed = h.checks.filter((c) => !c.ok && !c.skipped);
  run.status = 'failed';
  run.error = errorOf(
    new ActionError(
      'HEALTH_CHECK_FAILED',
      `health check${failed.length > 1 ? 's' : ''} failed after migrating: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
      s.rollbackOnFailure ? undefined : 'rollback-on-failure is false: the migrations stay applied; fix forward or roll back by hand',
    ),
  );
  await autoRollback(s, deps, run, warn, `health check failed: ${failed.map((c) => c.name).join(', ')}`);
}

/**
 * DESIGN step 7: undo this run's migrations, newest first, through the engine. Whatever happens
 * here, the original failure stays the run's error; the rollback's own trouble is reported beside it.
 */
async function autoRollback(s: ActionSettings, deps: UpDeps, run: ActionRun, warn: (m: string) => void, reason: string): Promise<void> {
  const mine = [...run.applied];
  if (mine.length === 0) {
    run.notes.push('Nothing to roll back: this run applied no migration before it failed.');
    return;
  }
  if (!s.rollbackOnFailure) {
    warn(`rollback-on-failure is false: the ${mine.length} migration(s) this run applied remain applied: ${[...mine].reverse().join(', ')}`);
    return;
  }
  let rb: VersionsRollbackResult;
  try {
    rb = await deps.log.group('Automatic rollback', () => deps.migrator.rollbackVersions(mine, { reason }));
  } catch (err) {
    run.rollback = { reason, requested: [...mine].reverse(), rolledBack: [], remaining: [...mine].reverse(), error: errorOf(err) };
    warn(`the automatic rollback could not start: ${(err as Error).message}; still applied from this run: ${[...mine].reverse().join(', ')}`);
    return;
  }
  for (const st of rb.steps) {
    run.rows.push({
      version: st.version,
      file: st.displayPath,
      status: st.outcome === 'rolled_back' ? 'rolled-back' : 'rollback-failed',
      durationMs: round(st.durationMs),
      transaction: st.transaction,
      ...(st.attempts > 1 ? { attempts: st.attempts } : {}),
    });
  }
  const rolledBack = rb.steps.filter((st) => st.outcome === 'rolled_back').map((st) => st.version);
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
  if (rb.error || remaining.length > 0) {
    run.status = 'failed';
    warn(`the automatic rollback stopped${rb.error ? `: ${rb.error.message}` : ''}; still applied from this run: ${remaining.join(', ') || 'none'}`);
  } else {
    run.status = 'rolled-back';
  }
}

async function rollback(s: ActionSettings, deps: RollbackDeps, run: ActionRun, warn: (m: string) => void): Promise<void> {
  const title = backupPolicy(s).take ? 'Backup and rollback' : 'Rollback';
  const r = await deps.log.group(title, () =>
    withBackup(s, deps, run, 'rollback', (beforeApply) => deps.migrator.rollback({ steps: s.steps ?? 1, ...(beforeApply ? { beforeApply } : {}) })),
  );
  if (r) apply(r, run, warn);
}

function apply(r: RunResult, run: ActionRun, warn: (m: string) => void): void {
  run.rows = r.steps.map((st) => ({
    version: st.version,
    file: st.displayPath,
    status: st.outcome === 'failed' ? 'failed' : st.outcome === 'rolled_back' ? 'rolled-back' : 'applied',
    durationMs: round(st.durationMs),
    transaction: st.transaction,
    ...(st.attempts > 1 ? { attempts: st.attempts } : {}),
  }));
  const touched = new Set(r.steps.map((st) => st.version));
  if (r.command === 'up') {
    for (const m of r.pendingFiles) if (!touched.has(m.version)) run.rows.push({ version: m.version, file: m.displayPath, status: 'pending' });
  }
  run.applied = r.steps.filter((st) => st.outcome === 'applied').map((st) => st.version);
  run.rolledBack = r.steps.filter((st) => st.outcome === 'rolled_back').map((st) => st.version);
  run.pending = r.pending;
  setCurrent(run, r.currentVersion);
  if (r.schemaFile) run.schemaFile = r.schemaFile;
  if (r.dumpError) warn(`the schema dump failed (the migrations themselves succeeded): ${r.dumpError.message}`);
  // The engine logged these during `up`: recorded for the summary, not logged twice.
  for (const v of r.edited ?? []) run.warnings.push(editedWarning(r.files.find((f) => f.version === v)?.displayPath ?? `migration ${v}`));
  if (r.stateUnknown) warn('the connection was lost and could not be re-opened: what is applied now is unknown; run `status`');
  if (r.error) {
    run.status = 'failed';
    run.error = errorOf(r.error);
  } else {
    run.status = r.steps.length > 0 ? 'success' : 'nothing-to-do';
  }
}

/** Inputs that ask for features of a later version: say so instead of pretending. */
function laterFeatureWarnings(s: ActionSettings): string[] {
  const out: string[] = [];
  if (s.driftCheck && s.command !== 'up') out.push(`drift-check applies to command up only: the schema was not compared (command ${s.command})`);
  return out;
}

function setCurrent(run: ActionRun, v: string | undefined): void {
  if (v !== undefined) run.currentVersion = v;
  else delete run.currentVersion;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** The failure as data: SQL errors keep their file, line, column, statement and SQLSTATE. */
export function errorOf(err: unknown): RunError {
  if (err instanceof SqlMigrationError) {
    const f = err.failure;
    return {
      message: err.message,
      details: err.describe(),
      code: err.code,
      file: f.file,
      version: f.version,
      ...(f.line !== undefined ? { line: f.line, column: f.column ?? 1 } : {}),
      ...(f.sqlstate ? { sqlstate: f.sqlstate } : {}),
      ...(f.statement ? { statement: f.statement } : {}),
      ...(err.hint ? { hint: err.hint } : {}),
    };
  }
  if (err instanceof MigrationError) {
    const file = err instanceof ParseError ? err.file : undefined;
    return {
      message: err.message,
      details: err.hint ? `${err.message}\n  hint: ${err.hint}` : err.message,
      code: err.code,
      ...(file ? { file } : {}),
      ...(err.hint ? { hint: err.hint } : {}),
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { message, details: message };
}

