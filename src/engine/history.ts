import { literal, type Connection } from './db.js';
import { describeRelation, isTableKind, relationKindName } from './catalog.js';
import { MigrationError } from './errors.js';
import { HISTORY_TABLE_FORMAT, SAME_TABLE_PROBLEM, tableNameProblem } from './identifiers.js';
import { readFileSync } from 'node:fs';
import type { LedgerName } from './ledger.js';
import { checksumOf } from './parse.js';
import type { MigrationPlan } from './plan.js';
import { STORED_STEP_OUTCOMES, type RunOutcome, type StepOutcome } from './vocabulary.js';

/** Who and what ran a migration: copied into every history row for the audit trail. */
export interface RunContext {
  /** Target environment name (development, staging, production, …). */
  environment?: string;
  /** Person or bot that started the run. */
  actor?: string;
  /** Commit the migrations came from. */
  gitSha?: string;
  /** CI run id. */
  runId?: string;
  /** Link to the CI run. */
  runUrl?: string;
  /** Version of this tool. */
  toolVersion: string;
  /**
   * One id per invocation of the tool, shared by every row it writes (the up steps and an
   * automatic rollback alike), so reports can tell runs apart: CI reruns share a run id, and
   * local runs have none. The migrator fills it in when absent.
   */
  invocationId?: string;
}

/**
 * Outcome recorded for one attempt: a word of {@link STEP_OUTCOMES} (`verified` and `cancelled`
 * are explained there). Rows written by older versions may hold a legacy spelling
 * (`rolled_back`), which readers turn into the current word with `stepOutcome`.
 */
export type HistoryOutcome = StepOutcome;

/** Resolved, quoted name of the audit table, in the ledger's schema. */
export interface HistoryName {
  quoted: string;
  schema: string;
  table: string;
}

/**
 * The history table lives beside the ledger so both move together when a schema is chosen.
 *
 * @throws {MigrationError} `TABLE_NAME_INVALID` for a name outside the rule of `identifiers.ts`, or the ledger's own name
 */
export function historyName(ledger: LedgerName, table: string): HistoryName {
  const problem = tableNameProblem(table, { qualified: false }) ?? (table === ledger.table ? SAME_TABLE_PROBLEM : undefined);
  if (problem) {
    throw new MigrationError('TABLE_NAME_INVALID', `invalid history table name '${table}': ${problem}`, {
      hint: `expected ${HISTORY_TABLE_FORMAT} (history-table, --history-table)`,
    });
  }
  return { schema: ledger.schema, table, quoted: `${ledger.quotedSchema}.${quoteIdent(table)}` };
}

/** The audit table as configured: `table` empty means the history table is disabled. */
export function configuredHistory(ledger: LedgerName, table: string): HistoryName | undefined {
  return table ? historyName(ledger, table) : undefined;
}

function quoteIdent(id: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(id) ? id : `"${id.replace(/"/g, '""')}"`;
}

/**
 * Columns added after the first release, with their types, oldest first: {@link historyDdl} adds
 * any a table lacks. `run_status` and `run_duration_ms` are the run's own `status` and duration,
 * written on all of its rows once it ended ({@link recordRunOutcome}); null on rows of older
 * versions, of the CLI, and of runs whose outcome could not be written.
 */
const ADDED_COLUMNS: readonly (readonly [name: string, type: string])[] = [
  ['invocation_id', 'text'],
  ['run_status', 'text'],
  ['run_duration_ms', 'double precision'],
];

/**
 * DDL of the audit table. An identity column (not bigserial) keeps its sequence inside the table
 * definition, so excluding the table from schema dumps excludes all of it.
 *
 * Tables created by older versions (lacking a column of {@link ADDED_COLUMNS}, or with a check
 * constraint that lacks a word of {@link STORED_STEP_OUTCOMES}) are brought up to date in the same
 * round trip; the catalog checks come first so an up-to-date table is never ALTERed (that would
 * take an ACCESS EXCLUSIVE lock on every run). The new constraint keeps the legacy words, so the
 * rows already written stay valid as they are and older versions of the tool can still write.
 * The index of {@link CHECKSUM_INDEX} is added the same way, once.
 */
export function historyDdl(name: HistoryName): string {
  const outcomes = STORED_STEP_OUTCOMES.map((o) => literal(o)).join(', ');
  const table = literal(name.quoted);
  // Each word as pg_get_constraintdef shows it ('rolled-back'::text), `_` escaped: `rolled_back` must not match `rolled-back`.
  const everyWord = STORED_STEP_OUTCOMES.map((o) => literal(`%${literal(o).replace(/[\\%_]/g, '\\$&')}%`)).join(', ');
  const addColumns = ADDED_COLUMNS.map(
    ([column, type]) => `  if not exists (select 1 from pg_attribute where attrelid = ${table}::regclass and attname = ${literal(column)} and not attisdropped) then
    alter table ${name.quoted} add column ${column} ${type};
  end if;`,
  ).join('\n');
  return `${createDdl(name, outcomes)};
do $db_migrate$ declare c record; begin
${addColumns}
  if not exists (select 1 from pg_constraint where conrelid = ${table}::regclass and contype = 'c' and pg_get_constraintdef(oid) like all (array[${everyWord}])) then
    -- The old check constraint's name was chosen by the server (and truncated for long names): find it.
    for c in select conname from pg_constraint where conrelid = ${table}::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%outcome%' loop
      execute format('alter table %s drop constraint %I', ${table}, c.conname);
    end loop;
    alter table ${name.quoted} add check (outcome in (${outcomes}));
  end if;
  -- Looked up by definition, not by name: the server names it, truncating long table names.
  if not exists (select 1 from pg_index where indrelid = ${table}::regclass and pg_get_indexdef(indexrelid) like ${literal(`% USING btree (${CHECKSUM_INDEX.columns}) WHERE %`)}) then
    -- A plain (not CONCURRENTLY) build, inside this transaction: on a large table of an older
    -- version it blocks writes to the history table while it runs, and only this tool writes
    -- there, under the advisory lock; readers (report, history) are not blocked.
    create index on ${name.quoted} (${CHECKSUM_INDEX.columns}) where ${CHECKSUM_INDEX.where};
  end if;
end $db_migrate$`;
}

/**
 * The rows {@link editedVersions} reads: the successful `up` (or `baseline`) of a version, newest
 * last. Partial, so it holds only those rows, and ordered by id within a version, so the last one
 * is found without sorting a version's rows (or, for many versions, the table's).
 */
const CHECKSUM_INDEX = {
  columns: 'version, id',
  where: `direction = 'up' and outcome in ('applied', 'baselined') and checksum is not null`,
} as const;

function createDdl(name: HistoryName, outcomes: string): string {
  return `create table if not exists ${name.quoted} (
  id bigint generated always as identity primary key,
  version varchar not null,
  direction text not null check (direction in ('up', 'down')),
  outcome text not null check (outcome in (${outcomes})),
  file_name text,
  checksum text,
  started_at timestamptz not null,
  finished_at timestamptz not null,
  duration_ms double precision not null,
  environment text,
  actor text,
  git_sha text,
  run_id text,
  run_url text,
  tool_version text,
  sqlstate text,
  error text,
${ADDED_COLUMNS.map(([column, type]) => `  ${column} ${type}`).join(',\n')}
)`;
}

/** One row to record. Timing is either measured by the server inside the migration's transaction or given. */
export interface HistoryEntry {
  version: string;
  direction: 'up' | 'down';
  outcome: HistoryOutcome;
  fileName: string;
  checksum: string;
  /** When omitted, the row is timed by the server from the start of the current transaction. */
  startedAt?: Date;
  durationMs?: number;
  sqlstate?: string;
  error?: string;
}

/**
 * An INSERT for one history row, as literal SQL: it is appended to the migration's own
 * simple-protocol batch so the audit row commits atomically with the migration.
 */
export function historyInsertSql(name: HistoryName, e: HistoryEntry, ctx: RunContext): string {
  const timing =
    e.startedAt && e.durationMs !== undefined
      ? `${literal(e.startedAt.toISOString())}::timestamptz, ${literal(new Date(e.startedAt.getTime() + e.durationMs).toISOString())}::timestamptz, ${e.durationMs}`
      : `now(), clock_timestamp(), extract(epoch from clock_timestamp() - now()) * 1000`;
  return (
    `insert into ${name.quoted} (version, direction, outcome, file_name, checksum, started_at, finished_at, duration_ms, ` +
    `environment, actor, git_sha, run_id, run_url, tool_version, sqlstate, error, invocation_id) values (` +
    [literal(e.version), literal(e.direction), literal(e.outcome), literal(e.fileName), literal(e.checksum)].join(', ') +
    `, ${timing}, ` +
    [ctx.environment, ctx.actor, ctx.gitSha, ctx.runId, ctx.runUrl, ctx.toolVersion, e.sqlstate, e.error, ctx.invocationId]
      .map((v) => literal(v))
      .join(', ') +
    ')'
  );
}

/** Record a row on its own (used for failures, after the migration's transaction rolled back). */
export async function recordHistory(conn: Connection, name: HistoryName, e: HistoryEntry, ctx: RunContext): Promise<void> {
  await conn.query(historyInsertSql(name, e, ctx));
}

/** How a run ended, as it reported it: what {@link recordRunOutcome} writes on its rows. */
export interface RunOutcomeRecord {
  /** The run's `status`. */
  status: RunOutcome;
  /** The run's duration as it measured it (the action's `duration-ms`), ms. */
  durationMs: number;
}

/** How long the outcome's UPDATE may wait for a lock or run: it reports a run that is over, and must never hold up its end. */
const OUTCOME_STATEMENT_TIMEOUT_MS = 5000;

/**
 * Write the run's status and duration on every history row of one invocation (`invocation_id`),
 * once the run's outcome is decided: reports then show the run exactly as its outputs did. One
 * transaction in one round trip (a transaction pooler keeps it on one server connection), waiting
 * at most `lockTimeoutMs` for a lock. Returns the rows updated.
 */
export async function recordRunOutcome(conn: Connection, name: HistoryName, invocationId: string, o: RunOutcomeRecord, lockTimeoutMs: number): Promise<number> {
  const update = `update ${name.quoted} set run_status = ${literal(o.status)}, run_duration_ms = ${Number(o.durationMs)} where invocation_id = ${literal(invocationId)}`;
  const sql = `BEGIN;SET LOCAL lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))};SET LOCAL statement_timeout = ${OUTCOME_STATEMENT_TIMEOUT_MS};${update};COMMIT`;
  // Several statements in one simple query: the driver answers with one result per statement.
  const results = (await conn.query(sql)) as unknown as { command: string; rowCount: number | null }[];
  return results.find((r) => r.command === 'UPDATE')?.rowCount ?? 0;
}

/**
 * Columns every version of the history table has had: {@link historyDdl} adds the newer ones
 * ({@link ADDED_COLUMNS}) to an older table, and refuses to touch a table that lacks these.
 */
const HISTORY_COLUMNS = [
  'version', 'direction', 'outcome', 'file_name', 'checksum', 'started_at', 'finished_at', 'duration_ms',
  'environment', 'actor', 'git_sha', 'run_id', 'run_url', 'tool_version', 'sqlstate', 'error',
] as const;

/**
 * Whether the history table exists, after checking that it is ours (one catalog query, in place
 * of the existence check): a table of that name made by someone else is never altered or written.
 *
 * @throws {MigrationError} `HISTORY_FOREIGN` naming the table and what it lacks
 */
export async function checkHistory(conn: Connection, name: HistoryName): Promise<boolean> {
  const shape = await describeRelation(conn, name);
  if (!shape) return false;
  const have = new Set(shape.columns.map((c) => c.name));
  const missing = HISTORY_COLUMNS.filter((c) => !have.has(c));
  const why = !isTableKind(shape.kind)
    ? `it is ${relationKindName(shape.kind)}, not a table`
    : missing.length > 0
      ? `it has no ${missing.length > 1 ? 'columns' : 'column'} ${missing.join(', ')} (columns: ${shape.columns.map((c) => c.name).join(', ') || 'none'})`
      : undefined;
  if (why === undefined) return true;
  throw new MigrationError('HISTORY_FOREIGN', `${name.quoted} is not db-migrate-action's history table: ${why}`, {
    hint:
      'give the history table another name with history-table (action input) or --history-table (CLI), ' +
      'or disable it with an empty value; nothing was changed',
  });
}

/**
 * Below this many applied files, their checksums are looked up one version at a time through the
 * index (cost grows with the files, not with the history: about 2 ms for 1000 versions in a
 * 500 000-row table); above it, one sequential pass over the successful ups is cheaper than
 * as many look-ups or a scan of the index in version order (docs/PERFORMANCE.md).
 */
const PER_VERSION_LOOKUPS = 5000;

/**
 * Checksum of the last successful `up` (or `baseline`) of each of `versions` that has one: what
 * the file looked like when applied. `perVersionLookups` is {@link PER_VERSION_LOOKUPS} but in
 * tests, which check that both ways give the same answer.
 */
export async function appliedChecksums(
  conn: Connection,
  name: HistoryName,
  versions: readonly string[],
  perVersionLookups = PER_VERSION_LOOKUPS,
): Promise<Map<string, string>> {
  // The table is checked even with nothing applied: a foreign table there is refused on every run.
  if (!(await checkHistory(conn, name)) || versions.length === 0) return new Map();
  const only = versions.length <= perVersionLookups;
  // The same predicate as the index's, word for word, so the planner can use it for the look-ups.
  // One JSON object rather than a row per version: per-row parsing dominated large `status` runs.
  // For every version, one pass in id order is cheaper than DISTINCT ON's sort by version: the
  // object repeats a version once per successful up, and JSON.parse keeps the last, the newest.
  const { rows } = await conn.query<{ sums: string }>(
    only
      ? `select coalesce(json_object_agg(version, checksum), '{}')::text as sums from (
           select distinct on (version) version, checksum from ${name.quoted}
            where version = any($1::text[]) and ${CHECKSUM_INDEX.where} order by version, id desc) last`
      : `select coalesce(json_object_agg(version, checksum order by id), '{}')::text as sums from ${name.quoted} where ${CHECKSUM_INDEX.where}`,
    only ? [versions] : [],
  );
  // The pass over every version may answer for versions not asked for: keep only those asked.
  const found = JSON.parse(rows[0].sums) as Record<string, string>;
  const sums = new Map<string, string>();
  for (const v of versions) if (Object.hasOwn(found, v)) sums.set(v, found[v]!);
  return sums;
}

/**
 * Versions of the applied files whose bytes changed since they were applied (their checksum
 * differs from the one of their last successful `up` in the history table), sorted. None
 * without a history table.
 */
export async function editedVersions(conn: Connection, history: HistoryName | undefined, plan: MigrationPlan): Promise<string[]> {
  if (!history) return [];
  const sums = await appliedChecksums(
    conn,
    history,
    plan.files.filter((r) => r.applied).map((r) => r.file.version),
  );
  if (sums.size === 0) return [];
  // Synchronous reads on purpose: for thousands of small files, fs/promises costs four thread-pool
  // round trips and a promise per file, about ten times the time of readFileSync.
  return plan.files
    .filter((r) => r.applied && sums.has(r.file.version))
    .filter(({ file }) => checksumOf(readFileSync(file.absPath)) !== sums.get(file.version))
    .map(({ file }) => file.version)
    .sort();
}

/**
 * The one warning about an applied file whose bytes changed since it was applied (its checksum
 * differs from the history table's): the engine logs it during `up`, the CLI's `status` and the
 * action's summary use the same words. `file` is the path or name as the caller shows files.
 */
export function editedWarning(file: string): string {
  return `${file} was edited after it was applied (its checksum differs from the one recorded in the history table)`;
}
