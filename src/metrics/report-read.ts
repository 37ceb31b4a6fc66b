/**
 * The report's figures, aggregated by the server: one row per run and a few per environment leave
 * it, instead of every history row (which made `report --since all` over 100 000 rows six times
 * the cost of the same aggregate in psql; docs/PERFORMANCE.md). What each figure means is stated
 * once, in `runs.ts` (a run's facts → its summary) and `report.ts` (figures → report); the
 * queries here gather the same facts, and a test checks them against `computeReport` of the rows.
 */
import { literal, type Connection } from '../engine/db.js';
import type { HistoryName } from '../engine/history.js';
import { RUN_OUTCOMES, storedSpellings, type RunOutcome } from '../engine/vocabulary.js';
import { filters, historySource, UNSPECIFIED_ENVIRONMENT, type HistoryQuery } from './history-read.js';
import { SLOWEST, type MigrationFigures, type ReportFigures } from './report.js';
import { runSummary, sortRuns, type RunFacts } from './runs.js';

/** The window of a report: rows that started since, of one environment. */
export type ReportWindow = Pick<HistoryQuery, 'since' | 'environment'>;

/** The report's figures for the window; null when the table does not exist (nothing is created). */
export async function readReportFigures(conn: Connection, name: HistoryName, w: ReportWindow): Promise<ReportFigures | null> {
  const source = await historySource(conn, name);
  if (source === null) return null;
  const runs = await readRunFacts(conn, source, w);
  return { runs: sortRuns(runs.map(runSummary)), migrations: await readMigrationFigures(conn, source, w) };
}

const list = (words: readonly string[]) => words.map((w) => literal(w)).join(', ');
const IS_APPLIED = `direction = 'up' and outcome in (${list(storedSpellings('applied'))})`;
const IS_ROLLED_BACK = `direction = 'down' and outcome in (${list(storedSpellings('rolled-back'))})`;
const IS_FAILED = `outcome in (${list(storedSpellings('failed'))})`;

/** `where` of the window plus `extra`. */
function where(w: ReportWindow, extra: string): { sql: string; values: unknown[] } {
  const f = filters(w);
  return { sql: f.where ? `${f.where} and ${extra}` : ` where ${extra}`, values: f.values };
}

interface FactsRow {
  key: string;
  environment: string | null;
  started_at: Date;
  finished_at: Date;
  has_up: boolean;
  applied: string[];
  rolled_back: string[];
  failed_version: string | null;
  failed_error: string | null;
  failed_sqlstate: string | null;
  first_error: string | null;
  reported_status: string | null;
  reported_duration_ms: number | null;
  cancelled: boolean;
  failed: boolean;
  down_failed: boolean;
  actor: string | null;
  git_sha: string | null;
  run_url: string | null;
}

/**
 * {@link RunFacts} of every run in the window, in the order of their first rows. Grouped as
 * `groupRuns` groups (its `runKey` and the environment, a missing one as empty); each "first" is
 * the first element of an aggregate ordered by id.
 */
async function readRunFacts(conn: Connection, source: string, w: ReportWindow): Promise<RunFacts[]> {
  const f = filters({ ...w, runsOnly: true });
  const first = (col: string, cond?: string) => `(array_agg(${col} order by id)${cond ? ` filter (where ${cond})` : ''})[1]`;
  const versions = (cond: string) => `coalesce(array_agg(version::text order by id) filter (where ${cond}), '{}')`;
  const { rows } = await conn.query<FactsRow>(
    `select run_key as key, ${first('environment')} as environment,
            min(started_at) as started_at, max(finished_at) as finished_at,
            bool_or(direction = 'up') as has_up,
            ${versions(IS_APPLIED)} as applied, ${versions(IS_ROLLED_BACK)} as rolled_back,
            ${first('version::text', IS_FAILED)} as failed_version, ${first('error', IS_FAILED)} as failed_error,
            ${first('sqlstate', IS_FAILED)} as failed_sqlstate, ${first('error', 'error is not null')} as first_error,
            ${first('run_status', `run_status in (${list(RUN_OUTCOMES)})`)} as reported_status,
            ${first('run_duration_ms', 'run_duration_ms is not null')} as reported_duration_ms,
            bool_or(outcome = 'cancelled') as cancelled, bool_or(${IS_FAILED}) as failed,
            bool_or(direction = 'down' and ${IS_FAILED}) as down_failed,
            ${first('actor')} as actor, ${first('git_sha')} as git_sha, ${first('run_url')} as run_url
       from (select *, coalesce(invocation_id, 'run:' || run_id || ':' || coalesce(environment, ''), 'row:' || id) as run_key
               from ${source} h${f.where}) h
      group by run_key, coalesce(environment, '')
      order by min(id)`,
    f.values,
  );
  return rows.map((r) => ({
    key: r.key,
    environment: r.environment,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    hasUp: r.has_up,
    applied: r.applied,
    rolledBack: r.rolled_back,
    failedVersion: r.failed_version,
    failedError: r.failed_error,
    failedSqlstate: r.failed_sqlstate,
    firstError: r.first_error,
    reportedStatus: r.reported_status as RunOutcome | null,
    reportedDurationMs: r.reported_duration_ms === null ? null : Number(r.reported_duration_ms),
    cancelled: r.cancelled,
    failed: r.failed,
    downFailed: r.down_failed,
    actor: r.actor,
    gitSha: r.git_sha,
    runUrl: r.run_url,
  }));
}

/**
 * Duration figures and slowest applied migrations by environment. `percentile_disc` is the
 * nearest rank (the ⌈p·n⌉-th smallest, in the same double arithmetic) that `distribution` takes.
 */
async function readMigrationFigures(conn: Connection, source: string, w: ReportWindow): Promise<Map<string, MigrationFigures>> {
  const { sql, values } = where(w, IS_APPLIED);
  const env = `coalesce(environment, ${literal(UNSPECIFIED_ENVIRONMENT)})`;
  const { rows } = await conn.query<{ env: string; kind: 'd' | 's'; n: number; p50: number; p95: number; max: number; version: string; file_name: string | null; started_at: Date }>(
    `with a as (select ${env} as env, id, version, file_name, started_at, duration_ms from ${source} h${sql})
     select env, 'd' as kind, count(*)::int as n, percentile_disc(0.5) within group (order by duration_ms) as p50,
            percentile_disc(0.95) within group (order by duration_ms) as p95, max(duration_ms) as max,
            null as version, null as file_name, null::timestamptz as started_at
       from a group by env
     union all
     select env, 's', rank::int, null, null, duration_ms, version, file_name, started_at
       from (select *, row_number() over (partition by env order by duration_ms desc, id) as rank from a) s
      where rank <= ${SLOWEST}
      order by 1, 2, 3`,
    values,
  );
  const out = new Map<string, MigrationFigures>();
  for (const r of rows) {
    if (r.kind === 'd') out.set(r.env, { durationMs: { count: r.n, p50: Number(r.p50), p95: Number(r.p95), max: Number(r.max) }, slowest: [] });
    else out.get(r.env)!.slowest.push({ version: r.version, file: r.file_name, durationMs: Number(r.max), startedAt: r.started_at });
  }
  return out;
}
