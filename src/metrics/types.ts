/**
 * Shapes of the migration metrics built from the audit table (`schema_migrations_history`).
 * Pure data: computed by `report.ts`, rendered as text, markdown, HTML or JSON.
 */

/** One row of the audit table, as read back. */
export interface HistoryRecord {
  id: number;
  version: string;
  direction: 'up' | 'down';
  outcome: 'applied' | 'failed' | 'rolled_back' | 'verified' | 'cancelled';
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
}

/**
 * How a run ended:
 * - `success`: every migration it attempted applied;
 * - `failed`: a migration (or a down section) failed;
 * - `rolled-back`: its migrations applied, then were rolled back in the same run (a failed health check);
 * - `rollback`: a deliberate rollback (only down sections), which succeeded.
 * `failed` and `rolled-back` are failures; `success` and `rollback` are successes.
 */
export type RunOutcome = 'success' | 'failed' | 'rolled-back' | 'rollback' | 'cancelled';

/** One run: the rows one invocation of the tool wrote for one environment. */
export interface RunSummary {
  /** Invocation id (or, for rows older than that column, a key made of the CI run id or the row id). */
  key: string;
  /** Environment name; `unspecified` when the rows have none. */
  environment: string;
  startedAt: Date;
  finishedAt: Date;
  /** From the first row's start to the last row's finish: the time spent migrating. */
  durationMs: number;
  /** `up`: the run applied migrations (its automatic rollback included); `rollback`: it only rolled back. */
  kind: 'up' | 'rollback';
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
  /** Runs that ended `success` or `rollback`. */
  succeeded: number;
  /** Runs that ended `failed` or `rolled-back`. */
  failed: number;
  /** succeeded / runs; null when there were no runs. */
  successRate: number | null;
  /** Durations of runs (first start to last finish), ms. */
  runDurationMs: Distribution;
  /** Durations of applied up migrations, ms. */
  migrationDurationMs: Distribution;
  /** Migrations applied (up) in the window. */
  migrationsApplied: number;
  rollbacks: {
    /** Runs whose migrations were rolled back automatically (outcome `rolled-back`, or `failed` with rows rolled back). */
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
