/**
 * Migration status for an application's own health checks: are the migrations this build ships
 * applied, and did the last run fail? Imported by apps through the package's library entry
 * (`src/lib.ts`), so this module keeps its import graph small: dbmate's file discovery, the
 * ledger's naming rules and the pending-file rule, no `pg` at runtime (the caller brings its own
 * pool), no SQL parser, nothing from the Actions toolkit.
 */
import { findMigrationFiles } from '../engine/files.js';
import { resolveLedgerName } from '../engine/ledger.js';
import { makePlan } from '../engine/plan.js';
import type { Connection } from '../engine/db.js';
import { storedSpellings } from '../engine/vocabulary.js';

/**
 * Anything that runs a parameterised query and returns its rows: a `pg.Pool`, a `pg.Client`, a
 * `PoolClient` from `pool.connect()`, or a wrapper with the same shape.
 */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Options of {@link checkMigrations}; the defaults are the CLI's and the action's. */
export interface CheckMigrationsOptions {
  /**
   * dbmate's `--migrations-table` (default `schema_migrations`), optionally `schema.table`. Without
   * a schema it is looked up in the connection's `current_schema()`: when your migrations run with
   * `?search_path=app` but the app's pool does not set that search path, pass `app.schema_migrations`.
   */
  migrationsTable?: string;
  /**
   * The history table written by the `db-migrate-action` CLI or the action (default `schema_migrations_history`), in
   * the ledger's schema. `null` or `''` when history is disabled: `failedLast` is then always false.
   */
  historyTable?: string | null;
  /** Only look at runs recorded for this environment (the action's `environment` input). */
  environment?: string;
}

/** What {@link checkMigrations} found. */
export interface MigrationCheck {
  /**
   * Every migration file is applied (no pending file). This is the readiness signal: the schema the
   * code was built for is there. A failed run leaves its migrations pending (it stops at the failing
   * one, and an automatic rollback undoes the rest), so a failure that matters shows up here too.
   * Versions in the ledger that have no file (a newer release already migrated) do not count against it.
   */
  upToDate: boolean;
  /** Versions of the files not applied, in dbmate's order (file-name order, older ones included). */
  pending: string[];
  /**
   * Highest version in the ledger (byte-wise, as dbmate compares versions), including versions
   * this build has no file for; `null` when nothing is applied or the ledger does not exist.
   */
  current: string | null;
  /**
   * The most recent run in the history table (of `environment`, when given) failed: it ended
   * `failed` or `rolled-back`, as its `status` said and recorded on its rows; for rows without
   * that (older versions, the CLI), its newest row is a failure, or it rolled back migrations it
   * had applied (the action's automatic rollback). Rows of `verify` (outcome `verified`) are not
   * runs. Stays true until the next run that records a row, so report it rather than failing
   * readiness on it alone. Always false without a history table.
   */
  failedLast: boolean;
  /** When the check ran. */
  checkedAt: Date;
}

/** `'a', 'b'`: words as SQL literals, for an `in` list (the vocabulary's words need no escaping). */
function sqlWords(words: readonly string[]): string {
  return words.map((w) => `'${w}'`).join(', ');
}

/**
 * Whether the newest run in a history table failed, as an SQL expression (boolean, never null).
 * The newest row that is not `verified` belongs to the newest run. When the run recorded its own
 * status on its rows (`run_status`, read through `to_jsonb` so tables from before that column
 * work too), that says it: `failed` or `rolled-back` is a failure. Otherwise the row's outcome:
 * `failed` means the run stopped there; `rolled-back` (or the `rolled_back` of older versions)
 * means either an automatic rollback after a failure (the same run also went up) or a deliberate
 * `rollback` command (it did not). A run is one `invocation_id`; rows from before that column
 * existed belong to one CI run id and environment, as src/metrics groups them.
 *
 * @param opts.legacy the table has no `invocation_id` column yet (created by 0.1.0 and not upgraded
 *   by a run since)
 */
function lastRunFailedSql(history: string, opts: { environmentParam?: string; legacy?: boolean } = {}): string {
  const env = opts.environmentParam ? `\n       and last.environment = ${opts.environmentParam}` : '';
  const sameRunId = 'run.run_id = last.run_id and run.environment is not distinct from last.environment';
  const sameRun = opts.legacy
    ? `(${sameRunId})`
    : `(run.invocation_id = last.invocation_id
                       -- rows from before invocation_id: one CI run of one environment
                       or (last.invocation_id is null and run.invocation_id is null
                           and ${sameRunId}))`;
  return `coalesce((
    -- the newest run: its newest row that is not verify's proof
    select case
             -- the status the run reported, recorded on its rows once it ended
             when to_jsonb(last) ->> 'run_status' is not null then (to_jsonb(last) ->> 'run_status') in (${sqlWords(['failed', 'rolled-back'])})
             when last.outcome = 'failed' then true
             -- undone by an automatic rollback (the same run went up), not by a rollback command
             when last.outcome in (${sqlWords(storedSpellings('rolled-back'))}) then exists (
               select 1 from ${history} run
                where run.direction = 'up' and run.id < last.id
                  and ${sameRun})
             else false
           end
      from ${history} last
     where last.outcome <> 'verified'${env}
     order by last.id desc
     limit 1
  ), false)`;
}

/**
 * The documented status query for apps that do not ship their migration files: one row with
 * `current_version` (highest applied version, null when none), `expected_applied` (whether `$1`,
 * the newest version the app was built with, is applied) and `last_run_failed` (see
 * {@link MigrationCheck.failedLast}). Uses the default table names in the connection's search
 * path; both tables must exist (the first run of `db-migrate-action up` or the action creates them).
 * docs/DATABASE_MIGRATIONS.md shows this exact text, and the tests run it.
 */
export const MIGRATION_STATUS_SQL = `select
  (select max(version collate "C") from schema_migrations) as current_version,
  exists (select 1 from schema_migrations where version = $1) as expected_applied,
  ${lastRunFailedSql('schema_migrations_history')} as last_run_failed`;

/**
 * Migration status for an application's `/health` or readiness endpoint: the migration files in
 * `dir` (found exactly as dbmate finds them) against the ledger, and whether the most recent run
 * recorded in the history table failed.
 *
 * Read-only: four small queries (three when `migrationsTable` names its schema: ledger.ts needs a
 * second one to resolve an unqualified name as dbmate does), the last one skipped when neither
 * table exists. A missing ledger means everything is
 * pending (a database nothing has migrated yet); a missing history table means `failedLast` false.
 * Connection and permission errors are thrown, so the endpoint can answer 503.
 *
 * @param db a `pg.Pool` (recommended), `pg.Client` or `PoolClient`; used for plain SELECTs only
 * @param dir the migrations directory (or several, as dbmate's `--migrations-dir`); relative paths
 *   are resolved against `process.cwd()`, so prefer an absolute path
 * @param opts table names and the environment, when not the defaults
 * @throws the driver's error when the database cannot be queried; `MigrationError`
 *   (`MIGRATIONS_DIR_MISSING`) when a directory cannot be read
 */
export async function checkMigrations(db: Queryable, dir: string | string[], opts: CheckMigrationsOptions = {}): Promise<MigrationCheck> {
  const checkedAt = new Date();
  const files = await findMigrationFiles(Array.isArray(dir) ? dir : [dir]);
  // resolveLedgerName only runs `query` and reads `rows`: any Queryable will do.
  const ledger = await resolveLedgerName(db as unknown as Connection, opts.migrationsTable ?? 'schema_migrations', []);
  const historyTable = opts.historyTable === undefined ? 'schema_migrations_history' : opts.historyTable;

  // Which tables exist, in one round trip. The history table lives in the ledger's schema (the
  // engine's historyName()); its name is quoted here by the server. to_regclass rather than
  // information_schema: a table the app may not read is an error to report, not a missing table.
  const { rows } = await db.query(
    `select to_regclass($1) is not null as ledger,
            h.name as history,
            to_regclass(h.name) is not null as history_exists,
            not exists (select 1 from pg_attribute
                         where attrelid = to_regclass(h.name) and attname = 'invocation_id' and not attisdropped) as legacy
       from (select case when $2::text <> '' then $3::text || '.' || quote_ident($2) end as name) h`,
    [ledger.quoted, historyTable ?? '', ledger.quotedSchema],
  );
  const found = rows[0] as { ledger: boolean; history: string | null; history_exists: boolean; legacy: boolean };
  const history = found.history !== null && found.history_exists ? found.history : undefined;

  let applied: string[] = [];
  let current: string | null = null;
  let failedLast = false;
  if (found.ledger || history) {
    const values = history && opts.environment !== undefined ? [opts.environment] : [];
    const { rows: data } = await db.query(
      `select ${found.ledger ? `(select coalesce(json_agg(version), '[]')::text from ${ledger.quoted})` : `'[]'`} as applied,
              ${found.ledger ? `(select max(version collate "C") from ${ledger.quoted})` : 'null::text'} as current_version,
              ${history ? lastRunFailedSql(history, { environmentParam: values.length ? '$1' : undefined, legacy: found.legacy }) : 'false'} as last_run_failed`,
      values,
    );
    const row = data[0] as { applied: string; current_version: string | null; last_run_failed: boolean };
    applied = JSON.parse(row.applied) as string[];
    current = row.current_version;
    failedLast = row.last_run_failed;
  }

  const pending = makePlan(files, new Set(applied)).pending.map((f) => f.version);
  return { upToDate: pending.length === 0, pending, current, failedLast, checkedAt };
}
