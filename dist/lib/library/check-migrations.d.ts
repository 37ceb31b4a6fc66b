/**
 * Anything that runs a parameterised query and returns its rows: a `pg.Pool`, a `pg.Client`, a
 * `PoolClient` from `pool.connect()`, or a wrapper with the same shape.
 */
export interface Queryable {
    query(text: string, values?: unknown[]): Promise<{
        rows: unknown[];
    }>;
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
/**
 * The documented status query for apps that do not ship their migration files: one row with
 * `current_version` (highest applied version, null when none), `expected_applied` (whether `$1`,
 * the newest version the app was built with, is applied) and `last_run_failed` (see
 * {@link MigrationCheck.failedLast}). Uses the default table names in the connection's search
 * path; both tables must exist (the first run of `db-migrate-action up` or the action creates them).
 * docs/DATABASE_MIGRATIONS.md shows this exact text, and the tests run it.
 */
export declare const MIGRATION_STATUS_SQL: string;
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
export declare function checkMigrations(db: Queryable, dir: string | string[], opts?: CheckMigrationsOptions): Promise<MigrationCheck>;
