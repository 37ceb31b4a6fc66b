import { UNSPECIFIED_ENVIRONMENT } from './history-read.js';
import { groupRuns, isSuccess } from './runs.js';
import type { Coverage, Distribution, EnvironmentReport, HistoryRecord, MigrationReport, RunSummary, SlowMigration } from './types.js';

/** What the report is about, besides the rows. */
export interface ReportInput {
  /** Audit rows (any order); null when the table does not exist. */
  rows: readonly HistoryRecord[] | null;
  /** Start of the window the rows were read for; null = all history. */
  since: Date | null;
  /** Redacted database URL. */
  database: string;
  coverage: Coverage | null;
  generatedAt?: Date;
}

/** The applied migrations of one environment, as the report shows them. */
export interface MigrationFigures {
  /** Durations of its `applied` ups. */
  durationMs: Distribution;
  /** The {@link SLOWEST} slowest of them, slowest first (ties: lower id first). */
  slowest: SlowMigration[];
}

/**
 * What the report is computed from: the runs of the window and the figures of their applied
 * migrations by environment (an environment without applied migrations may be missing); null
 * when the table does not exist. `collect.ts` gets them from the database in SQL; {@link computeReport} from rows.
 */
export interface ReportFigures {
  /** Oldest first, as {@link groupRuns} orders them. */
  runs: RunSummary[];
  migrations: ReadonlyMap<string, MigrationFigures>;
}

/** How many of the slowest migrations each environment lists. */
export const SLOWEST = 5;

/** The environments people usually deploy through, in pipeline order; others follow by name. */
const ENVIRONMENT_ORDER = ['development', 'staging', 'production'];

/** Per-environment reliability figures from the audit table. Pure: same rows, same report. */
export function computeReport(input: ReportInput): MigrationReport {
  const { rows, ...rest } = input;
  return reportOf({ ...rest, figures: rows === null ? null : figuresOf(rows) });
}

/** The report from figures gathered elsewhere (see {@link ReportFigures}): the same as {@link computeReport} of the same rows. */
export function reportOf(input: Omit<ReportInput, 'rows'> & { figures: ReportFigures | null }): MigrationReport {
  const runs = input.figures?.runs ?? [];
  const names = [...new Set(runs.map((r) => r.environment))].sort(byPipelineOrder);
  return {
    generatedAt: input.generatedAt ?? new Date(),
    since: input.since,
    database: input.database,
    historyAvailable: input.figures !== null,
    environments: names.map((env) =>
      environmentReport(
        env,
        runs.filter((r) => r.environment === env),
        input.figures?.migrations.get(env) ?? { durationMs: distribution([]), slowest: [] },
      ),
    ),
    runs,
    coverage: input.coverage,
  };
}

function figuresOf(rows: readonly HistoryRecord[]): ReportFigures {
  const applied = new Map<string, HistoryRecord[]>();
  for (const r of rows) {
    if (r.direction !== 'up' || r.outcome !== 'applied') continue;
    const env = r.environment ?? UNSPECIFIED_ENVIRONMENT;
    const list = applied.get(env);
    if (list) list.push(r);
    else applied.set(env, [r]);
  }
  const migrations = new Map<string, MigrationFigures>();
  for (const [env, rs] of applied) migrations.set(env, { durationMs: distribution(rs.map((r) => r.durationMs)), slowest: slowest(rs, SLOWEST) });
  return { runs: groupRuns(rows), migrations };
}

function byPipelineOrder(a: string, b: string): number {
  const ia = ENVIRONMENT_ORDER.indexOf(a);
  const ib = ENVIRONMENT_ORDER.indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
  return a.localeCompare(b);
}

/** @param runs this environment's runs, oldest first */
function environmentReport(environment: string, runs: RunSummary[], migrations: MigrationFigures): EnvironmentReport {
  const succeeded = runs.filter((r) => isSuccess(r.outcome)).length;
  const automatic = runs.filter((r) => r.kind === 'up' && r.rolledBack.length > 0).length;
  const manual = runs.filter((r) => r.kind === 'rollback').length;
  return {
    environment,
    runs: runs.length,
    succeeded,
    failed: runs.length - succeeded,
    successRate: runs.length ? succeeded / runs.length : null,
    runDurationMs: distribution(runs.map((r) => r.durationMs)),
    migrationDurationMs: migrations.durationMs,
    migrationsApplied: migrations.durationMs.count,
    rollbacks: { automatic, manual, rate: runs.length ? (automatic + manual) / runs.length : null },
    recovery: recovery(runs),
    slowest: migrations.slowest,
    lastRun: runs.at(-1) ?? null,
  };
}

/**
 * Time to recovery: a failed run opens an incident unless one is open; the next successful run
 * closes it. Measured from the end of the incident's first failed run to the end of the run that
 * closed it (the failure is known when its run ends; service is back when the good run ends).
 */
function recovery(runs: RunSummary[]): EnvironmentReport['recovery'] {
  let openedAt: Date | null = null;
  let incidents = 0;
  let recovered = 0;
  let total = 0;
  for (const r of runs) {
    if (!isSuccess(r.outcome)) {
      if (openedAt === null) {
        openedAt = r.finishedAt;
        incidents++;
      }
    } else if (openedAt !== null) {
      recovered++;
      total += r.finishedAt.getTime() - openedAt.getTime();
      openedAt = null;
    }
  }
  return { incidents, recovered, mttrMs: recovered ? total / recovered : null, openSince: openedAt };
}

/**
 * Nearest-rank percentiles: the p-th percentile is the ⌈p/100 × n⌉-th smallest value, always one
 * of the measured values (so a p95 can be checked by hand against the table).
 */
export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => (sorted.length ? sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] : null);
  return { count: sorted.length, p50: rank(50), p95: rank(95), max: sorted.at(-1) ?? null };
}

function slowest(rows: readonly HistoryRecord[], n: number): SlowMigration[] {
  return [...rows]
    .sort((a, b) => b.durationMs - a.durationMs || a.id - b.id)
    .slice(0, n)
    .map((r) => ({ version: r.version, file: r.fileName, durationMs: r.durationMs, startedAt: r.startedAt }));
}
