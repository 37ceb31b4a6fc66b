import type { MigrationReport, RunSummary } from '../metrics/types.js';
import type { HealthResult } from '../safety/health.js';
import type { DriftReport } from '../safety/drift.js';
import type { Finding } from '../lint/index.js';
import type { LintGate } from '../lint/gate.js';
import type { Command, LintFailOn, RunStatus } from './constants.js';
import type { IssueError } from '../github/issue.js';
import type { RowStatus } from '../engine/vocabulary.js';

/**
 * What happened (or, in a dry run, would happen) to one migration file: a word of the shared
 * outcome vocabulary (`ROW_STATUSES` in `engine/vocabulary.ts`, each explained there). The
 * summary renders these rows; the report carries them.
 */
export type { RowStatus } from '../engine/vocabulary.js';

/** One row of the plan/result/status table. */
export interface MigrationRow {
  version: string;
  /** Path as configured (`db/migrations/…sql`), or empty when only the version is known. */
  file: string;
  status: RowStatus;
  /** Wall time in this run, ms (applied, rolled back or failed rows). */
  durationMs?: number;
  /** Whether the section runs in one transaction (false for `transaction:false`). */
  transaction?: boolean;
  /** Attempts including lock-timeout retries, when more than one. */
  attempts?: number;
  /** Dry run: the exact SQL that would be sent. */
  sql?: string;
}

/**
 * A failure, with its location in a migration file when it has one: the failure issue's own
 * shape, with the multi-line description always present (the summary and annotations show it).
 */
export interface RunError extends IssueError {
  /** Multi-line description: statement, detail, hints, what was left applied. */
  details: string;
}

/**
 * The automatic rollback after a failed migration or health check (`steps/auto-rollback.ts`): what was
 * undone and, exactly, what of this run is still applied.
 */
export interface RollbackReport {
  /** Why it ran, e.g. `migration 3 failed`, `health check failed: url`. */
  reason: string;
  /** This run's applied versions, newest first: what it set out to undo. */
  requested: string[];
  /** Versions undone, in the order they were undone. */
  rolledBack: string[];
  /** Versions of this run still applied afterwards, newest first; empty when it finished. */
  remaining: string[];
  /** Where it stopped early: `no-down` (empty down section), `no-file`, `unparsable` or `failed`. */
  stoppedAt?: { version: string; file?: string; reason: string };
  /** The rollback's own failure (the run's `error` stays the original one). */
  error?: RunError;
}

/**
 * Why the automatic rollback stopped at a migration, by {@link RollbackReport}'s `stoppedAt.reason`,
 * as the summary, the failure issue and the notification word it (after "stopped at <file>: ").
 */
export const ROLLBACK_STOP_REASONS: Readonly<Record<string, string>> = {
  'no-down': 'its down section is empty',
  'no-file': 'its file is missing',
  unparsable: 'its file does not parse',
  failed: 'its down SQL failed',
};

/** What happened about the backup before `up`/`rollback` changed anything (or, in a dry run, what would happen). */
export type BackupOutcome =
  /** Taken and verified before the first migration ran. */
  | 'taken'
  /** Not taken, and not needed: see `reason`. */
  | 'not-taken'
  /** Could not be taken, so no migration ran. */
  | 'failed'
  /** Dry run: `up` would take one, with the pg_dump named. */
  | 'would-take'
  /** Dry run: `up` would need one but could not take it (e.g. no suitable pg_dump), so it would fail. */
  | 'would-fail';

/** The backup before migrating: why (not), with which pg_dump, and the verified archive. */
export interface BackupReport {
  outcome: BackupOutcome;
  /** Why it was (or was not) taken, e.g. `backup: auto takes one in production only, not in staging`, `nothing to apply`. */
  reason: string;
  /** pg_dump used or chosen. */
  pgDump?: string;
  /** Its version, e.g. `15.18`. */
  pgDumpVersion?: string;
  /** The server's version, e.g. `15.18`. */
  serverVersion?: string;
  /** Directory the archive goes to. */
  dir?: string;
  /** Absolute path of the `pg_dump -Fc` archive (mode 0600). */
  path?: string;
  /** Archive size in bytes. */
  bytes?: number;
  /** Hex SHA-256 of the archive. */
  sha256?: string;
  /** Dump plus verification, ms. */
  durationMs?: number;
  /** TOC entries `pg_restore --list` found in it. */
  entries?: number;
  /** New database the restore command creates. */
  restoreDatabase?: string;
  /** Exact command to restore the archive into a new database (never run automatically; no password). */
  restoreCommand?: string;
  /** Why it failed (or would fail); the run's `error` carries the details when it failed. */
  error?: string;
}

/** Migration lint: `command: lint` (every file) or the preflight of `up` and dry runs (pending files). */
export interface LintReport {
  /** `all`: every migration file (`command: lint`); `pending`: the files `up` applies (or would). */
  scope: 'all' | 'pending';
  /**
   * Which sections can fail the run: `up` (scope `pending`: only the SQL `up` executes) or `all`
   * (`command: lint`: down sections too, as they run on a rollback).
   */
  gate: LintGate;
  /** The `lint-fail-on` input. */
  failOn: LintFailOn;
  /** Rule ids disabled by `lint-disable`. */
  disabled: string[];
  /** Files linted. */
  files: number;
  /** Files that could not be read (not linted). */
  unreadable?: string[];
  /** Every finding, in file order, then line and column; suppressed and `info` ones included. */
  findings: Finding[];
  /** Findings that fail the {@link gate} at or above `failOn` (never suppressed or `info` ones). */
  failing: number;
  /**
   * Down-section findings at or above `failOn` that do not gate `up` (scope `pending`): `command:
   * lint` fails on them. 0 under the `all` gate.
   */
  downOnly: number;
  /** True when {@link failing} is not 0: the run fails (or, in a dry run, would fail) before applying anything. */
  failed: boolean;
  /** The server major the rules assumed (the server's in `up`/`plan`, else `pg-version`); undefined: unknown. */
  pgVersion?: number;
  /** Whether table sizes were read from the database (`up`, `plan`); false offline, where every existing table counts as large. */
  databaseAware: boolean;
  /** Why the sizes could not be read, when they could not (the findings then stand as offline). */
  factsError?: string;
}

/** The failure issue opened (or commented on) after a failed `up` or `rollback`. */
export interface IssueReport {
  /** `created`: a new issue; `commented`: added to the open issue with the same labels. */
  action: 'created' | 'commented';
  /** Issue number. */
  number: number;
  /** Link of the issue (created) or of the comment (commented): the `issue-url` output. */
  url: string;
  /** Link of the issue itself. */
  issueUrl: string;
}

/**
 * The sticky pull-request comment of a `pull_request` run (`pr-comment`): what happened to it, its
 * link, and why it was skipped or failed (the warning says the same).
 */
export interface PrCommentReport {
  /** `created`, `updated` (in place, same id), `unchanged`, `deleted`, `skipped` (nothing to say, or not possible) or `failed` (GitHub refused). */
  action: 'created' | 'updated' | 'deleted' | 'unchanged' | 'skipped' | 'failed';
  /** Link of the comment. */
  url?: string;
  /** Why it was skipped or failed. */
  reason?: string;
}

/** `command: verify` as reported: the verdict of the round trip on a scratch database. */
export interface VerifyReport {
  ok: boolean;
  /** Migration files verified. */
  migrations: number;
  /** Scratch database used (created on the same server and dropped at the end). */
  scratchDatabase: string;
  /** The first migration (newest first) whose down does not undo its up. */
  firstBadDown?: { version: string; file: string; diff: string };
  /** The human verdict, as `db-migrate-action verify` prints it. */
  verdict: string;
}

/** Where the run pointed, without secrets. */
export interface TargetView {
  host: string;
  port: number;
  database: string;
  user?: string;
  /** The URL with its password masked. */
  url: string;
}

/**
 * The whole run as data: what the pipeline returns, what the summary renders and what the
 * `report` output serialises. Already redacted: no string in it holds a secret.
 */
export interface ActionRun {
  status: RunStatus;
  /** The `command` input, when the inputs were valid. */
  command?: Command;
  dryRun: boolean;
  environment?: string;
  target?: TargetView;
  /** Which input or variable the URL came from, e.g. `STAGING_DATABASE_URL`. */
  urlSource?: string;
  /** ISO time the run started. */
  startedAt: string;
  /**
   * The run's one duration, ms: measured once, when its outcome is decided (the failure issue and
   * the notification after it report the run and are not part of it). The `duration-ms` output,
   * the job summary and the history table's `run_duration_ms` all give this figure.
   */
  durationMs: number;
  rows: MigrationRow[];
  /** Versions this run applied, including any it then rolled back automatically (see {@link rolledBack}). */
  applied: string[];
  /** Versions this run rolled back (command `rollback`, or the automatic rollback), in that order. */
  rolledBack: string[];
  /** Versions pending after the run (for a dry run: pending now). */
  pending: string[];
  /** Highest applied version with a file, after the run. */
  currentVersion?: string;
  /** Path of the schema file written after migrating. */
  schemaFile?: string;
  /** Health checks after migrating, when they ran. */
  health?: HealthResult;
  /** The automatic rollback, when one ran (or could not start). */
  rollback?: RollbackReport;
  /** The backup before migrating (commands `up` and `rollback` that got as far as planning). */
  backup?: BackupReport;
  /** Path of the backup taken before migrating: the `backup-path` output. */
  backupPath?: string;
  /** The failure issue opened or commented on. */
  issue?: IssueReport;
  /** `pr-comment`: the pull-request comment of a `pull_request` run, when the step ran. */
  prComment?: PrCommentReport;
  /** `drift-check`: the live schema compared with the committed schema file after `up`. */
  drift?: DriftReport;
  /** `command: verify`: the round trip's verdict. */
  verify?: VerifyReport;
  /** Migration lint, when it ran (`command: lint`, and the preflight of `up` and `plan`). */
  lint?: LintReport;
  /** Link of the issue (or comment) for this failure: the `issue-url` output. */
  issueUrl?: string;
  /** `command: report`: the reliability report of the history table (its `runs`: the newest 100 of the window). */
  metrics?: MigrationReport;
  /** `up`: the newest runs of this environment from the history table, newest first (this one included). */
  recentRuns?: RunSummary[];
  error?: RunError;
  /** The job was cancelled: by what (e.g. `SIGINT`); `status` is then `cancelled`. */
  cancelled?: string;
  /** Things the user should act on (shown in the summary and as warnings). */
  warnings: string[];
  /**
   * Dry runs: why the real run would fail (lint, the backup, a missing database). A dry run with
   * any ends `failed`, the first reason its error, so the pull-request check goes red on a change
   * that would break `up` (see `failIfPredicted` in steps/plan.ts).
   */
  wouldFail?: string[];
  /** Neutral facts worth showing (e.g. the ledger does not exist yet). */
  notes: string[];
  toolVersion: string;
  run?: { actor?: string; sha?: string; runId?: string; runUrl?: string; repository?: string };
}
