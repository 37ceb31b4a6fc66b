import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { createHash } from 'node:crypto';
import { connect, closeQuietly, isConnectionLost, type Connection } from './db.js';
import { SqlMigrationError } from './sql-error.js';
import { MigrationError } from './errors.js';
import { findMigrationFiles, assertUniqueVersions } from './files.js';
import { parseMigration } from './parse.js';
import { resolveLedgerName, ensureLedger, appliedVersions, ledgerExists, type LedgerName } from './ledger.js';
import { historyName, historyDdl, appliedChecksums, recordHistory, type HistoryName, type RunContext } from './history.js';
import { acquireLock, releaseLock, lockKey } from './lock.js';
import { makePlan, checkStrictOrder, rollbackTargets, type MigrationPlan } from './plan.js';
import { runStep, type StepResult, type StepOptions } from './runner.js';
import { dumpSchema, writeSchemaFile } from './dump.js';
import { formatGoDuration } from './duration.js';
import { withDatabase, type DatabaseTarget } from './url.js';
import type { Logger } from './logger.js';
import type { MigrationFile, ParsedMigration } from './types.js';

/** Everything the engine needs; built by the CLI or the action, never read from the environment here. */
export interface MigratorConfig {
  target: DatabaseTarget;
  /** Directories scanned for migration files, as configured (dbmate allows several). */
  migrationsDirs: string[];
  /** dbmate's `--migrations-table`, optionally `schema.table`. */
  migrationsTable: string;
  /** Audit table name; empty string disables it. */
  historyTable: string;
  /** Where `dump` writes, and whether up/rollback write it afterwards. */
  schemaFile: string;
  dumpSchema: boolean;
  /** Refuse pending migrations older than the newest applied one. */
  strict: boolean;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  lockRetries: number;
  /** How long to wait for another run's advisory lock. */
  lockWaitTimeoutMs: number;
  /** First backoff delay after a lock_timeout; doubled each retry. */
  retryBaseMs?: number;
  /** pg_dump to use for schema dumps. */
  pgDump?: string;
  /** Extra pg_dump arguments (dbmate's `dump -- …`). */
  dumpArgs?: string[];
  /** Print dbmate's `Rows affected: N`. */
  verbose?: boolean;
  ctx: RunContext;
  log: Logger;
  /** Resolve relative directories against this (default: process.cwd()). */
  cwd?: string;
}

/** Result of `up`/`migrate`/`rollback`. */
export interface RunResult {
  command: 'up' | 'rollback';
  steps: StepResult[];
  /** The first failure, if any (the run stopped there). */
  error?: Error;
  /** Versions still pending after the run (empty when `stateUnknown`). */
  pending: string[];
  /** The connection was lost and the ledger could not be read again: pending/currentVersion are unknown. */
  stateUnknown?: boolean;
  /** Highest applied version with a file after the run, if any. */
  currentVersion?: string;
  /** Path written when the schema was dumped. */
  schemaFile?: string;
  /** A schema dump that failed after a successful run (reported, unlike dbmate, but does not fail the run). */
  dumpError?: Error;
  durationMs: number;
}

/** One row of `status`. */
export interface StatusEntry {
  version: string;
  fileName: string;
  applied: boolean;
  /** Applied, but the file's checksum differs from the one recorded when it was applied. */
  edited: boolean;
}

/** Result of `status`. */
export interface StatusResult {
  entries: StatusEntry[];
  applied: number;
  pending: number;
  orphans: string[];
  edited: string[];
  currentVersion?: string;
}

/** One migration of a dry-run plan. */
export interface PlannedMigration {
  version: string;
  fileName: string;
  displayPath: string;
  transaction: boolean;
  sql: string;
  checksum: string;
}

/** Result of `plan` (dry run): nothing is created or changed. */
export interface PlanResult {
  pending: PlannedMigration[];
  applied: number;
  orphans: string[];
  edited: string[];
  currentVersion?: string;
  ledgerExists: boolean;
}

interface Loaded {
  file: MigrationFile;
  parsed: ParsedMigration;
}

/** The migration engine: dbmate's commands, with locking, timeouts, retries and an audit trail. */
export class Migrator {
  constructor(private readonly cfg: MigratorConfig) {}

  private get log(): Logger {
    return this.cfg.log;
  }

  private async files(): Promise<MigrationFile[]> {
    const files = await findMigrationFiles(this.cfg.migrationsDirs, this.cfg.cwd);
    assertUniqueVersions(files);
    return files;
  }

  private async load(files: MigrationFile[]): Promise<Loaded[]> {
    // Every file is parsed before anything runs: a malformed file fails the run with nothing applied.
    return Promise.all(
      files.map(async (file) => ({ file, parsed: parseMigration(await readFile(file.absPath, 'utf8'), file.displayPath) })),
    );
  }

  private historyName(ledger: LedgerName): HistoryName | undefined {
    return this.cfg.historyTable ? historyName(ledger, this.cfg.historyTable) : undefined;
  }

  private async session<T>(create: boolean, fn: (conn: Connection) => Promise<T>): Promise<T> {
    let conn: Connection;
    try {
      conn = await connect(this.cfg.target);
    } catch (err) {
      if (!create || (err as MigrationError).code !== 'DATABASE_MISSING') throw err;
      await this.createDatabase();
      conn = await connect(this.cfg.target);
    }
    try {
      return await fn(conn);
    } finally {
      await closeQuietly(conn);
    }
  }

  /** `create`: create the database (dbmate prints `Creating: <db>`). */
  async createDatabase(): Promise<void> {
    this.log.info(`Creating: ${this.cfg.target.database}`);
    const admin = await connect(withDatabase(this.cfg.target, 'postgres'));
    try {
      await admin.query(`create database ${pg.escapeIdentifier(this.cfg.target.database)}`);
    } finally {
      await closeQuietly(admin);
    }
  }

  /** `drop`: drop the database if it exists. */
  async dropDatabase(): Promise<void> {
    this.log.info(`Dropping: ${this.cfg.target.database}`);
    const admin = await connect(withDatabase(this.cfg.target, 'postgres'));
    try {
      await admin.query(`drop database if exists ${pg.escapeIdentifier(this.cfg.target.database)}`);
    } finally {
      await closeQuietly(admin);
    }
  }

  private stepOptions(ledger: LedgerName, history: HistoryName | undefined): StepOptions {
    return {
      ledger,
      history,
      ctx: this.cfg.ctx,
      log: this.log,
      lockTimeoutMs: this.cfg.lockTimeoutMs,
      statementTimeoutMs: this.cfg.statementTimeoutMs,
      lockRetries: this.cfg.lockRetries,
      retryBaseMs: this.cfg.retryBaseMs ?? 500,
    };
  }

  /**
   * Everything that changes the database runs under the advisory lock, and the plan is made
   * after the lock is taken, so two concurrent runs never apply the same migration.
   */
  private async locked<T>(conn: Connection, fn: (ledger: LedgerName, history: HistoryName | undefined) => Promise<T>): Promise<T> {
    const ledger = await resolveLedgerName(conn, this.cfg.migrationsTable, this.cfg.target.searchPath);
    const key = lockKey(ledger.quoted);
    await acquireLock(conn, key, this.cfg.lockWaitTimeoutMs, this.log);
    try {
      return await fn(ledger, this.historyName(ledger));
    } finally {
      await releaseLock(conn, key, this.log);
    }
  }

  private async ensureTables(conn: Connection, ledger: LedgerName, history: HistoryName | undefined): Promise<void> {
    await ensureLedger(conn, ledger, this.log);
    if (history) await conn.query(historyDdl(history));
  }

  /** `up` (create the database if missing) and `migrate`: apply pending migrations in order. */
  async up(opts: { createDatabase?: boolean; steps?: number } = {}): Promise<RunResult> {
    const t0 = Date.now();
    // dbmate creates a missing database before it looks at the migrations directory.
    return this.session(opts.createDatabase ?? false, async (conn) => {
      const files = await this.files();
      if (files.length === 0) {
        throw new MigrationError('NO_MIGRATIONS', 'no migration files found', {
          hint: `add a migration with \`db-migrate new NAME\` in ${this.cfg.migrationsDirs.join(', ')}`,
        });
      }
      return this.locked(conn, async (ledger, history) => {
        const plan = makePlan(files, await appliedVersions(conn, ledger));
        if (this.cfg.strict) checkStrictOrder(plan);
        const todo = plan.pending.slice(0, opts.steps ?? plan.pending.length);
        const loaded = await this.load(todo);
        await this.ensureTables(conn, ledger, history);
        const stepOpts = this.stepOptions(ledger, history);
        const steps: StepResult[] = [];
        let error: Error | undefined;
        for (const m of loaded) {
          this.log.info(`Applying: ${m.file.fileName}`);
          const r = await runStep(conn, m.file, m.parsed, 'up', stepOpts);
          steps.push(r);
          if (r.error) {
            error = r.error;
            break;
          }
          if (this.cfg.verbose && r.rowsAffected !== undefined) this.log.info(`Rows affected: ${r.rowsAffected}`);
          this.log.info(`Applied: ${m.file.fileName} in ${formatGoDuration(BigInt(Math.round(r.durationMs * 1e6)))}`);
        }
        return this.finish(conn, 'up', files, ledger, history, steps, error, t0);
      });
    });
  }

  /** `rollback`/`down`: undo the last `steps` applied migrations (dbmate order), newest first. */
  async rollback(opts: { steps?: number } = {}): Promise<RunResult> {
    const t0 = Date.now();
    const files = await this.files();
    return this.session(false, (conn) =>
      this.locked(conn, async (ledger, history) => {
        await this.ensureTables(conn, ledger, history);
        const plan = makePlan(files, await appliedVersions(conn, ledger));
        const targets = rollbackTargets(plan, opts.steps ?? 1);
        if (targets.length === 0) {
          throw new MigrationError('NOTHING_TO_ROLLBACK', "can't rollback: no migrations have been applied", {
            hint: 'run `status` to see what is applied',
          });
        }
        const loaded = await this.load(targets);
        const stepOpts = this.stepOptions(ledger, history);
        const steps: StepResult[] = [];
        let error: Error | undefined;
        for (const m of loaded) {
          this.log.info(`Rolling back: ${m.file.fileName}`);
          const r = await runStep(conn, m.file, m.parsed, 'down', stepOpts);
          steps.push(r);
          if (r.error) {
            error = r.error;
            break;
          }
          if (this.cfg.verbose && r.rowsAffected !== undefined) this.log.info(`Rows affected: ${r.rowsAffected}`);
          this.log.info(`Rolled back: ${m.file.fileName} in ${formatGoDuration(BigInt(Math.round(r.durationMs * 1e6)))}`);
        }
        return this.finish(conn, 'rollback', files, ledger, history, steps, error, t0);
      }),
    );
  }

  private async finish(
    conn: Connection,
    command: 'up' | 'rollback',
    files: MigrationFile[],
    ledger: LedgerName,
    history: HistoryName | undefined,
    steps: StepResult[],
    error: Error | undefined,
    t0: number,
  ): Promise<RunResult> {
    const result: RunResult = { command, steps, error, pending: [], durationMs: 0 };
    // A killed backend takes the session with it: look at the outcome through a fresh connection.
    const lost = error !== undefined && isConnectionLost((error as { cause?: unknown }).cause ?? error);
    const fresh = lost ? await connect(this.cfg.target).catch(() => undefined) : undefined;
    const db = lost ? fresh : conn;
    try {
      let after: MigrationPlan | undefined;
      const applied = db ? await appliedVersions(db, ledger).catch(() => undefined) : undefined;
      if (applied) after = makePlan(files, applied);
      if (!db || !after) {
        result.stateUnknown = true;
        this.log.warn('the connection was lost and could not be re-opened: run `status` to see what is applied');
      } else {
        result.pending = after.pending.map((f) => f.version);
        result.currentVersion = after.highestApplied;
        if (lost && fresh) await this.recordLostStep(fresh, steps.at(-1), after, history);
      }
      if (after && this.cfg.dumpSchema && !error) {
        try {
          const text = await dumpSchema(conn, this.cfg.target, ledger, { pgDump: this.cfg.pgDump, history });
          this.log.info(`Writing: ${this.cfg.schemaFile}`);
          await writeSchemaFile(this.resolve(this.cfg.schemaFile), text);
          result.schemaFile = this.cfg.schemaFile;
        } catch (err) {
          result.dumpError = err as Error;
          this.log.warn(`schema dump failed (the migrations themselves succeeded): ${(err as Error).message}`);
        }
      }
    } finally {
      await closeQuietly(fresh);
    }
    result.durationMs = Date.now() - t0;
    return result;
  }

  /**
   * The audit trail promises one row per attempt, also when the session died mid-migration.
   * A transaction killed during COMMIT may still have committed: the ledger tells, so the
   * `failed` row is written only when the step's effect is really absent.
   */
  private async recordLostStep(conn: Connection, step: StepResult | undefined, after: MigrationPlan, history: HistoryName | undefined): Promise<void> {
    if (!step || !history) return;
    const applied = after.files.some((r) => r.file.version === step.version && r.applied);
    if ((step.direction === 'up') === applied) return;
    const file = after.files.find((r) => r.file.version === step.version)?.file;
    const checksum = file ? createHash('sha256').update(await readFile(file.absPath)).digest('hex') : '';
    await recordHistory(
      conn,
      history,
      {
        version: step.version,
        direction: step.direction,
        outcome: 'failed',
        fileName: step.fileName,
        checksum,
        startedAt: new Date(Date.now() - step.durationMs),
        durationMs: step.durationMs,
        sqlstate: (step.error as SqlMigrationError | undefined)?.failure?.sqlstate,
        error: step.error?.message,
      },
      this.cfg.ctx,
    ).catch((err) => this.log.warn(`could not record the failed attempt in the history table: ${(err as Error).message}`));
  }

  private resolve(p: string): string {
    return this.cfg.cwd && !p.startsWith('/') ? `${this.cfg.cwd}/${p}` : p;
  }

  /** `status`: never creates anything. Edited applied files are reported separately (stderr in the CLI). */
  async status(): Promise<StatusResult> {
    const files = await this.files();
    return this.session(false, async (conn) => {
      const ledger = await resolveLedgerName(conn, this.cfg.migrationsTable, this.cfg.target.searchPath);
      const plan = makePlan(files, await appliedVersions(conn, ledger));
      const edited = await this.editedFiles(conn, ledger, plan);
      const entries = plan.files.map(({ file, applied }) => ({
        version: file.version,
        fileName: file.fileName,
        applied,
        edited: edited.includes(file.version),
      }));
      const applied = entries.filter((e) => e.applied).length;
      return {
        entries,
        applied,
        pending: entries.length - applied,
        orphans: plan.orphans,
        edited,
        currentVersion: plan.highestApplied,
      };
    });
  }

  /** Applied files whose bytes changed since they were applied (per the history table's checksum). */
  private async editedFiles(conn: Connection, ledger: LedgerName, plan: MigrationPlan): Promise<string[]> {
    const history = this.historyName(ledger);
    if (!history) return [];
    const sums = await appliedChecksums(conn, history);
    if (sums.size === 0) return [];
    const edited: string[] = [];
    await Promise.all(
      plan.files
        .filter((r) => r.applied && sums.has(r.file.version))
        .map(async ({ file }) => {
          const sum = createHash('sha256').update(await readFile(file.absPath)).digest('hex');
          if (sum !== sums.get(file.version)) edited.push(file.version);
        }),
    );
    return edited.sort();
  }

  /**
   * `plan` / dry-run: what `up` would do, with the exact SQL. The session is read-only, so
   * even a bug here could not create or change anything.
   */
  async plan(opts: { steps?: number } = {}): Promise<PlanResult> {
    const files = await this.files();
    return this.session(false, async (conn) => {
      await conn.query('SET default_transaction_read_only = on');
      const ledger = await resolveLedgerName(conn, this.cfg.migrationsTable, this.cfg.target.searchPath);
      const exists = await ledgerExists(conn, ledger);
      const plan = makePlan(files, exists ? await appliedVersions(conn, ledger) : new Set());
      if (this.cfg.strict) checkStrictOrder(plan);
      const todo = await this.load(plan.pending.slice(0, opts.steps ?? plan.pending.length));
      return {
        pending: todo.map(({ file, parsed }) => ({
          version: file.version,
          fileName: file.fileName,
          displayPath: file.displayPath,
          transaction: parsed.up.transaction,
          sql: parsed.up.sql,
          checksum: parsed.checksum,
        })),
        applied: plan.files.filter((r) => r.applied).length,
        orphans: plan.orphans,
        edited: await this.editedFiles(conn, ledger, plan),
        currentVersion: plan.highestApplied,
        ledgerExists: exists,
      };
    });
  }

  /** `dump`: write the schema file now; errors are fatal here (unlike the automatic dump). */
  async dump(): Promise<string> {
    return this.session(false, async (conn) => {
      const ledger = await resolveLedgerName(conn, this.cfg.migrationsTable, this.cfg.target.searchPath);
      await ensureLedger(conn, ledger, this.log);
      const text = await dumpSchema(conn, this.cfg.target, ledger, {
        pgDump: this.cfg.pgDump,
        extraArgs: this.cfg.dumpArgs,
        history: this.historyName(ledger),
      });
      this.log.info(`Writing: ${this.cfg.schemaFile}`);
      await writeSchemaFile(this.resolve(this.cfg.schemaFile), text);
      return this.cfg.schemaFile;
    });
  }
}
