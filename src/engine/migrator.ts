import { readFileSync } from 'node:fs';
import pg from 'pg';
import { createHash, randomUUID } from 'node:crypto';
import { connect, closeQuietly, isConnectionLost, tableExists, type Connection } from './db.js';
import { SqlMigrationError } from './sql-error.js';
import { MigrationError } from './errors.js';
import { findMigrationFiles, assertUniqueVersions } from './files.js';
import { parseMigration } from './parse.js';
import { resolveLedgerName, ensureLedger, appliedVersions, type LedgerName } from './ledger.js';
import { editedWarning, historyName, historyDdl, appliedChecksums, recordHistory, type HistoryName, type RunContext } from './history.js';
import { acquireLock, releaseLock, lockKey } from './lock.js';
import { makePlan, checkStrictOrder, rollbackTargets, newestFirst, refOf, type MigrationPlan } from './plan.js';
import { runStep, type StepResult, type StepOptions } from './runner.js';
import { splitStatements } from './split.js';
import { dumpSchema, writeSchemaFile } from './dump.js';
import { formatGoDuration } from './duration.js';
import { withDatabase, type DatabaseTarget } from './url.js';
import type { Logger } from './logger.js';
import type { MigrationFile, ParsedMigration, Section } from './types.js';
import type { PlanResult, PlannedMigration, RollbackOptions, RollbackPlanResult, RollbackStopReason, RunResult, StatusResult, UpOptions, VersionsRollbackResult } from './results.js';
import { sleep } from './sleep.js';

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
  /**
   * How many times to retry opening a connection that was refused or timed out (a server that is
   * starting, a network blip); never retried: bad credentials, a missing database, TLS refusals.
   * Default 0 (the CLI behaves like dbmate; the action retries).
   */
  connectRetries?: number;
  /** First delay between connection attempts, ms, doubled each retry (default 1000). */
  connectRetryBaseMs?: number;
}

interface Loaded {
  file: MigrationFile;
  parsed: ParsedMigration;
}

/** The migration engine: dbmate's commands, with locking, timeouts, retries and an audit trail. */
export class Migrator {
  private readonly cfg: MigratorConfig;

  /** One Migrator is one invocation: every history row it writes shares the invocation id. */
  constructor(cfg: MigratorConfig) {
    this.cfg = { ...cfg, ctx: { ...cfg.ctx, invocationId: cfg.ctx.invocationId ?? randomUUID() } };
  }

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
    // The bytes are parsed (not a decoded string) so the checksum is the file's own sha256.
    return files.map((file) => ({ file, parsed: parseMigration(readFileSync(file.absPath), file.displayPath) }));
  }

  private historyName(ledger: LedgerName): HistoryName | undefined {
    return this.cfg.historyTable ? historyName(ledger, this.cfg.historyTable) : undefined;
  }

  /**
   * Open a connection, retrying (per {@link MigratorConfig.connectRetries}) only failures that
   * may pass by themselves. The one place the engine connects for a command.
   */
  private async connect(target: DatabaseTarget): Promise<Connection> {
    const retries = this.cfg.connectRetries ?? 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await connect(target);
      } catch (err) {
        if (attempt > retries || !isTransientConnectError(err)) throw err;
        const delay = (this.cfg.connectRetryBaseMs ?? 1000) * 2 ** (attempt - 1);
        this.log.warn(`${(err as Error).message}; retry ${attempt}/${retries} in ${delay} ms`);
        await sleep(delay);
      }
    }
  }

  /** One connection for one command; `created` tells whether a missing database was created first. */
  private async session<T>(create: boolean, fn: (conn: Connection, created: boolean) => Promise<T>): Promise<T> {
    let conn: Connection;
    let created = false;
    try {
      conn = await this.connect(this.cfg.target);
    } catch (err) {
      if (!create || (err as MigrationError).code !== 'DATABASE_MISSING') throw err;
      await this.createDatabase();
      created = true;
      conn = await this.connect(this.cfg.target);
    }
    try {
      return await fn(conn, created);
    } finally {
      await closeQuietly(conn);
    }
  }

  /**
   * A read-only session for dry runs: even a bug in the caller could not create or change
   * anything. A missing database is not an error here: `onMissing` answers instead.
   */
  private async readOnly<T>(fn: (conn: Connection, ledger: LedgerName, exists: boolean) => Promise<T>, onMissing: () => T | Promise<T>): Promise<T> {
    let missing = false;
    const result = await this.session(false, async (conn) => {
      await conn.query('SET default_transaction_read_only = on');
      const ledger = await resolveLedgerName(conn, this.cfg.migrationsTable, this.cfg.target.searchPath);
      return fn(conn, ledger, await tableExists(conn, ledger));
    }).catch((err: unknown) => {
      if ((err as MigrationError).code !== 'DATABASE_MISSING') throw err;
      missing = true;
      return undefined;
    });
    return missing ? onMissing() : (result as T);
  }

  /** `create`: create the database (dbmate prints `Creating: <db>`). */
  async createDatabase(): Promise<void> {
    this.log.info(`Creating: ${this.cfg.target.database}`);
    const admin = await this.connect(withDatabase(this.cfg.target, 'postgres'));
    try {
      await admin.query(`create database ${pg.escapeIdentifier(this.cfg.target.database)}`);
    } finally {
      await closeQuietly(admin);
    }
  }

  /** `drop`: drop the database if it exists. */
  async dropDatabase(): Promise<void> {
    this.log.info(`Dropping: ${this.cfg.target.database}`);
    const admin = await this.connect(withDatabase(this.cfg.target, 'postgres'));
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

  /**
   * `up` (create the database if missing) and `migrate`: apply pending migrations in order.
   * Every pending file is parsed, then `beforeApply` runs, then the ledger tables are created
   * when missing and the migrations run, all under one advisory lock.
   */
  async up(opts: UpOptions = {}): Promise<RunResult> {
    const t0 = Date.now();
    // dbmate creates a missing database before it looks at the migrations directory.
    return this.session(opts.createDatabase ?? false, async (conn, created) => {
      const files = await this.files();
      if (files.length === 0) {
        throw new MigrationError('NO_MIGRATIONS', 'no migration files found', {
          hint: `add a migration with \`db-migrate new NAME\` in ${this.cfg.migrationsDirs.join(', ')}`,
        });
      }
      return this.locked(conn, async (ledger, history) => {
        const plan = makePlan(files, await appliedVersions(conn, ledger));
        if (this.cfg.strict) checkStrictOrder(plan);
        const edited = await this.checkEdited(conn, ledger, plan);
        const todo = plan.pending.slice(0, opts.steps ?? plan.pending.length);
        const loaded = await this.load(todo);
        // Before the ledger tables are created: a backup taken here shows the database as it was.
        if (opts.beforeApply && loaded.length > 0) {
          await opts.beforeApply(
            loaded.map((m) => refOf(m.file)),
            { command: 'up', conn, databaseCreated: created, ...(plan.highestApplied !== undefined ? { currentVersion: plan.highestApplied } : {}) },
          );
        }
        await this.ensureTables(conn, ledger, history);
        const { steps, error } = await this.runSteps(conn, loaded, 'up', this.stepOptions(ledger, history));
        const result = await this.finish(conn, 'up', files, ledger, history, steps, error, t0);
        if (created) result.databaseCreated = true;
        if (edited.length > 0) result.edited = edited;
        return result;
      });
    });
  }

  /** `rollback`/`down`: undo the last `steps` applied migrations (dbmate order), newest first. */
  async rollback(opts: RollbackOptions = {}): Promise<RunResult> {
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
        if (opts.beforeApply) {
          await opts.beforeApply(
            loaded.map((m) => refOf(m.file)),
            { command: 'rollback', conn, databaseCreated: false, ...(plan.highestApplied !== undefined ? { currentVersion: plan.highestApplied } : {}) },
          );
        }
        const { steps, error } = await this.runSteps(conn, loaded, 'down', this.stepOptions(ledger, history));
        return this.finish(conn, 'rollback', files, ledger, history, steps, error, t0);
      }),
    );
  }

  /** Run migrations in order with dbmate's progress lines; stop at the first failure. */
  private async runSteps(
    conn: Connection,
    loaded: Loaded[],
    direction: 'up' | 'down',
    stepOpts: StepOptions,
  ): Promise<{ steps: StepResult[]; error?: Error }> {
    const [doing, done] = direction === 'up' ? ['Applying', 'Applied'] : ['Rolling back', 'Rolled back'];
    const steps: StepResult[] = [];
    for (const m of loaded) {
      this.log.info(`${doing}: ${m.file.fileName}`);
      const r = await runStep(conn, m.file, m.parsed, direction, stepOpts);
      steps.push(r);
      if (r.error) return { steps, error: r.error };
      if (this.cfg.verbose && r.rowsAffected !== undefined) this.log.info(`Rows affected: ${r.rowsAffected}`);
      this.log.info(`${done}: ${m.file.fileName} in ${formatGoDuration(BigInt(Math.round(r.durationMs * 1e6)))}`);
    }
    return { steps };
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
    const result: RunResult = { command, steps, error, pending: [], pendingFiles: [], files: files.map(refOf), durationMs: 0 };
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
        result.pendingFiles = after.pending.map(refOf);
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
    const checksum = file ? sha256(readFileSync(file.absPath)) : '';
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
        displayPath: file.displayPath,
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

  /**
   * `up`'s check of applied files edited since they were applied: under `strict` the run is
   * refused (nothing applied yet); otherwise each is warned about. Returns their versions.
   */
  private async checkEdited(conn: Connection, ledger: LedgerName, plan: MigrationPlan): Promise<string[]> {
    const edited = await this.editedFiles(conn, ledger, plan);
    if (edited.length === 0) return edited;
    const paths = edited.map((v) => plan.files.find((r) => r.file.version === v)?.file.displayPath ?? v);
    if (this.cfg.strict) {
      throw new MigrationError(
        'EDITED_MIGRATIONS',
        `applied migration file${paths.length > 1 ? 's' : ''} edited after ${paths.length > 1 ? 'they were' : 'it was'} applied (checksum differs from the history table): ${paths.join(', ')}; nothing was applied in --strict mode`,
        { hint: 'restore the applied files as they were (git) and put the change in a new migration, or run without --strict' },
      );
    }
    for (const p of paths) this.log.warn(editedWarning(p));
    return edited;
  }

  /** Applied files whose bytes changed since they were applied (per the history table's checksum). */
  private async editedFiles(conn: Connection, ledger: LedgerName, plan: MigrationPlan): Promise<string[]> {
    const history = this.historyName(ledger);
    if (!history) return [];
    const sums = await appliedChecksums(conn, history);
    if (sums.size === 0) return [];
    // Synchronous reads on purpose: for thousands of small files, fs/promises costs four thread-pool
    // round trips and a promise per file, about ten times the time of readFileSync.
    return plan.files
      .filter((r) => r.applied && sums.has(r.file.version))
      .filter(({ file }) => sha256(readFileSync(file.absPath)) !== sums.get(file.version))
      .map(({ file }) => file.version)
      .sort();
  }

  /**
   * `plan` / dry-run: what `up` would do, with the exact SQL. The session is read-only, so
   * even a bug here could not create or change anything. On a missing database every file is
   * pending and `databaseMissing` says so (a dry run shows what `up` would do after creating it).
   */
  async plan(opts: { steps?: number } = {}): Promise<PlanResult> {
    const files = await this.files();
    const build = async (conn: Connection | undefined, ledger: LedgerName | undefined, exists: boolean): Promise<PlanResult> => {
      const plan = makePlan(files, conn && ledger && exists ? await appliedVersions(conn, ledger) : new Set());
      if (this.cfg.strict) checkStrictOrder(plan);
      const todo = await this.load(plan.pending.slice(0, opts.steps ?? plan.pending.length));
      return {
        pending: todo.map(({ file, parsed }) => planned(file, parsed, parsed.up)),
        applied: plan.files.filter((r) => r.applied).length,
        orphans: plan.orphans,
        edited: conn && ledger ? await this.editedFiles(conn, ledger, plan) : [],
        currentVersion: plan.highestApplied,
        ledgerExists: exists,
        databaseMissing: conn === undefined,
      };
    };
    return this.readOnly(
      (conn, ledger, exists) => build(conn, ledger, exists),
      () => build(undefined, undefined, false),
    );
  }

  /**
   * Dry run of `rollback`: the migrations it would undo (dbmate's order: the last applied files
   * in file-name order, newest first), with their down SQL and transaction mode. Read-only.
   */
  async planRollback(opts: { steps?: number } = {}): Promise<RollbackPlanResult> {
    const files = await this.files();
    const build = async (conn: Connection | undefined, ledger: LedgerName | undefined, exists: boolean): Promise<RollbackPlanResult> => {
      const plan = makePlan(files, conn && ledger && exists ? await appliedVersions(conn, ledger) : new Set());
      const targets = await this.load(rollbackTargets(plan, opts.steps ?? 1));
      return {
        targets: await Promise.all(
          targets.map(async ({ file, parsed }) => ({ ...planned(file, parsed, parsed.down), empty: await isEmptySection(parsed.down) })),
        ),
        applied: plan.files.filter((r) => r.applied).length,
        pending: plan.pending.map(refOf),
        orphans: plan.orphans,
        edited: conn && ledger ? await this.editedFiles(conn, ledger, plan) : [],
        currentVersion: plan.highestApplied,
        ledgerExists: exists,
        databaseMissing: conn === undefined,
      };
    };
    return this.readOnly(
      (conn, ledger, exists) => build(conn, ledger, exists),
      () => build(undefined, undefined, false),
    );
  }

  /**
   * Undo exactly these versions (e.g. what a failed run applied), newest first in dbmate's file
   * order, each down section in its own transaction (unless `transaction:false`) with its ledger
   * delete and a `rolled_back` history row. Versions that are not applied are skipped.
   *
   * Stops at the first version it cannot undo honestly: no file, a file that no longer parses, a
   * down section with no statement (dbmate would just delete the ledger row and leave the change
   * in place; for an automatic rollback that would be a lie), or down SQL that fails. The result
   * says where it stopped and what remains applied; nothing is thrown for those.
   */
  async rollbackVersions(versions: readonly string[], opts: { reason?: string } = {}): Promise<VersionsRollbackResult> {
    const t0 = Date.now();
    const files = await this.files();
    const requested = newestFirst(files, [...new Set(versions)]);
    return this.session(false, (conn) =>
      this.locked(conn, async (ledger, history) => {
        await this.ensureTables(conn, ledger, history);
        const applied = await appliedVersions(conn, ledger);
        const notApplied = requested.filter((v) => !applied.has(v));
        const todo = requested.filter((v) => applied.has(v));
        this.log.info(`Rolling back ${todo.length} migration(s)${opts.reason ? ` (${opts.reason})` : ''}: ${todo.join(', ') || 'none'}`);
        for (const v of notApplied) this.log.warn(`version ${v} is not applied: nothing to roll back`);
        const stepOpts = this.stepOptions(ledger, history);
        const steps: StepResult[] = [];
        let error: Error | undefined;
        let stoppedAt: VersionsRollbackResult['stoppedAt'];
        const stop = (version: string, reason: RollbackStopReason, err: Error, displayPath?: string) => {
          stoppedAt = { version, reason, ...(displayPath !== undefined ? { displayPath } : {}) };
          error = err;
        };
        for (const version of todo) {
          const file = files.find((f) => f.version === version);
          if (!file) {
            stop(version, 'no-file', new MigrationError('ROLLBACK_NO_FILE', `cannot roll back version ${version}: no migration file has this version`, {
              hint: 'restore the file (from git) and roll back by hand, or restore the backup',
            }));
            break;
          }
          let parsed: ParsedMigration;
          try {
            [{ parsed }] = await this.load([file]);
          } catch (err) {
            stop(version, 'unparsable', err as Error, file.displayPath);
            break;
          }
          if (await isEmptySection(parsed.down)) {
            stop(
              version,
              'no-down',
              new MigrationError('ROLLBACK_NO_DOWN', `cannot roll back ${file.displayPath}: its down section is empty, so the rollback stopped here`, {
                hint:
                  'an empty down section would only delete the ledger row and leave the change in place; ' +
                  'undo this migration by hand (or restore the backup), or give the file a real down section',
              }),
              file.displayPath,
            );
            break;
          }
          this.log.info(`Rolling back: ${file.fileName}`);
          const r = await runStep(conn, file, parsed, 'down', stepOpts);
          steps.push(r);
          if (r.error) {
            stop(version, 'failed', r.error, file.displayPath);
            break;
          }
          this.log.info(`Rolled back: ${file.fileName} in ${formatGoDuration(BigInt(Math.round(r.durationMs * 1e6)))}`);
        }
        const base = await this.finish(conn, 'rollback', files, ledger, history, steps, error, t0);
        const undone = new Set(steps.filter((st) => st.outcome === 'rolled_back').map((st) => st.version));
        const pendingAfter = new Set(base.pending);
        // With the ledger unreadable (connection lost), trust the steps: what did not finish remains.
        const stillApplied = (v: string) => (base.stateUnknown ? !undone.has(v) : !pendingAfter.has(v));
        const byVersion = new Map(files.map((f) => [f.version, f]));
        const remaining = todo
          .filter(stillApplied)
          .map((v) => (byVersion.has(v) ? refOf(byVersion.get(v)!) : { version: v, fileName: '', displayPath: '' }));
        if (stoppedAt) this.log.warn(`rollback stopped at ${stoppedAt.displayPath ?? stoppedAt.version}; still applied: ${remaining.map((m) => m.version).join(', ') || 'none'}`);
        return {
          ...base,
          command: 'rollback' as const,
          ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
          requested,
          notApplied,
          remaining,
          ...(stoppedAt ? { stoppedAt } : {}),
        };
      }),
    );
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

/** A dry-run entry for one section of a file. */
function planned(file: MigrationFile, parsed: ParsedMigration, section: Section): PlannedMigration {
  return {
    version: file.version,
    fileName: file.fileName,
    displayPath: file.displayPath,
    transaction: section.transaction,
    sql: section.sql,
    checksum: parsed.checksum,
  };
}

/**
 * Whether a section holds no statement: only its marker, comments and blanks. Decided by the
 * real PostgreSQL parser (comments of every kind, dollar quotes); text that does not parse is
 * not empty (running it will say what is wrong).
 */
export async function isEmptySection(section: Section): Promise<boolean> {
  try {
    return (await splitStatements(section.sql)).length === 0;
  } catch {
    return false;
  }
}

/**
 * Connection failures that may pass by themselves: refused (server starting or restarting),
 * timeouts, unreachable networks, temporary DNS failures, `the database system is starting up`
 * (57P03), too many connections (53300). Bad credentials, a missing database, TLS refusals and
 * unknown hosts fail the same way every time.
 */
export function isTransientConnectError(err: unknown): boolean {
  const seen = new Set<unknown>();
  const transient = (e: unknown): boolean => {
    if (!e || typeof e !== 'object' || seen.has(e)) return false;
    seen.add(e);
    const x = e as { code?: string; message?: string; cause?: unknown; errors?: unknown[] };
    if (x.code && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|57P03|53300)$/.test(x.code)) return true;
    if (/timeout|timed out|Connection terminated unexpectedly/i.test(x.message ?? '')) return true;
    return transient(x.cause) || (Array.isArray(x.errors) && x.errors.some(transient));
  };
  if ((err as MigrationError)?.code === 'DATABASE_MISSING') return false;
  return transient((err as { cause?: unknown })?.cause ?? err);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
