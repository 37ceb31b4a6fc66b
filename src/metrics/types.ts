/**
 * Shapes of the migration metrics built from the audit table (`schema_migrations_history`).
 * Pure data: computed by `report.ts`, rendered as text, markdown, HTML or JSON.
 */
import type { RunKind, RunOutcome, StepOutcome } from '../engine/vocabulary.js';

export type { RunKind, RunOutcome } from '../engine/vocabulary.js';

/** One row of the audit table, as read back. */
export interface HistoryRecord {
  id: number;
  version: string;
  direction: 'up' | 'down';
  /** In the current word: a legacy spelling (`rolled_back`) is read as the word it means now. */
  outcome: StepOutcome;
  fileName: string | null;
  checksum: string | null;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  environment: string | null;
  actor: string | null;
  gitSha: string | null;
  runId: string | null;
  runUrl: string | null;
  toolVersion: string | null;
  sqlstate: string | null;
  error: string | null;
  /** Null for rows written before the column existed. */
  invocationId: string | null;
  /**
   * The run's own `status`, written on its rows once it ended; null for rows of older versions,
   * of the CLI, and of runs whose outcome could not be written (then it is derived from the rows).
   */
  runStatus: RunOutcome | null;
  /** The run's duration as it measured it (the action's `duration-ms`), ms; null as {@link runStatus}. */
  runDurationMs: number | null;
}

/** One run: the rows one invocation of the tool wrote for one environment. */
export interface RunSummary {
  /** Invocation id (or, for rows older than that column, a key made of the CI run id or the row id). */
  key: string;
  /** Environment name; `unspecified` when the rows have none. */
  environment: string;
  startedAt: Date;
  finishedAt: Date;
  /**
   * The run's duration as it measured it and reported it (the action's `duration-ms` and job
   * summary); for rows that do not carry it (older versions, the CLI), from the first row's start
   * to the last row's finish.
   */
  durationMs: number;
  /** `up`: the run applied migrations (its automatic rollback included); `rollback`: it only rolled back. */
  kind: RunKind;
  /**
   * How it ended, in the words of the `status` output: the status the run recorded on its rows,
   * else derived from them by the same rule (see `runs.ts`). A deliberate rollback that worked is
   * `success` of kind `rollback`.
   */
  outcome: RunOutcome;
  /** Versions applied (up, applied), in order. */
  applied: string[];
  /** Versions whose down section ran (rolled back), in order. */
  rolledBack: string[];
  /** The version whose up or down failed. */
  failedVersion: string | null;
  /** First error message recorded in the run (already redacted when written). */
  error: string | null;
  sqlstate: string | null;
  actor: string | null;
  gitSha: string | null;
  runUrl: string | null;
}

/** Nearest-rank percentiles (the p-th percentile is the value at rank ⌈p/100 × n⌉ of the sorted values). */
export interface Distribution {
  count: number;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

/** A slow migration, for the "slowest migrations" table. */
export interface SlowMigration {
  version: string;
  file: string | null;
  durationMs: number;
  startedAt: Date;
}

/** The figures of one environment over the report's window. */
export interface EnvironmentReport {
  environment: string;
  runs: number;
  /** Runs that ended `success` (deliberate rollbacks that worked included). */
  succeeded: number;
  /** Runs that did not: `failed`, `rolled-back` or `cancelled`. */
  failed: number;
  /** succeeded / runs; null when there were no runs. */
  successRate: number | null;
  /** Durations of runs (each run's {@link RunSummary.durationMs}), ms. */
  runDurationMs: Distribution;
  /** Durations of applied up migrations, ms. */
  migrationDurationMs: Distribution;
  /** Migrations applied (up) in the window. */
  migrationsApplied: number;
  rollbacks: {
    /** Runs whose migrations were rolled back automatically (outcome `rolled-back`, or `failed` when that rollback stopped early). */
    automatic: number;
    /** Deliberate rollback runs. */
    manual: number;
    /** Runs with any rollback / runs; null when there were no runs. */
    rate: number | null;
  };
  recovery: {
    /** Failure streaks: a failed run after a success (or at the window's start) opens one. */
    incidents: number;
    /** Incidents that ended with a successful run. */
    recovered: number;
    /** Mean time from the end of an incident's first failed run to the end of the next successful run, ms; null when none recovered. */
    mttrMs: number | null;
    /** End of the first failed run of an incident still open (no successful run since). */
    openSince: Date | null;
  };
  /** The slowest applied migrations, slowest first (at most 5). */
  slowest: SlowMigration[];
  lastRun: RunSummary | null;
}

/** Reversibility of the migration files, checked against the audit table. */
export interface Coverage {
  /** Migration files found. */
  migrations: number;
  /** Files whose down section has at least one statement. */
  withDown: number;
  /** Versions whose down section is empty (not reversible), oldest first. */
  withoutDown: string[];
  /** Files whose current content (checksum) `verify` proved reversible on a scratch database. */
  verified: number;
  /** Files whose current down section ran successfully on this database (a rollback), by checksum. */
  downExercised: number;
  /** Files that could not be read or parsed (not counted as reversible). */
  unreadable: string[];
}

/** The whole report. */
export interface MigrationReport {
  /** When it was computed. */
  generatedAt: Date;
  /** Start of the window; null = all history. */
  since: Date | null;
  /** Database the history was read from, redacted. */
  database: string;
  /** False when the audit table does not exist (nothing recorded yet, or disabled). */
  historyAvailable: boolean;
  environments: EnvironmentReport[];
  /** Every run in the window, oldest first (for charts). */
  runs: RunSummary[];
  /** Null when no migrations directory was given. */
  coverage: Coverage | null;
}
