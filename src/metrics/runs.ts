import { isNotRunOutcome, type RunKind, type RunOutcome } from '../engine/vocabulary.js';
import { runKey, UNSPECIFIED_ENVIRONMENT } from './history-read.js';
import type { HistoryRecord, RunSummary } from './types.js';

/**
 * Group audit rows into runs (one invocation of the tool for one environment), oldest first.
 * `verified` rows (proofs written by `verify`) and `baselined` rows (`baseline` recorded versions
 * without running them) are not runs, and are left out.
 */
export function groupRuns(rows: readonly HistoryRecord[]): RunSummary[] {
  const groups = new Map<string, HistoryRecord[]>();
  for (const r of [...rows].sort((a, b) => a.id - b.id)) {
    if (isNotRunOutcome(r.outcome)) continue;
    const key = `${runKey(r)}\u0000${r.environment ?? ''}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return sortRuns([...groups.values()].map((g) => runSummary(runFacts(g))));
}

/**
 * Runs oldest first (by the end of their last step, then by key); runs that tie on both keep the
 * order they came in, which is that of their first row.
 */
export function sortRuns(runs: RunSummary[]): RunSummary[] {
  return runs.sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime() || a.key.localeCompare(b.key));
}

/** Whether a run counts as a success for the success rate and for recovery: `success`, deliberate rollbacks included. */
export function isSuccess(outcome: RunOutcome): boolean {
  return outcome === 'success';
}

/**
 * What a run's summary is made of, gathered from its rows: here from the rows themselves, by the
 * report's query (`report-read.ts`) in SQL, so that only one row per run leaves the server.
 * "First" is the run's row with the lowest id.
 */
export interface RunFacts {
  /** {@link runKey} of its rows. */
  key: string;
  /** Of its first row. */
  environment: string | null;
  /** Earliest start and latest end of its rows. */
  startedAt: Date;
  finishedAt: Date;
  /** Some row is an `up`. */
  hasUp: boolean;
  /** Versions of its `applied` ups and of its `rolled-back` downs, in row order. */
  applied: string[];
  rolledBack: string[];
  /** Version, error and SQLSTATE of its first `failed` row; all null without one. */
  failedVersion: string | null;
  failedError: string | null;
  failedSqlstate: string | null;
  /** Error of its first row that has one. */
  firstError: string | null;
  /** First run status (a word this version knows) and first run duration recorded on its rows. */
  reportedStatus: RunOutcome | null;
  reportedDurationMs: number | null;
  /** Some row is `cancelled`; some row `failed`; some `down` row `failed`. */
  cancelled: boolean;
  failed: boolean;
  downFailed: boolean;
  /** Of its first row. */
  actor: string | null;
  gitSha: string | null;
  runUrl: string | null;
}

/** @param rows one run's rows, by id */
function runFacts(rows: HistoryRecord[]): RunFacts {
  const first = rows[0];
  const failed = rows.find((r) => r.outcome === 'failed');
  return {
    key: runKey(first),
    environment: first.environment,
    startedAt: new Date(Math.min(...rows.map((r) => r.startedAt.getTime()))),
    finishedAt: new Date(Math.max(...rows.map((r) => r.finishedAt.getTime()))),
    hasUp: rows.some((r) => r.direction === 'up'),
    applied: rows.filter((r) => r.direction === 'up' && r.outcome === 'applied').map((r) => r.version),
    rolledBack: rows.filter((r) => r.direction === 'down' && r.outcome === 'rolled-back').map((r) => r.version),
    failedVersion: failed?.version ?? null,
    failedError: failed?.error ?? null,
    failedSqlstate: failed?.sqlstate ?? null,
    firstError: rows.find((r) => r.error !== null)?.error ?? null,
    reportedStatus: rows.find((r) => r.runStatus !== null)?.runStatus ?? null,
    reportedDurationMs: rows.find((r) => r.runDurationMs !== null)?.runDurationMs ?? null,
    cancelled: rows.some((r) => r.outcome === 'cancelled'),
    failed: failed !== undefined,
    downFailed: rows.some((r) => r.direction === 'down' && r.outcome === 'failed'),
    actor: first.actor,
    gitSha: first.gitSha,
    runUrl: first.runUrl,
  };
}

/** The summary of one run, from its facts. */
export function runSummary(f: RunFacts): RunSummary {
  const kind: RunKind = f.hasUp ? 'up' : 'rollback';
  return {
    key: f.key,
    environment: f.environment ?? UNSPECIFIED_ENVIRONMENT,
    startedAt: f.startedAt,
    finishedAt: f.finishedAt,
    // What the run itself reported, once it ended; the rows of older versions and of the CLI do not carry it.
    durationMs: f.reportedDurationMs ?? f.finishedAt.getTime() - f.startedAt.getTime(),
    kind,
    outcome: f.reportedStatus ?? derivedOutcome(f, kind),
    applied: f.applied,
    rolledBack: f.rolledBack,
    failedVersion: f.failedVersion,
    error: f.failedError ?? f.firstError,
    sqlstate: f.failedSqlstate,
    actor: f.actor,
    gitSha: f.gitSha,
    runUrl: f.runUrl,
  };
}

/**
 * How a run ended, from its rows alone, by the rule the action's `status` follows
 * (`action/steps/auto-rollback.ts`): a step cancelled by the job's cancel makes it `cancelled`; an
 * automatic rollback that undid every migration the run applied, with no down section failing,
 * makes it `rolled-back`, whatever failed first (a migration, or a health check, which leaves no
 * row); any other failure (a first migration that failed with nothing to undo, a rollback that
 * stopped early or whose down failed) makes it `failed`. What rows cannot show (a health check
 * that failed with `rollback-on-failure: false`, a cancel between two migrations) only the
 * recorded status tells.
 */
function derivedOutcome(f: RunFacts, kind: RunKind): RunOutcome {
  if (f.cancelled) return 'cancelled';
  // A deliberate rollback's down rows are its work, not an automatic rollback.
  if (kind === 'rollback' || f.rolledBack.length === 0) return f.failed ? 'failed' : 'success';
  const undone = new Set(f.rolledBack);
  return !f.downFailed && f.applied.every((v) => undone.has(v)) ? 'rolled-back' : 'failed';
}
