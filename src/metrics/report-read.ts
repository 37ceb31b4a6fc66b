/**
 * The report's figures, aggregated by the server: one row per run and a few per environment leave
 * it, instead of every history row (which made `report --since all` over 100 000 rows six times
 * the cost of the same aggregate in psql; docs/PERFORMANCE.md). What each figure means is stated
 * once, in `runs.ts` (a run's facts → its summary) and `report.ts` (figures → report); the
 * queries here gather the same facts, and a test checks them against `computeReport` of the rows.
 */
import pg from 'pg';
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
  // One read-only transaction: both reads see the same rows, and the larger work_mem (a report
  // sorts the whole window; the default 4 MB spilled 100 000 rows to disk) ends with it, also
  // behind a transaction pooler, where a session SET would outlive us on a shared connection.
  await conn.query(`BEGIN READ ONLY; SET LOCAL work_mem = '${REPORT_WORK_MEM}'`);
  let runs: Awaited<ReturnType<typeof readRunFacts>>;
  let migrations: Map<string, MigrationFigures>;
  try {
    runs = await readRunFacts(conn, source, w);
    migrations = await readMigrationFigures(conn, source, w);
  } catch (err) {
    // The read's own error is the one to report, not a failed ROLLBACK on a broken connection.
    await conn.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  await conn.query('COMMIT');
  // Sorting by the first row's id first makes the sort below keep groupRuns' order for runs that tie.
  const ordered = runs.sort((a, b) => a.firstId - b.firstId).map((r) => runSummary(r.facts));
  return { runs: sortRuns(ordered), migrations };
}

/** Sort memory of the report's transaction: enough for a window of several hundred thousand rows. */
const REPORT_WORK_MEM = '64MB';

const list = (words: readonly string[]) => words.map((w) => literal(w)).join(', ');
const IS_APPLIED = `direction = 'up' and outcome in (${list(storedSpellings('applied'))})`;
const IS_ROLLED_BACK = `direction = 'down' and outcome in (${list(storedSpellings('rolled-back'))})`;
const IS_FAILED = `outcome in (${list(storedSpellings('failed'))})`;

/** `where` of the window plus `extra`. */
function where(w: ReportWindow, extra: string): { sql: string; values: unknown[] } {
  const f = filters(w);
  return { sql: f.where ? `${f.where} and ${extra}` : ` where ${extra}`, values: f.values };
}

/** The columns of one run, in the order of {@link readRunFacts}' array. */
type FactsRow = [
  firstId: number,
  key: string,
  /** The first row's: one aggregate for the four, not one each. */
  first: [environment: string | null, actor: string | null, gitSha: string | null, runUrl: string | null],
  startedAt: string,
  finishedAt: string,
  hasUp: boolean,
  applied: string[],
  rolledBack: string[],
  /** The first failed row's version, error and SQLSTATE; null without one. */
  firstFailed: [version: string, error: string | null, sqlstate: string | null] | null,
  firstError: string | null,
  reportedStatus: RunOutcome | null,
  reportedDurationMs: number | null,
  cancelled: boolean,
  failed: boolean,
  downFailed: boolean,
];

/**
 * {@link RunFacts} of every run in the window, with the id of its first row. Grouped as
 * `groupRuns` groups (its `runKey` and the environment, a missing one as empty); each "first" is
 * the first element of an aggregate ordered by id.
 *
 * One JSON array of arrays rather than a row per run: parsing tens of thousands of rows field by
 * field cost more than the aggregate itself. Timestamps travel as the text the server sends for a
 * timestamptz column and are parsed by the driver's own parser, so they are the very Dates a row
 * read would give (JSON's ISO form would be parsed by other code); a float8 in JSON is the same
 * shortest text the driver would parse.
 */
async function readRunFacts(conn: Connection, source: string, w: ReportWindow): Promise<{ firstId: number; facts: RunFacts }[]> {
  const f = filters({ ...w, runsOnly: true });
  const first = (col: string, cond?: string) => `(array_agg(${col} order by id)${cond ? ` filter (where ${cond})` : ''})[1]`;
  const versions = (cond: string) => `coalesce(array_agg(version::text order by id) filter (where ${cond}), '{}')`;
  const { rows } = await conn.query<{ runs: string }>(
    `select coalesce(json_agg(run), '[]')::text as runs from (select json_build_array(
              min(id), run_key collate "C", ${first('json_build_array(environment, actor, git_sha, run_url)')}, min(started_at)::text, max(finished_at)::text,
              bool_or(direction = 'up'), ${versions(IS_APPLIED)}, ${versions(IS_ROLLED_BACK)},
              ${first('json_build_array(version::text, error, sqlstate)', IS_FAILED)},
              ${first('error', 'error is not null')}, ${first('run_status', `run_status in (${list(RUN_OUTCOMES)})`)},
              ${first('run_duration_ms', 'run_duration_ms is not null')},
              bool_or(outcome = 'cancelled'), bool_or(${IS_FAILED}), bool_or(direction = 'down' and ${IS_FAILED})) as run
       from (select *, coalesce(invocation_id, 'run:' || run_id || ':' || coalesce(environment, ''), 'row:' || id) as run_key
               from ${source} h${f.where}) h
      group by run_key collate "C", coalesce(environment, '') collate "C") runs`,
    f.values,
  );
  const timestamp = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => Date;
  return (JSON.parse(rows[0]?.runs ?? '[]') as FactsRow[]).map((r) => ({
    firstId: r[0],
    facts: {
      key: r[1],
      environment: r[2][0],
      startedAt: timestamp(r[3]),
      finishedAt: timestamp(r[4]),
      hasUp: r[5],
      applied: r[6],
      rolledBack: r[7],
      failedVersion: r[8]?.[0] ?? null,
      failedError: r[8]?.[1] ?? null,
      failedSqlstate: r[8]?.[2] ?? null,
      firstError: r[9],
      reportedStatus: r[10],
      reportedDurationMs: r[11],
      cancelled: r[12],
      failed: r[13],
      downFailed: r[14],
      actor: r[2][1],
      gitSha: r[2][2],
      runUrl: r[2][3],
    },
  }));
}

/** OID of timestamptz, whose driver parser turns the server's text into a Date. */
const TIMESTAMPTZ = 1184;

/**
 * Duration figures and slowest applied migrations by environment. `percentile_disc` is the
 * nearest rank (the ⌈p·n⌉-th smallest, in the same double arithmetic) that `distribution` takes.
 * The slowest come from a bounded (top-N) sort per environment rather than a sort of every row.
 */
async function readMigrationFigures(conn: Connection, source: string, w: ReportWindow): Promise<Map<string, MigrationFigures>> {
  const { sql, values } = where(w, IS_APPLIED);
  const env = `coalesce(environment, ${literal(UNSPECIFIED_ENVIRONMENT)})`;
  // One row per slowest migration, its environment's figures repeated on each.
  const { rows } = await conn.query<{ env: string; n: number; p50: number; p95: number; max: number; version: string; file_name: string | null; duration_ms: number; started_at: Date }>(
    `select d.*, t.version, t.file_name, t.duration_ms, t.started_at from (
       select ${env} as env, count(*)::int as n, percentile_disc(0.5) within group (order by duration_ms) as p50,
              percentile_disc(0.95) within group (order by duration_ms) as p95, max(duration_ms) as max
         from ${source} h${sql} group by 1) d
     cross join lateral (
       select id, version, file_name, duration_ms, started_at from ${source} h${sql} and ${env} = d.env
        order by duration_ms desc, id limit ${SLOWEST}) t
     order by d.env, t.duration_ms desc, t.id`,
    values,
  );
  const out = new Map<string, MigrationFigures>();
  for (const r of rows) {
    let f = out.get(r.env);
    if (!f) out.set(r.env, (f = { durationMs: { count: r.n, p50: Number(r.p50), p95: Number(r.p95), max: Number(r.max) }, slowest: [] }));
    f.slowest.push({ version: r.version, file: r.file_name, durationMs: Number(r.duration_ms), startedAt: r.started_at });
  }
  return out;
}
