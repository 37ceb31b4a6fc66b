/**
 * What the engine's commands take besides their config and what they return: plain data, so the
 * CLI and the action render it as they need and tests assert it.
 */
import type { Connection } from './db.js';
import type { MigrationRef } from './plan.js';
import type { StepResult } from './runner.js';
import type { TableSize } from './catalog.js';

export type { MigrationRef } from './plan.js';

/** What a {@link BeforeApply} hook is told besides the migrations about to run. */
export interface BeforeApplyInfo {
  /** `up` (about to apply) or `rollback` (about to undo). */
  command: 'up' | 'rollback';
  /**
   * The run's own connection, which holds the advisory lock. For reading only (e.g. the server
   * version): changing the database through it would slip a change in before the migrations.
   */
  conn: Connection;
  /** Highest applied version with a file before this run, if any. */
  currentVersion?: string;
  /** `up` created the database in this run (so it is empty). */
  databaseCreated: boolean;
  /**
   * {@link Migrator.tableFacts} on the run's own connection: no second session (behind a session
   * pooler with a small pool it might wait for one), no second look at the server's topology.
   */
  tableFacts(tables: readonly string[]): Promise<TableFacts>;
}

/**
 * Called under the advisory lock after planning and before the first migration runs (only when
 * there is something to run), so nothing can change the database between the hook and the
 * migrations. A hook that throws aborts the command with nothing applied; the error is rethrown
 * as is. The action takes its pre-migration backup here.
 *
 * @param migrations what will run, in order (`up`: oldest first; `rollback`: newest first)
 */
export type BeforeApply = (migrations: MigrationRef[], info: BeforeApplyInfo) => Promise<void>;

/** Options of {@link Migrator.up}. */
export interface UpOptions {
  /** Create the database when it does not exist (dbmate's `up`; `migrate` does not). */
  createDatabase?: boolean;
  /** Apply at most this many pending migrations. */
  steps?: number;
  /** See {@link BeforeApply}. Not called when nothing is pending. */
  beforeApply?: BeforeApply;
}

/** Options of {@link Migrator.rollback}. */
export interface RollbackOptions {
  /** Roll back this many migrations (default 1). */
  steps?: number;
  /** See {@link BeforeApply}. Called with the migrations about to be rolled back. */
  beforeApply?: BeforeApply;
}

/** Result of `up`/`migrate`/`rollback`. */
export interface RunResult {
  command: 'up' | 'rollback';
  steps: StepResult[];
  /** The first failure, if any (the run stopped there). */
  error?: Error;
  /** Versions still pending after the run (empty when `stateUnknown`). */
  pending: string[];
  /** The same pending migrations with their file names and display paths, in dbmate's order. */
  pendingFiles: MigrationRef[];
  /** Every migration file the run saw, in dbmate's order (what "all applied" is measured against). */
  files: MigrationRef[];
  /** `up` created the missing database before migrating (as dbmate's `up` does). */
  databaseCreated?: boolean;
  /**
   * The connection was lost and what is applied now could not be established: the ledger could
   * not be read again, or the old session could not be ended (its migration may still commit).
   * pending/currentVersion are unknown, and so is the outcome of the last step.
   */
  stateUnknown?: boolean;
  /** Why the state is unknown, and how to find out: for messages. */
  unknownReason?: string;
  /** The run was cancelled (the job's SIGINT/SIGTERM): by what, e.g. `SIGINT`. */
  cancelled?: string;
  /** Highest applied version with a file after the run, if any. */
  currentVersion?: string;
  /** Path written when the schema was dumped. */
  schemaFile?: string;
  /** A schema dump that failed after a successful run (reported, unlike dbmate, but does not fail the run). */
  dumpError?: Error;
  /** `up`: applied versions whose file was edited since it was applied (warned; refused under `strict`). */
  edited?: string[];
  durationMs: number;
}

/** One row of `status`. */
export interface StatusEntry {
  version: string;
  fileName: string;
  /** Path as dbmate prints it: `<dir>/<fileName>`, the dir as configured. */
  displayPath: string;
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
  /**
   * Rollback plans only: the section holds no statement (just its marker, comments or blanks).
   * `rollback` would then only delete the ledger row; {@link Migrator.rollbackVersions} refuses.
   */
  empty?: boolean;
}

/** Result of `plan` (dry run): nothing is created or changed. */
export interface PlanResult {
  /** What `up` would apply, in order, with the up SQL (limited by `steps`). */
  pending: PlannedMigration[];
  applied: number;
  orphans: string[];
  edited: string[];
  currentVersion?: string;
  ledgerExists: boolean;
  /**
   * The database does not exist: every file is pending. `up` would create it (the CLI's `up`,
   * the action outside production); `migrate` would fail.
   */
  databaseMissing: boolean;
}

/** Result of `planRollback` (dry run of `rollback`): nothing is created or changed. */
export interface RollbackPlanResult {
  /** What `rollback` would undo, newest first, with the down SQL (limited by `steps`, default 1). */
  targets: PlannedMigration[];
  applied: number;
  /** Migrations not applied now, in dbmate's order. */
  pending: MigrationRef[];
  orphans: string[];
  edited: string[];
  currentVersion?: string;
  ledgerExists: boolean;
  /** The database does not exist: nothing is applied, so there is nothing to roll back. */
  databaseMissing: boolean;
}

/** Why {@link Migrator.rollbackVersions} stopped before undoing every version it was given. */
export type RollbackStopReason =
  /** The down section has no statement: running it would only delete the ledger row. */
  | 'no-down'
  /** No migration file has this version any more. */
  | 'no-file'
  /** The file no longer parses. */
  | 'unparsable'
  /** The down SQL failed (the step's error is the result's `error`). */
  | 'failed'
  /** The run was cancelled (the job's SIGINT/SIGTERM) before or while this version was undone. */
  | 'cancelled';

/** Result of {@link Migrator.rollbackVersions}. */
export interface VersionsRollbackResult extends RunResult {
  command: 'rollback';
  /** Why the rollback ran, as given by the caller (logged, and kept here for reports). */
  reason?: string;
  /** The versions asked for, de-duplicated, in the order they were tried (newest first). */
  requested: string[];
  /** Requested versions that were not applied when the rollback started: nothing to undo. */
  notApplied: string[];
  /** Requested versions still applied after the rollback, newest first (empty when it finished). */
  remaining: MigrationRef[];
  /** Where and why the rollback stopped early; the message is in `error`. */
  stoppedAt?: { version: string; displayPath?: string; reason: RollbackStopReason };
}

/** What {@link Migrator.tableFacts} reads for the lint: the server's major version and the named tables' sizes. */
export interface TableFacts {
  /** e.g. 18; 0 when the database does not exist yet (nothing could be asked). */
  serverMajor: number;
  /** Keyed by the names as given (lowercase, `schema.name` or `name`); tables not found are absent. */
  sizes: Map<string, TableSize>;
}

/** What {@link Migrator.baseline} is asked. */
export interface BaselineOptions {
  /** The version of a migration file: it and every file before it (dbmate's order) are recorded. */
  version: string;
  /** Check and report only: nothing is created or recorded (a read-only session). */
  dryRun?: boolean;
}

/** Result of {@link Migrator.baseline}. */
export interface BaselineResult {
  command: 'baseline';
  /** The version asked for. */
  version: string;
  dryRun: boolean;
  /** Recorded as applied without running their SQL, in dbmate's order (under `dryRun`: would be). */
  baselined: MigrationRef[];
  /** Files up to the version that the ledger already had: left as they are. */
  alreadyApplied: MigrationRef[];
  /** How many objects (tables, columns, views, indexes) the baselined files create and the database was found to have. */
  checkedObjects: number;
  /** Baselined files whose up section the parser could not read, so their objects were not checked. */
  unchecked: { file: string; reason: string }[];
  /** Versions pending after the baseline (under `dryRun`: they would be), in dbmate's order. */
  pending: string[];
  /** The files of {@link pending}, in the same order. */
  pendingFiles: MigrationRef[];
  /** Highest applied version with a file afterwards. */
  currentVersion?: string;
  /** The ledger (and history table) did not exist: created (under `dryRun`: would be). */
  ledgerCreated: boolean;
  /** Path written when the schema was dumped after recording. */
  schemaFile?: string;
  /** A schema dump that failed after the baseline was recorded (reported, does not undo it). */
  dumpError?: Error;
  durationMs: number;
}
