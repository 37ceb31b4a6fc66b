import { readFile } from 'node:fs/promises';
import { MigrationError, ParseError } from '../engine/errors.js';
import { findMigrationFiles } from '../engine/files.js';
import type { Logger } from '../engine/logger.js';
import type { Migrator, MigratorConfig, PlanResult, RunResult, StatusResult } from '../engine/migrator.js';
import { parseMigration } from '../engine/parse.js';
import { SqlMigrationError } from '../engine/sql-error.js';
import { redact } from '../engine/url.js';
import { VERSION } from '../version.js';
import { COMMANDS_NOT_YET_AVAILABLE, INPUT_DEFAULTS, Inputs } from './constants.js';
import type { ActionRun, MigrationRow, RunError } from './run-result.js';
import type { ActionSettings } from './settings.js';

/** The engine's logger plus collapsible groups (one per phase). */
export interface PipelineLog extends Logger {
  /** Run `fn` inside a titled, collapsible log group. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

/** The part of {@link Migrator} the pipeline uses; tests may pass a fake. */
export type MigratorPort = Pick<Migrator, 'up' | 'rollback' | 'status' | 'plan'>;

/** What the pipeline needs besides settings. */
export interface PipelineDeps {
  migrator: MigratorPort;
  log: PipelineLog;
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
    ...(s.pgDumpPath !== undefined ? { pgDump: s.pgDumpPath } : {}),
    ctx: { environment: s.environment, actor: s.run.actor, gitSha: s.run.sha, runId: s.run.runId, runUrl: s.run.runUrl, toolVersion: VERSION },
    log,
    cwd: s.workspace,
  };
}

/**
 * Run the command the settings ask for and return the whole run as data (DESIGN "Pipeline"
 * steps 2, 3 and 5). Never throws: a failure is in `run.error`, with `status: 'failed'`.
 * Dry runs only use the engine's read-only calls (`plan`, `status`), so they cannot change anything.
 */
export async function runPipeline(s: ActionSettings, deps: PipelineDeps): Promise<ActionRun> {
  const now = deps.now ?? Date.now;
  const t0 = now();
  const { log, migrator } = deps;
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
  log.info(`Environment: ${s.environment}; database: ${s.target.redacted} (from ${s.urlSource.name}); command: ${s.command}${s.dryRun ? ' (dry run)' : ''}`);
  try {
    if (COMMANDS_NOT_YET_AVAILABLE.includes(s.command)) {
      throw new ActionError('COMMAND_NOT_AVAILABLE', `command '${s.command}' is not available in this version of the action`, 'use up, status, rollback or plan');
    }
    for (const m of laterFeatureWarnings(s)) warn(m);
    if (s.command === 'status') {
      await log.group('Status', () => status(s, migrator, log, run, warn));
    } else if (s.dryRun || s.command === 'plan') {
      if (s.command === 'rollback') await log.group('Rollback plan (dry run)', () => rollbackPlan(s, migrator, log, run, warn));
      else await log.group('Plan (dry run)', () => upPlan(s, migrator, log, run, warn));
    } else if (s.command === 'up') {
      await up(s, migrator, log, run, warn);
    } else {
      await log.group('Rollback', () => rollback(s, migrator, run, warn));
    }
  } catch (err) {
    run.status = 'failed';
    run.error = errorOf(err);
  }
  if (run.status === 'failed' && !s.dryRun && (s.command === 'up' || s.command === 'rollback')) {
    for (const m of failureFeatureWarnings(s, run)) warn(m);
  }
  run.durationMs = Math.round(now() - t0);
  return redactRun(run, s.secrets);
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

async function upPlan(s: ActionSettings, migrator: MigratorPort, log: Logger, run: ActionRun, warn: (m: string) => void): Promise<void> {
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
  describePlan(plan, run, warn);
  if (!run.rows.some((r) => r.status === 'would-apply')) run.notes.push('Nothing to apply: the database is up to date.');
  logPlan(log, run.rows, 'Would apply');
}

function describePlan(plan: PlanResult, run: ActionRun, warn: (m: string) => void): void {
  if (!plan.ledgerExists) run.notes.push('The ledger table does not exist yet; `up` would create it (and the history table).');
  for (const v of plan.edited) warn(`migration ${v} was edited after it was applied (its checksum differs from the history table)`);
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

async function rollbackPlan(s: ActionSettings, migrator: MigratorPort, log: Logger, run: ActionRun, warn: (m: string) => void): Promise<void> {
  const st = await migrator.status();
  describeStatus(st, run, warn);
  // The engine's rollback order: the last files in file-name order whose version is applied.
  const targets = st.entries.filter((e) => e.applied).reverse().slice(0, s.steps ?? 1);
  const downs = await downSections(s, targets.map((t) => t.fileName));
  run.rows = targets.map((t) => {
    const d = downs.get(t.fileName);
    return { version: t.version, file: d?.displayPath ?? t.fileName, status: 'would-roll-back', ...(d ? { transaction: d.transaction, sql: d.sql } : {}) };
  });
  run.pending = st.entries.filter((e) => !e.applied).map((e) => e.version);
  setCurrent(run, st.currentVersion);
  run.status = 'dry-run';
  if (targets.length === 0) warn('rollback would fail: no migrations have been applied');
  logPlan(log, run.rows, 'Would roll back');
}

/**
 * Down sections of the given files, read the way the engine reads them. The engine's `plan()`
 * covers `up` only; this stays read-only (files, no database) until the engine plans rollbacks.
 */
async function downSections(s: ActionSettings, fileNames: string[]): Promise<Map<string, { displayPath: string; transaction: boolean; sql: string }>> {
  const out = new Map<string, { displayPath: string; transaction: boolean; sql: string }>();
  if (fileNames.length === 0) return out;
  const files = await findMigrationFiles([...s.migrationsDirs], s.workspace);
  for (const name of fileNames) {
    const f = files.find((x) => x.fileName === name);
    if (!f) continue;
    const parsed = parseMigration(await readFile(f.absPath), f.displayPath);
    out.set(name, { displayPath: f.displayPath, transaction: parsed.down.transaction, sql: parsed.down.sql });
  }
  return out;
}

async function status(s: ActionSettings, migrator: MigratorPort, log: Logger, run: ActionRun, warn: (m: string) => void): Promise<void> {
  const st = await migrator.status();
  describeStatus(st, run, warn);
  const dirs = s.migrationsDirs.length === 1 ? s.migrationsDirs[0] : undefined;
  run.rows = [
    ...st.entries.map((e): MigrationRow => ({
      version: e.version,
      file: dirs ? `${dirs.replace(/\/+$/, '')}/${e.fileName}` : e.fileName,
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
  for (const v of st.edited) warn(`migration ${v} was edited after it was applied (its checksum differs from the history table)`);
  if (st.orphans.length) run.notes.push(`Applied versions with no file (ignored, as dbmate does): ${st.orphans.join(', ')}`);
}

async function up(s: ActionSettings, migrator: MigratorPort, log: PipelineLog, run: ActionRun, warn: (m: string) => void): Promise<void> {
  // Preflight: a read-only plan names the files, and fails early (strict order, parse errors)
  // before anything is locked or created. A missing database is left to `up`, which creates it.
  const createDatabase = s.environment !== 'production';
  const plan = await log.group('Plan', async () => {
    let p: PlanResult;
    try {
      p = await migrator.plan();
    } catch (err) {
      if (createDatabase && (err as MigrationError).code === 'DATABASE_MISSING') {
        log.info(`Database ${s.target.database} does not exist: up will create it.`);
        return undefined;
      }
      throw err;
    }
    log.info(p.pending.length ? `Pending: ${p.pending.map((m) => m.fileName).join(', ')}` : 'Nothing pending: the database is up to date.');
    return p;
  });
  const files = new Map(plan?.pending.map((m) => [m.version, m.displayPath]) ?? []);
  const r = await log.group('Apply', () => migrator.up({ createDatabase, ...(s.steps !== undefined ? { steps: s.steps } : {}) }));
  if (!plan) run.notes.push(`Database ${s.target.database} did not exist and was created (as dbmate's \`up\` does; never in production).`);
  apply(r, run, files, warn);
}

async function rollback(s: ActionSettings, migrator: MigratorPort, run: ActionRun, warn: (m: string) => void): Promise<void> {
  const r = await migrator.rollback({ steps: s.steps ?? 1 });
  apply(r, run, new Map(), warn);
}

function apply(r: RunResult, run: ActionRun, files: Map<string, string>, warn: (m: string) => void): void {
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
    for (const v of r.pending) if (!touched.has(v)) run.rows.push({ version: v, file: files.get(v) ?? '', status: 'pending' });
  }
  run.applied = r.steps.filter((st) => st.outcome === 'applied').map((st) => st.version);
  run.rolledBack = r.steps.filter((st) => st.outcome === 'rolled_back').map((st) => st.version);
  run.pending = r.pending;
  setCurrent(run, r.currentVersion);
  if (r.schemaFile) run.schemaFile = r.schemaFile;
  if (r.dumpError) warn(`the schema dump failed (the migrations themselves succeeded): ${r.dumpError.message}`);
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
  const changes = !s.dryRun && (s.command === 'up' || s.command === 'rollback');
  if (changes && (s.backup === 'always' || (s.backup === 'auto' && s.environment === 'production'))) {
    out.push(`backup: '${s.backup}' asks for a backup of ${s.environment}, but backups are not implemented in this version of the action: NO backup was taken before migrating`);
  }
  if (changes && (s.healthCheckUrl !== undefined || (s.healthCheckSql !== '' && s.healthCheckSql !== INPUT_DEFAULTS[Inputs.HealthCheckSql]))) {
    out.push('health-check-sql/health-check-url are set, but health checks are not implemented in this version of the action: they will not run');
  }
  if (s.driftCheck) out.push('drift-check is not implemented in this version of the action: the schema was not compared');
  return out;
}

function failureFeatureWarnings(s: ActionSettings, run: ActionRun): string[] {
  const out: string[] = [];
  if (s.rollbackOnFailure && s.command === 'up' && run.applied.length > 0) {
    out.push(`rollback-on-failure is not implemented in this version of the action: the ${run.applied.length} migration(s) applied before the failure (${run.applied.join(', ')}) remain applied`);
  }
  if (s.createIssueOnFailure) out.push('create-issue-on-failure is not implemented in this version of the action: no issue was opened');
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

/** Mask every secret in every string of the run (messages can quote driver output). */
function redactRun(run: ActionRun, secrets: readonly string[]): ActionRun {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(run) as ActionRun;
}
