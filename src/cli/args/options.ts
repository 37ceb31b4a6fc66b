import type { LintFailOn, LintRunner } from '../../lint/gate.js';
import type { LargeTable } from '../../lint/sizes.js';
import type { CommandName } from './flags.js';

/** What a command line asks for, validated and frozen: `parseArgs`' result for a command to run. */
export interface CliOptions {
  /** The command to run, aliases resolved (`down` → `rollback`, `n` → `new`). */
  readonly command: CommandName;
  /** Positional arguments after the command and its flags (`new NAME`, `dump -- <pg_dump args>`). */
  readonly args: readonly string[];
  /** `new`: the migration name (first positional), undefined when missing; the command reports dbmate's error. */
  readonly name?: string;
  /** `--url`/`-u`: the database URL; undefined when absent or empty (then {@link env} names the variable). */
  readonly url?: string;
  /** `--env`/`-e`: name of the environment variable holding the URL. Default `DATABASE_URL`. */
  readonly env: string;
  /** `--env-file` (repeatable): env files, loaded in order, missing ones ignored. Default `['.env']`. */
  readonly envFiles: readonly string[];
  /** `--driver`/`DBMATE_DRIVER`: driver to use instead of the URL scheme; undefined = from the scheme. */
  readonly driver?: string;
  /** `--migrations-dir`/`-d` (repeatable, comma-separated)/`DBMATE_MIGRATIONS_DIR`. Default `['./db/migrations']`. */
  readonly migrationsDirs: readonly string[];
  /** `--migrations-table`/`DBMATE_MIGRATIONS_TABLE`: ledger table, optionally `schema.table`. Default `schema_migrations`. */
  readonly migrationsTable: string;
  /** `--schema-file`/`-s`/`DBMATE_SCHEMA_FILE`: where `dump` writes. Default `./db/schema.sql`. */
  readonly schemaFile: string;
  /** `--no-dump-schema`/`DBMATE_NO_DUMP_SCHEMA`: skip the automatic dump after migrate/rollback. */
  readonly noDumpSchema: boolean;
  /** `--wait`/`DBMATE_WAIT`: wait for the database before running the command. */
  readonly wait: boolean;
  /** `--wait-timeout`/`DBMATE_WAIT_TIMEOUT`, ms. Default 60000; `0` also means the default, as in dbmate. */
  readonly waitTimeoutMs: number;
  /** `--wait-interval`/`DBMATE_WAIT_INTERVAL`, ms between connection attempts. Default 1000; `0` means the default. */
  readonly waitIntervalMs: number;
  /** `--history-table`: audit table of every run; `null` when disabled with `--history-table=`. Default `schema_migrations_history`. */
  readonly historyTable: string | null;
  /** `--lock-timeout`: longest `lock_timeout` of any lock attempt, ms; 0 = none. Default 400. */
  readonly lockTimeoutMs: number;
  /** Whether `--lock-timeout` was given: then it wins over a shorter `lock_timeout` of the role or database. */
  readonly lockTimeoutExplicit: boolean;
  /** `--statement-timeout`: `statement_timeout` for each migration, ms; 0 = none; undefined (default) = the server's own, nothing is SET. */
  readonly statementTimeoutMs?: number;
  /** `--lock-retries`: retries of a migration that hit its `lock_timeout`. Default 30. */
  readonly lockRetries: number;
  /** `--lock-retry-budget`: wall time the lock attempts and pauses of one migration may take, ms; 0 = no limit. Default 30000. */
  readonly lockRetryBudgetMs: number;
  /** `--lock-wait-timeout`: how long to wait for another run's advisory lock, ms. Default 60000. */
  readonly lockWaitTimeoutMs: number;
  /**
   * `--connect-timeout`: how long opening one connection may take, ms; 0 = no limit. Default
   * 10000. Which value applies is decided with the URL (see {@link connectTimeoutExplicit}).
   */
  readonly connectTimeoutMs: number;
  /**
   * Whether `--connect-timeout` was given on the command line: then it wins over the URL's
   * `connect_timeout`, which otherwise replaces the default.
   */
  readonly connectTimeoutExplicit: boolean;
  /** `--liveness-timeout`: how long the database may stop answering during a run before the connection counts as dead, ms; 0 disables. Default 20000. */
  readonly livenessTimeoutMs: number;
  /** `--json`: print a machine-readable result on stdout instead of dbmate's text. */
  readonly json: boolean;
  /** `up`/`migrate`/`plan` `--strict`/`DBMATE_STRICT`: fail when a pending version is not above the applied ones. */
  readonly strict: boolean;
  /** `up`/`migrate`/`rollback` `--verbose`/`-v`/`DBMATE_VERBOSE`: print `Rows affected: N` per statement. */
  readonly verbose: boolean;
  /** `up`/`migrate`/`rollback` `--dry-run`: plan and print, change nothing (not even create the ledger table). */
  readonly dryRun: boolean;
  /** `--steps N`: how many migrations to apply (`up`/`migrate`/`plan`; undefined = all) or roll back (`rollback`; default 1). */
  readonly steps?: number;
  /** `status --exit-code` (or `--quiet`): exit 1 when migrations are pending. */
  readonly exitCode: boolean;
  /** `status --quiet`: print nothing; implies {@link exitCode}. */
  readonly quiet: boolean;
  /** `lint --disable a,b`: rule ids disabled for every file; absent for other commands. */
  readonly disabledRules?: readonly string[];
  /** `up`/`migrate`/`plan` `--lint-fail-on`: findings in the up sections to apply at or above it stop the run (exit 2, nothing applied). Default `none`: printed as warnings only, as dbmate would apply them. */
  readonly lintFailOn?: LintFailOn;
  /** `up`/`migrate`/`plan`/`lint` `--lint-large-table`; undefined = `DEFAULT_LARGE_TABLE`. */
  readonly lintLargeTable?: LargeTable;
  /** `lint --pg-version`: the major version-dependent rules assume; undefined = unknown. */
  readonly pgVersion?: number;
  /** `lint --lint-runner`: `db-migrate` (default) or `other` (the lock-timeout rule applies). */
  readonly lintRunner?: LintRunner;
  /** `history`/`report` `--environment` (alias `--env`): only this environment's runs. */
  readonly environment?: string;
  /** `history --limit N`: at most N rows. Default 50. */
  readonly limit?: number;
  /** `report --since`: the window, as typed (`30d`, `2w`, `12h`, a date, `all`). Default `30d`. */
  readonly since?: string;
  /** `report --markdown`: print GitHub markdown instead of the terminal layout. */
  readonly markdown?: boolean;
  /** `report --html FILE`: also write the self-contained HTML report to FILE. */
  readonly htmlFile?: string;
}
