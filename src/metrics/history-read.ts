import { type Connection } from '../engine/db.js';
import { tableExists as historyExists } from '../engine/catalog.js';
import type { HistoryName } from '../engine/history.js';
import { isRunOutcome, NOT_RUN_STEP_OUTCOMES, stepOutcome, storedSpellings } from '../engine/vocabulary.js';
import type { HistoryRecord } from './types.js';

/** Filters of {@link readHistory}. */
export interface HistoryQuery {
  /** Only this environment (rows without one are `unspecified`, matched by that name). */
  environment?: string;
  /** Only rows that started at or after this instant. */
  since?: Date | null;
  /** At most this many rows, newest first. */
  limit?: number;
  /** Leave out `verify`'s `verified` rows and `baseline`'s `baselined` rows (they are not runs). */
  runsOnly?: boolean;
}

/** Label of rows written without an environment. */
export const UNSPECIFIED_ENVIRONMENT = 'unspecified';

interface Row {
  id: string;
  version: string;
  direction: 'up' | 'down';
  /** As stored: legacy spellings included. */
  outcome: string;
  file_name: string | null;
  checksum: string | null;
  started_at: Date;
  finished_at: Date;
  duration_ms: number;
  environment: string | null;
  actor: string | null;
  git_sha: string | null;
  run_id: string | null;
  run_url: string | null;
  tool_version: string | null;
  sqlstate: string | null;
  error: string | null;
  invocation_id: string | null;
  run_status: string | null;
  run_duration_ms: number | null;
}

/**
 * A run's key: the invocation id; for rows written before that column existed, the CI run id and
 * environment; else the row on its own.
 */
export function runKey(r: Pick<HistoryRecord, 'invocationId' | 'runId' | 'environment' | 'id'>): string {
  if (r.invocationId !== null) return r.invocationId;
  if (r.runId !== null) return `run:${r.runId}:${r.environment ?? ''}`;
  return `row:${r.id}`;
}

/**
 * Rows of the audit table, newest first, their outcomes in the current words; null when the table
 * does not exist (never created here: reading history must not change the database). Tables from
 * before a column (`invocation_id`, `run_status`, `run_duration_ms`) read as if every row had a
 * null one.
 */
export async function readHistory(conn: Connection, name: HistoryName, q: HistoryQuery = {}): Promise<HistoryRecord[] | null> {
  const source = await historySource(conn, name);
  if (source === null) return null;
  const { where, values } = filters(q);
  const limit = q.limit !== undefined ? ` limit ${Math.max(0, Math.floor(q.limit))}` : '';
  const { rows } = await conn.query<Row>(`select * from ${source} h${where} order by id desc${limit}`, values);
  return rows.map(record);
}

/** How many rows {@link readRecentRuns} reads at most: enough for ten runs of ordinary size. */
const RECENT_ROWS = 1000;

/**
 * The rows of the newest `runs` runs of one environment (every row of each run), newest first;
 * null when the table does not exist. Reads at most {@link RECENT_ROWS} rows, newest first along
 * the primary key, so the cost does not grow with the table's history (every `up` pays it). When
 * the limit cuts the oldest run short, that run is left out rather than shown incomplete.
 */
export async function readRecentRuns(conn: Connection, name: HistoryName, environment: string, runs: number): Promise<HistoryRecord[] | null> {
  const rows = await readHistory(conn, name, { environment, runsOnly: true, limit: RECENT_ROWS });
  if (rows === null) return null;
  const keys: string[] = [];
  for (const r of rows) {
    const k = runKey(r);
    if (keys.at(-1) !== k && !keys.includes(k)) keys.push(k);
  }
  if (rows.length === RECENT_ROWS && keys.length > 1) keys.splice(keys.indexOf(runKey(rows.at(-1)!)), 1);
  const keep = new Set(keys.slice(0, Math.max(0, Math.floor(runs))));
  return rows.filter((r) => keep.has(runKey(r)));
}

/** Columns newer than the first release, which {@link historySource} reads as null on a table that lacks them. */
const NEWER_COLUMNS: Readonly<Record<string, string>> = { invocation_id: 'text', run_status: 'text', run_duration_ms: 'double precision' };

/** The table as a subquery with every column this version reads, or null when it is missing. */
export async function historySource(conn: Connection, name: HistoryName): Promise<string | null> {
  if (!(await historyExists(conn, name))) return null;
  const { rows } = await conn.query<{ column_name: string }>(
    `select column_name from information_schema.columns where table_schema = $1 and table_name = $2 and column_name = any($3)`,
    [name.schema, name.table, Object.keys(NEWER_COLUMNS)],
  );
  const have = new Set(rows.map((r) => r.column_name));
  const missing = Object.entries(NEWER_COLUMNS).filter(([c]) => !have.has(c));
  return missing.length === 0 ? name.quoted : `(select *, ${missing.map(([c, type]) => `null::${type} as ${c}`).join(', ')} from ${name.quoted})`;
}

/** The WHERE clause (empty, or starting with ` where `) of a query's filters, and its parameters. */
export function filters(q: HistoryQuery): { where: string; values: unknown[] } {
  const conds: string[] = [];
  const values: unknown[] = [];
  if (q.environment !== undefined) {
    values.push(q.environment);
    conds.push(
      q.environment === UNSPECIFIED_ENVIRONMENT ? `(environment is null or environment = $${values.length})` : `environment = $${values.length}`,
    );
  }
  if (q.since) {
    values.push(q.since.toISOString());
    conds.push(`started_at >= $${values.length}::timestamptz`);
  }
  if (q.runsOnly) conds.push(`outcome not in (${NOT_RUN_STEP_OUTCOMES.map((o) => `'${o}'`).join(', ')})`);
  return { where: conds.length ? ` where ${conds.join(' and ')}` : '', values };
}

function record(r: Row): HistoryRecord {
  return {
    id: Number(r.id),
    version: r.version,
    direction: r.direction,
    outcome: stepOutcome(r.outcome),
    fileName: r.file_name,
    checksum: r.checksum,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: Number(r.duration_ms),
    environment: r.environment,
    actor: r.actor,
    gitSha: r.git_sha,
    runId: r.run_id,
    runUrl: r.run_url,
    toolVersion: r.tool_version,
    sqlstate: r.sqlstate,
    error: r.error,
    invocationId: r.invocation_id ?? null,
    // A word this version does not know (a newer version's) is left for the rows to explain.
    runStatus: isRunOutcome(r.run_status) ? r.run_status : null,
    runDurationMs: r.run_duration_ms === null || r.run_duration_ms === undefined ? null : Number(r.run_duration_ms),
  };
}

/** Checksums of files whose down section was proven: by `verify` (`verified`) or by a real rollback (`exercised`). */
export interface DownProofs {
  verified: Set<string>;
  exercised: Set<string>;
}

/** Every down-section proof in the table, whatever the report's window: a proof does not expire while the file is unchanged. */
export async function readDownProofs(conn: Connection, name: HistoryName): Promise<DownProofs> {
  const proofs: DownProofs = { verified: new Set(), exercised: new Set() };
  if (!(await historyExists(conn, name))) return proofs;
  const { rows } = await conn.query<{ outcome: string; checksum: string }>(
    `select distinct outcome, checksum from ${name.quoted}
      where direction = 'down' and outcome = any($1) and checksum is not null`,
    [['verified', ...storedSpellings('rolled-back')]],
  );
  for (const r of rows) (stepOutcome(r.outcome) === 'verified' ? proofs.verified : proofs.exercised).add(r.checksum);
  return proofs;
}
