import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { withConnection, type Connection } from './db.js';
import { MigrationError } from './errors.js';
import { findMigrationFiles, assertUniqueVersions } from './files.js';
import { loadMigrations, type LoadedMigration } from './parse.js';
import { resolveLedgerName, ensureLedger, appliedVersions, readAppliedVersions, checkLedger, type LedgerName } from './ledger.js';
import { editedWarning, editedVersions, configuredHistory, checkHistory, historyDdl, historyInsertSql, recordRunOutcome, type HistoryName, type RunContext, type RunOutcomeRecord } from './history.js';
import { makePlan, checkStrictOrder, rollbackTargets, newestFirst, refOf, type MigrationPlan } from './plan.js';
import { settleRun, stoppedByLostConnection, type RunSoFar } from './outcome.js';
import { cancelledError } from './cancel.js';
import { runStep, type StepResult, type StepOptions } from './runner.js';
import { DEFAULT_LOCK_RETRY_BUDGET_MS, effectiveCapMs } from './lock-schedule.js';
import { isEmptySection } from './split.js';
import { writeSchema, writeSchemaAfter } from './dump.js';
import { formatGoDuration } from './duration.js';
import { serverVersion } from './pg-tools.js';
import { readTableSizes } from './catalog.js';
import { baselineIndex, emptyDatabaseError, expectedObjects, hasUserTables, missingObjects, schemaMismatchError } from './baseline.js';
import { withSession, withReadOnlySession, withLock, withAdminSession, type LockedSession, type SessionSettings } from './session.js';
import type { Logger } from './logger.js';
import type { MigrationFile, ParsedMigration, Section } from './types.js';
import type { BaselineOptions, BaselineResult, BeforeApplyInfo, PlanResult, PlannedMigration, RollbackOptions, RollbackPlanResult, RollbackStopReason, RunResult, StatusResult, TableFacts, UpOptions, VersionsRollbackResult } from './results.js';

/**
 * Everything the engine needs; built by the CLI or the action, never read from the environment
 * here. The fields about reaching the database (target, table names, lock wait, connection
 * retries, the logger) are documented where they are used, in {@link SessionSettings}.
 */
export interface MigratorConfig extends SessionSettings {
  /** Directories scanned for migration files, as configured (dbmate allows several). */
  migrationsDirs: string[];
  /** Where `dump` writes, and whether up/rollback write it afterwards. */
  schemaFile: string;
  dumpSchema: boolean;
  /** Refuse pending migrations older than the newest applied one. */
  strict: boolean;
  /**
   * Longest `lock_timeout` of any lock attempt, ms (the schedule's cap; 0 = no lock_timeout: one
   * attempt that waits as long as it takes). See `lock-schedule.ts`.
   */
  lockTimeoutMs: number;
  /**
   * Whether the user chose {@link lockTimeoutMs}. When not, a shorter `lock_timeout` the server
   * already has (set for the role or the database) lowers the cap, so a DBA's limit holds.
   */
  lockTimeoutExplicit?: boolean;
  /** `statement_timeout` of each migration, ms (0 = none); undefined = inherit the server's: nothing is SET. */
  statementTimeoutMs?: number;
  /** Retries of a migration (or `transaction:false` statement) that hit lock_timeout. */
  lockRetries: number;
  /** Wall time the lock attempts and pauses of one migration may take, ms; 0 = no limit. Default {@link DEFAULT_LOCK_RETRY_BUDGET_MS}. */
  lockRetryBudgetMs?: number;
  /** Random source of the pauses' jitter, [0, 1) (default `Math.random`); tests pass a fixed one. */
  random?: () => number;
  /** pg_dump to use for schema dumps. */
  pgDump?: string;
  /** Extra pg_dump arguments (dbmate's `dump -- …`). */
  dumpArgs?: string[];
  /** Print dbmate's `Rows affected: N`. */
  verbose?: boolean;
  ctx: RunContext;
  /** Resolve relative directories against this (default: process.cwd()). */
  cwd?: string;
  /** Masked wherever the engine stores text (history rows); the URL's password always is. */
  secrets?: readonly string[];
}

/** The session of a {@link Migrator.holdLock} scope, lent to the commands run inside it. */
interface Held {
  conn: Connection;
  created: boolean;
  locked: LockedSession;
  /** A command inside saw the session lost: the lock went with it. */
  lost?: boolean;
}

/** Where and why a step loop stopped before its end (see {@link VersionsRollbackResult.stoppedAt}). */
interface Stopped {
  version: string;
  reason: RollbackStopReason;
  error: Error;
  displayPath?: string;
}

/** What the dry runs share: the plan against the live ledger, and the fields every dry run reports. */
interface DryRun {
  plan: MigrationPlan;
  edited: string[];
  ledgerExists: boolean;
  databaseMissing: boolean;
}

/** The migration engine: dbmate's commands, with locking, timeouts, retries and an audit trail. */
export class Migrator {
  private readonly cfg: MigratorConfig;
  private held?: Held;
  /** {@link serverLockTimeout} of each session seen. */
  private readonly serverLockTimeouts = new WeakMap<Connection, number>();
  /** The history table this invocation wrote a row into (a step ran), for {@link recordRunOutcome}. */
  private recordedIn?: HistoryName;

  /** One Migrator is one invocation: every history row it writes shares the invocation id. */
  constructor(cfg: MigratorConfig) {
    this.cfg = { ...cfg, ctx: { ...cfg.ctx, invocationId: cfg.ctx.invocationId ?? randomUUID() } };
  }

  private get log(): Logger {
    return this.cfg.log;
  }

  /** `create`: create the database (dbmate prints `Creating: <db>`). */
  async createDatabase(): Promise<void> {
    this.log.info(`Creating: ${this.cfg.target.database}`);
    await withAdminSession(this.cfg, (admin) => admin.query(`create database ${pg.escapeIdentifier(this.cfg.target.database)}`));
  }

  /** `drop`: drop the database if it exists. */
  async dropDatabase(): Promise<void> {
    this.log.info(`Dropping: ${this.cfg.target.database}`);
    await withAdminSession(this.cfg, (admin) => admin.query(`drop database if exists ${pg.escapeIdentifier(this.cfg.target.database)}`));
  }

  /**
   * Hold one session and the migration lock for everything `fn` does: `up`, `rollbackVersions`
   * and `rollback` called inside reuse them, so nothing can start between a deploy's migrations,
   * its health checks and its automatic rollback. With `createDatabase`, a missing database is
   * created first (as `up` does). When the held session is lost, the next command inside opens
   * (and locks) a new one.
   */
  async holdLock<T>(opts: { createDatabase?: boolean }, fn: () => Promise<T>): Promise<T> {
    if (this.held) return fn();
    const createMissing = opts.createDatabase ? () => this.createDatabase() : undefined;
    return withSession(
      this.cfg,
      (conn, created) =>
        withLock(conn, this.cfg, async (locked) => {
          this.held = { conn, created, locked };
          try {
            return await fn();
          } finally {
            this.held = undefined;
          }
        }),
      createMissing,
    );
  }

  /** `fn` on the held session (see {@link holdLock}), else on a session and lock of its own. */
  private locked<T>(fn: (conn: Connection, locked: LockedSession, created: boolean) => Promise<T>, createMissing?: () => Promise<void>): Promise<T> {
    const held = this.held;
    if (held && !held.locked.guard.lostReason && !held.lost) {
      // A database created by the held session counts once: for the first command that asks.
      const created = held.created;
      held.created = false;
      return fn(held.conn, held.locked, created);
    }
    return withSession(this.cfg, (conn, created) => withLock(conn, this.cfg, (locked) => fn(conn, locked, created)), createMissing);
  }

  /**
   * `up` (create the database if missing) and `migrate`: apply pending migrations in order.
   * Every pending file is parsed, then `beforeApply` runs, then the ledger tables are created
   * when missing and the migrations run, all under one advisory lock.
   */
  async up(opts: UpOptions = {}): Promise<RunResult> {
    const t0 = Date.now();
    // dbmate creates a missing database before it looks at the migrations directory.
    const createMissing = opts.createDatabase ? () => this.createDatabase() : undefined;
    return this.locked(async (conn, locked, created) => {
      const { ledger, history } = locked;
      const files = await this.files();
      if (files.length === 0) {
        throw new MigrationError('NO_MIGRATIONS', 'no migration files found', {
          hint: `add a migration with \`db-migrate-action new NAME\` in ${this.cfg.migrationsDirs.join(', ')}`,
        });
      }
      const plan = makePlan(files, await appliedVersions(conn, ledger));
      if (this.cfg.strict) checkStrictOrder(plan);
      const edited = await this.checkEdited(conn, ledger, plan);
      const todo = plan.pending.slice(0, opts.steps ?? plan.pending.length);
      const loaded = loadMigrations(todo);
      // Before the ledger tables are created: a backup taken here shows the database as it was.
      if (opts.beforeApply && loaded.length > 0) await opts.beforeApply(loaded.map((m) => refOf(m.file)), applyInfo('up', conn, created, plan, this.cfg.target.searchPath));
      await this.ensureTables(conn, ledger, history);
      const stepOpts = await this.stepOptions(conn, ledger, history);
      const { steps, stopped } = await this.runSteps(conn, loaded, 'up', stepOpts, ready);
      const result = await this.settle(conn, locked, { command: 'up', files, ledger, history, steps, error: stopped?.error, t0, stepOpts });
      if (created) result.databaseCreated = true;
      if (edited.length > 0) result.edited = edited;
      return result;
    }, createMissing);
  }

  /** `rollback`/`down`: undo the last `steps` applied migrations (dbmate order), newest first. */
  async rollback(opts: RollbackOptions = {}): Promise<RunResult> {
    const t0 = Date.now();
    const files = await this.files();
    return this.locked(async (conn, locked) => {
      const { ledger, history } = locked;
      await this.ensureTables(conn, ledger, history);
      const plan = makePlan(files, await appliedVersions(conn, ledger));
      const targets = rollbackTargets(plan, opts.steps ?? 1);
      if (targets.length === 0) {
        throw new MigrationError('NOTHING_TO_ROLLBACK', "can't rollback: no migrations have been applied", {
          hint: 'run `status` to see what is applied',
        });
      }
      const loaded = loadMigrations(targets);
      if (opts.beforeApply) await opts.beforeApply(loaded.map((m) => refOf(m.file)), applyInfo('rollback', conn, false, plan, this.cfg.target.searchPath));
      const stepOpts = await this.stepOptions(conn, ledger, history);
      const { steps, stopped } = await this.runSteps(conn, loaded, 'down', stepOpts, ready);
      return this.settle(conn, locked, { command: 'rollback', files, ledger, history, steps, error: stopped?.error, t0, stepOpts });
    });
  }

  /**
   * Undo exactly these versions (e.g. what a failed run applied), newest first in dbmate's file
   * order, each down section in its own transaction (unless `transaction:false`) with its ledger
   * delete and a `rolled-back` history row. Versions that are not applied are skipped.
   *
   * Stops at the first version it cannot undo honestly: no file, a file that no longer parses, a
   * down section with no statement (dbmate would just delete the ledger row and leave the change
   * in place; for an automatic rollback that would be a lie), or down SQL that fails. The result
   * says where it stopped and what remains applied; nothing is thrown for those.
   */
  async rollbackVersions(versions: readonly string[], opts: { reason?: string } = {}): Promise<VersionsRollbackResult> {
    const t0 = Date.now();
    const files = await this.files();
    const byVersion = new Map(files.map((f) => [f.version, f]));
    const requested = newestFirst(files, [...new Set(versions)]);
    return this.locked(async (conn, locked) => {
      const { ledger, history } = locked;
      await this.ensureTables(conn, ledger, history);
      const applied = await appliedVersions(conn, ledger);
      const notApplied = requested.filter((v) => !applied.has(v));
      const todo = requested.filter((v) => applied.has(v));
      this.log.info(`Rolling back ${todo.length} migration(s)${opts.reason ? ` (${opts.reason})` : ''}: ${todo.join(', ') || 'none'}`);
      for (const v of notApplied) this.log.warn(`version ${v} is not applied: nothing to roll back`);
      // The automatic rollback never printed dbmate's `Rows affected:` lines; it still does not.
      const stepOpts = await this.stepOptions(conn, ledger, history);
      const check = (v: string) => this.undoable(byVersion.get(v), v);
      const { steps, stopped } = await this.runSteps(conn, todo, 'down', stepOpts, check, { rowsAffected: false });
      const base = await this.settle(conn, locked, { command: 'rollback', files, ledger, history, steps, error: stopped?.error, t0, stepOpts });
      const undone = new Set(steps.filter((st) => st.outcome === 'rolled-back').map((st) => st.version));
      const pendingAfter = new Set(base.pending);
      // With the ledger unreadable (connection lost), trust the steps: what did not finish remains.
      const stillApplied = (v: string) => (base.stateUnknown ? !undone.has(v) : !pendingAfter.has(v));
      const remaining = todo
        .filter(stillApplied)
        .map((v) => (byVersion.has(v) ? refOf(byVersion.get(v)!) : { version: v, fileName: '', displayPath: '' }));
      const stoppedAt = stopped && { version: stopped.version, reason: stopped.reason, ...(stopped.displayPath !== undefined ? { displayPath: stopped.displayPath } : {}) };
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
    });
  }

  /**
   * `rollbackVersions`' check before each version: the file must exist, parse, and have a down
   * section with a statement in it. Anything else stops the loop with its reason.
   */
  private async undoable(file: MigrationFile | undefined, version: string): Promise<LoadedMigration | Stopped> {
    if (!file) {
      return {
        version,
        reason: 'no-file',
        error: new MigrationError('ROLLBACK_NO_FILE', `cannot roll back version ${version}: no migration file has this version`, {
          hint: 'restore the file (from git) and roll back by hand, or restore the backup',
        }),
      };
    }
    let loaded: LoadedMigration;
    try {
      [loaded] = loadMigrations([file]);
    } catch (err) {
      return { version, reason: 'unparsable', error: err as Error, displayPath: file.displayPath };
    }
    if (await isEmptySection(loaded.parsed.down)) {
      return {
        version,
        reason: 'no-down',
        error: new MigrationError('ROLLBACK_NO_DOWN', `cannot roll back ${file.displayPath}: its down section is empty, so the rollback stopped here`, {
          hint:
            'an empty down section would only delete the ledger row and leave the change in place; ' +
            'undo this migration by hand (or restore the backup), or give the file a real down section',
        }),
        displayPath: file.displayPath,
      };
    }
    return loaded;
  }

  /**
   * `baseline VERSION`: record every file up to VERSION's (dbmate's order) as applied without
   * running its SQL, for a database whose schema already exists. Versions the ledger already has
   * are left as they are (and reported). Refused, with nothing recorded, when VERSION is no file's
   * version, when the database has no table at all (that is a job for `up`), or when an object
   * the baselined up sections create (table, column, view, index) is missing. The ledger rows,
   * one `baselined` history row per version, and the tables when missing are written in one
   * transaction under the migration lock; `dryRun` does the checks on a read-only session.
   */
  async baseline(opts: BaselineOptions): Promise<BaselineResult> {
    const t0 = Date.now();
    const files = await this.files();
    if (files.length === 0) {
      throw new MigrationError('NO_MIGRATIONS', 'no migration files found', {
        hint: `add a migration with \`db-migrate-action new NAME\` in ${this.cfg.migrationsDirs.join(', ')}`,
      });
    }
    const upTo = files.slice(0, baselineIndex(files, opts.version) + 1);
    const decide = async (conn: Connection, ledger: LedgerName, applied: Set<string>) => {
      const todo = upTo.filter((f) => !applied.has(f.version));
      const already = upTo.filter((f) => applied.has(f.version));
      const loaded = loadMigrations(upTo);
      const history = configuredHistory(ledger, this.cfg.historyTable);
      let checked = 0;
      let unchecked: { file: string; reason: string }[] = [];
      if (todo.length > 0) {
        if (!(await hasUserTables(conn, ledger, history))) throw emptyDatabaseError(opts.version);
        const expected = await expectedObjects(loaded, new Set(todo.map((f) => f.version)));
        unchecked = expected.unchecked;
        for (const u of unchecked) this.log.warn(`${u.file}: its up section could not be parsed, so the objects it creates were not checked (${u.reason})`);
        const missing = await missingObjects(conn, expected.objects);
        if (missing.length > 0) throw schemaMismatchError(opts.version, missing);
        checked = expected.objects.length;
      }
      for (const f of already) this.log.info(`Already applied: ${f.fileName}`);
      return { todo, already, loaded: loaded.filter((m) => !applied.has(m.file.version)), history, checked, unchecked };
    };
    const result = (d: Awaited<ReturnType<typeof decide>>, applied: Set<string>, ledgerExists: boolean): BaselineResult => {
      const after = makePlan(files, new Set([...applied, ...d.todo.map((f) => f.version)]));
      return {
        command: 'baseline',
        version: opts.version,
        dryRun: !!opts.dryRun,
        baselined: d.todo.map(refOf),
        alreadyApplied: d.already.map(refOf),
        checkedObjects: d.checked,
        unchecked: d.unchecked,
        pending: after.pending.map((f) => f.version),
        pendingFiles: after.pending.map(refOf),
        ...(after.highestApplied !== undefined ? { currentVersion: after.highestApplied } : {}),
        ledgerCreated: !ledgerExists && d.todo.length > 0,
        durationMs: Date.now() - t0,
      };
    };
    if (opts.dryRun) {
      return withReadOnlySession(
        this.cfg,
        async (conn, ledger, exists) => {
          const applied = exists ? await readAppliedVersions(conn, ledger) : new Set<string>();
          const d = await decide(conn, ledger, applied);
          for (const f of d.todo) this.log.info(`Would baseline: ${f.fileName}`);
          return result(d, applied, exists);
        },
        () => {
          throw new MigrationError('DATABASE_MISSING', `cannot baseline to ${opts.version}: database ${this.cfg.target.database} does not exist`, {
            hint: 'baseline adopts an existing database: check the URL',
          });
        },
      );
    }
    return this.locked(async (conn, locked) => {
      const { ledger, history } = locked;
      const ledgerExists = await checkLedger(conn, ledger);
      if (history) await checkHistory(conn, history);
      const applied = ledgerExists ? await readAppliedVersions(conn, ledger) : new Set<string>();
      const d = await decide(conn, ledger, applied);
      const out = result(d, applied, ledgerExists);
      if (d.todo.length === 0) return out;
      await this.recordBaseline(conn, ledger, history, d.loaded);
      for (const f of d.todo) this.log.info(`Baselined: ${f.fileName}`);
      if (this.cfg.dumpSchema) {
        const { target, pgDump, schemaFile, cwd, log } = this.cfg;
        Object.assign(out, await writeSchemaAfter(conn, target, ledger, { pgDump, history, schemaFile, cwd, log }, 'the baseline itself was recorded'));
      }
      out.durationMs = Date.now() - t0;
      return out;
    });
  }

  /**
   * The ledger rows and `baselined` history rows of {@link baseline}, with the tables when
   * missing, in one transaction: a failure leaves the database as it was.
   */
  private async recordBaseline(conn: Connection, ledger: LedgerName, history: HistoryName | undefined, todo: readonly LoadedMigration[]): Promise<void> {
    await conn.query('BEGIN');
    try {
      const capMs = effectiveCapMs(this.cfg.lockTimeoutMs, this.cfg.lockTimeoutExplicit ?? false, await this.serverLockTimeout(conn));
      if (capMs > 0) await conn.query(`SET LOCAL lock_timeout = ${Math.round(capMs)}`);
      // ensureLedger's own fallback for a missing schema cannot run inside a transaction.
      const { rows } = await conn.query<{ found: boolean }>('select to_regnamespace($1) is not null as found', [ledger.quotedSchema]);
      if (!rows[0].found) {
        this.log.info(`Creating schema: ${ledger.schema}`);
        await conn.query(`create schema if not exists ${ledger.quotedSchema}`);
      }
      await ensureLedger(conn, ledger, this.log);
      if (history) await conn.query(historyDdl(history));
      await conn.query(`insert into ${ledger.quoted} (version) select unnest($1::text[])`, [todo.map((m) => m.file.version)]);
      if (history) {
        const sql = todo.map((m) => historyInsertSql(history, { version: m.file.version, direction: 'up', outcome: 'baselined', fileName: m.file.fileName, checksum: m.parsed.checksum }, this.cfg.ctx));
        await conn.query(sql.join(';\n'));
        this.recordedIn = history;
      }
      await conn.query('COMMIT');
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /**
   * Once the run's outcome is decided (after its health checks and automatic rollback): its
   * status and its one duration, as the caller reported them (the action's `status` and
   * `duration-ms`), on every history row this invocation wrote, so reports show the run as it
   * ended rather than guess from its rows. One UPDATE on a short connection of its own (the
   * command's session is gone by then); nothing when no step ran. Returns the rows updated.
   *
   * @throws the driver's error when the database cannot be reached or the UPDATE fails: the
   *   caller decides that this never changes the outcome
   */
  async recordRunOutcome(outcome: RunOutcomeRecord): Promise<number> {
    const history = this.recordedIn;
    if (!history) return 0;
    const { target, ctx, lockTimeoutMs, connectTimeoutMs } = this.cfg;
    return withConnection(target, (conn) => recordRunOutcome(conn, history, ctx.invocationId!, outcome, lockTimeoutMs), { connectTimeoutMs });
  }

  /** `status`: never creates anything. Edited applied files are reported separately (stderr in the CLI). */
  async status(): Promise<StatusResult> {
    const files = await this.files();
    return withSession(this.cfg, async (conn) => {
      const ledger = await resolveLedgerName(conn, this.cfg.migrationsTable, this.cfg.target.searchPath);
      const plan = makePlan(files, await appliedVersions(conn, ledger));
      const edited = await editedVersions(conn, configuredHistory(ledger, this.cfg.historyTable), plan);
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
    }, undefined, { writes: false });
  }

  /**
   * `plan` / dry-run: what `up` would do, with the exact SQL. On a missing database every file
   * is pending and `databaseMissing` says so (a dry run shows what `up` would do after creating it).
   */
  async plan(opts: { steps?: number } = {}): Promise<PlanResult> {
    return this.dryRun(async ({ plan, edited, ledgerExists, databaseMissing }) => {
      if (this.cfg.strict) checkStrictOrder(plan);
      const todo = loadMigrations(plan.pending.slice(0, opts.steps ?? plan.pending.length));
      return {
        pending: todo.map(({ file, parsed }) => planned(file, parsed, parsed.up)),
        applied: plan.files.filter((r) => r.applied).length,
        orphans: plan.orphans,
        edited,
        currentVersion: plan.highestApplied,
        ledgerExists,
        databaseMissing,
      };
    });
  }

  /**
   * Dry run of `rollback`: the migrations it would undo (dbmate's order: the last applied files
   * in file-name order, newest first), with their down SQL and transaction mode.
   */
  async planRollback(opts: { steps?: number } = {}): Promise<RollbackPlanResult> {
    return this.dryRun(async ({ plan, edited, ledgerExists, databaseMissing }) => {
      const targets = loadMigrations(rollbackTargets(plan, opts.steps ?? 1));
      return {
        targets: await Promise.all(
          targets.map(async ({ file, parsed }) => ({ ...planned(file, parsed, parsed.down), empty: await isEmptySection(parsed.down) })),
        ),
        applied: plan.files.filter((r) => r.applied).length,
        pending: plan.pending.map(refOf),
        orphans: plan.orphans,
        edited,
        currentVersion: plan.highestApplied,
        ledgerExists,
        databaseMissing,
      };
    });
  }

  /**
   * What the lint judges a run by (lint/sizes.ts): the server's major version and the size of each
   * named existing table (`schema.name`, or a bare name resolved through the URL's search_path),
   * read on a short read-only session: one version read and one catalog query. Tables not found are
   * absent from `sizes`. A missing database (`up` would create it: every table is new) gives
   * `{ serverMajor: 0, sizes: empty }`; any other failure to connect rejects, as `plan` does.
   */
  async tableFacts(tables: readonly string[]): Promise<TableFacts> {
    // A look-up beside the command's own session, which already said what there is to say about
    // the server (a standby's lag, a slow pooler probe): its warnings go to debug.
    const log = this.cfg.log;
    const quiet = { ...this.cfg, log: { info: (m: string) => log.info(m), warn: (m: string) => log.debug(m), debug: (m: string) => log.debug(m) } };
    return withReadOnlySession(quiet, (conn) => tableFactsOn(conn, tables, this.cfg.target.searchPath), () => ({ serverMajor: 0, sizes: new Map() }));
  }

  /** `dump`: write the schema file now; errors are fatal here (unlike the automatic dump). */
  async dump(): Promise<string> {
    return withSession(this.cfg, async (conn) => {
      const ledger = await resolveLedgerName(conn, this.cfg.migrationsTable, this.cfg.target.searchPath);
      await ensureLedger(conn, ledger, this.log);
      const { target, pgDump, dumpArgs, historyTable, schemaFile, cwd, log } = this.cfg;
      await writeSchema(conn, target, ledger, { pgDump, extraArgs: dumpArgs, history: configuredHistory(ledger, historyTable), schemaFile, cwd, log });
      return schemaFile;
    });
  }

  // --- the steps the commands share ------------------------------------------------------------

  private async files(): Promise<MigrationFile[]> {
    const files = await findMigrationFiles(this.cfg.migrationsDirs, this.cfg.cwd);
    assertUniqueVersions(files);
    return files;
  }

  /**
   * The skeleton of every dry run: the files, a read-only session, the plan against the live
   * ledger (everything pending when the database or the ledger is missing) and the edited files.
   */
  private async dryRun<T>(build: (d: DryRun) => Promise<T>): Promise<T> {
    const files = await this.files();
    return withReadOnlySession(
      this.cfg,
      async (conn, ledger, exists) => {
        const plan = makePlan(files, exists ? await readAppliedVersions(conn, ledger) : new Set());
        return build({ plan, edited: await editedVersions(conn, configuredHistory(ledger, this.cfg.historyTable), plan), ledgerExists: exists, databaseMissing: false });
      },
      () => build({ plan: makePlan(files, new Set()), edited: [], ledgerExists: false, databaseMissing: true }),
    );
  }

  private async stepOptions(conn: Connection, ledger: LedgerName, history: HistoryName | undefined): Promise<StepOptions> {
    const capMs = effectiveCapMs(this.cfg.lockTimeoutMs, this.cfg.lockTimeoutExplicit ?? false, await this.serverLockTimeout(conn));
    return {
      ledger,
      history,
      ctx: this.cfg.ctx,
      log: this.log,
      lockTimeoutMs: capMs,
      ...(this.cfg.statementTimeoutMs !== undefined ? { statementTimeoutMs: this.cfg.statementTimeoutMs } : {}),
      lockRetries: this.cfg.lockRetries,
      lockRetryBudgetMs: this.cfg.lockRetryBudgetMs ?? DEFAULT_LOCK_RETRY_BUDGET_MS,
      ...(this.cfg.random ? { random: this.cfg.random } : {}),
      ...(this.cfg.signal ? { signal: this.cfg.signal } : {}),
      secrets: [...(this.cfg.secrets ?? []), ...this.cfg.target.secrets],
    };
  }

  /**
   * The session's own `lock_timeout` (from the role, the database or the URL's options), ms, read
   * once per session and only when the user did not choose `lock-timeout`; 0 when none or unreadable.
   */
  private async serverLockTimeout(conn: Connection): Promise<number> {
    if (this.cfg.lockTimeoutExplicit) return 0;
    const known = this.serverLockTimeouts.get(conn);
    if (known !== undefined) return known;
    const ms = await conn
      .query<{ ms: string }>("select setting as ms from pg_settings where name = 'lock_timeout'")
      .then((r) => Number(r.rows[0]?.ms ?? 0) || 0)
      .catch(() => 0);
    this.serverLockTimeouts.set(conn, ms);
    if (ms > 0 && ms < this.cfg.lockTimeoutMs) this.log.debug(`the server's lock_timeout (${ms} ms) is shorter than lock-timeout (${this.cfg.lockTimeoutMs} ms): no lock attempt waits longer than the server's`);
    return ms;
  }

  /** {@link settleRun} for a run on `locked`; a held session that was lost is not lent again. */
  private async settle(conn: Connection, locked: LockedSession, run: Omit<RunSoFar, 'session'>): Promise<RunResult> {
    const result = await settleRun(conn, this.cfg, { ...run, session: locked.guard });
    if (this.held?.conn === conn && (locked.guard.lostReason || stoppedByLostConnection(run.error))) this.held.lost = true;
    return result;
  }

  /** Both tables, each checked before anything is created: another tool's table stops the run with nothing changed. */
  private async ensureTables(conn: Connection, ledger: LedgerName, history: HistoryName | undefined): Promise<void> {
    if (history) await checkHistory(conn, history);
    await ensureLedger(conn, ledger, this.log);
    if (history) await conn.query(historyDdl(history));
  }

  /**
   * Run migrations in order with dbmate's progress lines; stop at the first failure. `prepare`
   * turns each entry into a file to run, or into the reason to stop before it.
   */
  private async runSteps<E>(
    conn: Connection,
    entries: readonly E[],
    direction: 'up' | 'down',
    stepOpts: StepOptions,
    prepare: (entry: E) => Promise<LoadedMigration | Stopped>,
    show: { rowsAffected: boolean } = { rowsAffected: true },
  ): Promise<{ steps: StepResult[]; stopped?: Stopped }> {
    const [doing, done] = direction === 'up' ? ['Applying', 'Applied'] : ['Rolling back', 'Rolled back'];
    const steps: StepResult[] = [];
    for (const entry of entries) {
      const m = await prepare(entry);
      if ('reason' in m) return { steps, stopped: m };
      if (this.cfg.signal?.aborted) {
        const what = `${direction === 'up' ? 'applying' : 'rolling back'} ${m.file.displayPath}`;
        return { steps, stopped: { version: m.file.version, reason: 'cancelled', error: cancelledError(this.cfg.signal, what), displayPath: m.file.displayPath } };
      }
      this.log.info(`${doing}: ${m.file.fileName}`);
      const r = await runStep(conn, m.file, m.parsed, direction, stepOpts);
      steps.push(r);
      if (stepOpts.history) this.recordedIn = stepOpts.history;
      if (r.error) return { steps, stopped: { version: m.file.version, reason: r.outcome === 'cancelled' ? 'cancelled' : 'failed', error: r.error, displayPath: m.file.displayPath } };
      if (show.rowsAffected && this.cfg.verbose && r.rowsAffected !== undefined) this.log.info(`Rows affected: ${r.rowsAffected}`);
      this.log.info(`${done}: ${m.file.fileName} in ${formatGoDuration(BigInt(Math.round(r.durationMs * 1e6)))}`);
    }
    return { steps };
  }

  /**
   * `up`'s check of applied files edited since they were applied: under `strict` the run is
   * refused (nothing applied yet); otherwise each is warned about. Returns their versions.
   */
  private async checkEdited(conn: Connection, ledger: LedgerName, plan: MigrationPlan): Promise<string[]> {
    const edited = await editedVersions(conn, configuredHistory(ledger, this.cfg.historyTable), plan);
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

/** What `beforeApply` is told about the run it may still stop. */
function applyInfo(command: 'up' | 'rollback', conn: Connection, databaseCreated: boolean, plan: MigrationPlan, searchPath: readonly string[]): BeforeApplyInfo {
  return {
    command,
    conn,
    databaseCreated,
    tableFacts: (tables) => tableFactsOn(conn, tables, searchPath),
    ...(plan.highestApplied !== undefined ? { currentVersion: plan.highestApplied } : {}),
  };
}

/** The server's major and the named tables' sizes, read on `conn` (see {@link Migrator.tableFacts}). */
async function tableFactsOn(conn: Connection, tables: readonly string[], searchPath: readonly string[]): Promise<TableFacts> {
  return { serverMajor: (await serverVersion(conn)).major, sizes: await readTableSizes(conn, tables, searchPath) };
}

/** `runSteps`' preparation for files loaded beforehand (`up`, `rollback`): nothing left to check. */
async function ready(m: LoadedMigration): Promise<LoadedMigration> {
  return m;
}
