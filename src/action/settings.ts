import type { DatabaseTarget } from '../engine/url.js';
import type { PullRequestContext, PullRequestProblem } from '../github/pr-context.js';
import type { LargeTable } from '../lint/sizes.js';
import type { BackupMode, Command, LintFailOn, LintRunner } from './constants.js';

/**
 * Where the database URL came from: the input, a variable in the environment, or a variable in
 * the workspace's `.env.dbmate`. Shown in the log so a user knows which setting won.
 */
export interface UrlSource {
  /** `input` (the `database-url` input), `env` (process environment) or `file` (`.env.dbmate`). */
  kind: 'input' | 'env' | 'file';
  /** The input or variable name, e.g. `database-url`, `STAGING_DATABASE_URL`. */
  name: string;
}

/**
 * Every input of `action.yml`, validated and typed. Built only by `getSettings()`; everything
 * downstream reads this instead of the environment. Frozen.
 */
export interface ActionSettings {
  /** What to run: `up`, `status`, `rollback`, `plan`, `lint`, `verify`, `report` or `baseline`. */
  readonly command: Command;
  /** Show what would happen and change nothing (read-only session, no table created). */
  readonly dryRun: boolean;
  /** Canonical environment name: `development` (also for `dev`), `staging`, `production`, or the name as given. */
  readonly environment: string;
  /** The environment name exactly as written in the input, for messages. */
  readonly environmentInput: string;
  /** Prefix of the environment's own URL variable, e.g. `STAGING` for `STAGING_DATABASE_URL`. */
  readonly environmentPrefix: string;
  /** The parsed database URL. `target.redacted` is the only form to print. */
  readonly target: DatabaseTarget;
  /** Which setting the URL came from. */
  readonly urlSource: UrlSource;
  /** Migration directories, relative to {@link workspace} unless absolute (comma-separated in the input). */
  readonly migrationsDirs: readonly string[];
  /** dbmate's schema file, relative to {@link workspace}. */
  readonly schemaFile: string;
  /** Ledger table, optionally `schema.table` (dbmate's `--migrations-table`). */
  readonly migrationsTable: string;
  /** Audit table; empty disables it. */
  readonly historyTable: string;
  /** How many migrations to apply or roll back; undefined = all pending for `up`/`plan`, 1 for `rollback`. */
  readonly steps?: number;
  /**
   * `baseline-version` of `command: baseline` (always set for it, validated by the engine's
   * version rule): it and every migration before it are recorded as applied without running.
   */
  readonly baselineVersion?: string;
  /** Refuse pending migrations older than the newest applied one. */
  readonly strict: boolean;
  /** When to take a `pg_dump -Fc` backup before migrating: `auto` (production only), `always`, `never`. */
  readonly backup: BackupMode;
  /** Absolute directory for backups: `backup-dir`, else `$RUNNER_TEMP/db-backups`, else `<os tmpdir>/db-backups`. */
  readonly backupDir: string;
  /**
   * pg_dump to use for backups and schema dumps; undefined = the newest pg_dump on PATH or in
   * `/usr/lib/postgresql/<N>/bin` whose major is at least the server's.
   */
  readonly pgDumpPath?: string;
  /** `lock-timeout`: longest `lock_timeout` of any lock attempt, ms (0 = none: one attempt that waits as long as it takes). */
  readonly lockTimeoutMs: number;
  /** Whether `lock-timeout` differs from its default: then it wins over a shorter `lock_timeout` of the role or database. */
  readonly lockTimeoutExplicit?: boolean;
  /** `statement-timeout` of each migration, ms (0 = none); undefined (empty input) = the server's own, nothing is SET. */
  readonly statementTimeoutMs?: number;
  /** `lock-retries`: retries of a migration that hit its `lock_timeout`. */
  readonly lockRetries: number;
  /** `lock-retry-budget`: wall time the lock attempts and pauses of one migration may take, ms (0 = no limit). */
  readonly lockRetryBudgetMs?: number;
  /** How long to wait for a concurrent run's advisory lock, ms. */
  readonly lockWaitTimeoutMs: number;
  /**
   * How long opening one connection may take, ms, before it fails (0 = no limit); for every
   * connection of the run (the engine's, health checks, the backup probe). Already resolved: a
   * `connect-timeout` input other than its default wins, else the URL's `connect_timeout`, else 10 s.
   */
  readonly connectTimeoutMs: number;
  /** `liveness-timeout`: how long the database may stop answering during a run before the connection counts as dead, ms (0 = never). */
  readonly livenessTimeoutMs: number;
  /** SQL that must succeed after migrating (a boolean first column must be true); empty disables it. */
  readonly healthCheckSql: string;
  /** URL that must answer a GET with 2xx after migrating; undefined disables it. */
  readonly healthCheckUrl?: string;
  /** Further attempts of the URL health check after the first. */
  readonly healthCheckRetries: number;
  /** Delay between URL health check attempts, ms. */
  readonly healthCheckIntervalMs: number;
  /** Roll back this run's migrations, newest first, when a migration or a health check fails. */
  readonly rollbackOnFailure: boolean;
  /** Open (or comment on the open) GitHub issue when an `up` or `rollback` run fails. */
  readonly createIssueOnFailure: boolean;
  /** Token for the issue API; masked in logs. */
  readonly githubToken: string;
  /** Labels of the failure issue; `env:<environment>` is added. */
  readonly issueLabels: readonly string[];
  /**
   * `pr-comment`: on `pull_request`/`pull_request_target` runs of `plan`, a dry run of `up`,
   * `verify` or `lint`, keep one comment on the pull request up to date with the plan, the lint
   * findings (mechanical fixes as suggested changes) and the verdict. Undefined = off (settings
   * built by hand); `getSettings()` always sets it (default true).
   */
  readonly prComment?: boolean;
  /**
   * The pull request of a `pull_request`/`pull_request_target` run (from `GITHUB_EVENT_PATH`), or
   * why its payload could not be used; undefined for other events.
   */
  readonly pullRequest?: PullRequestContext | PullRequestProblem;
  /** REST API root for the issue, from `GITHUB_API_URL`; undefined = `https://api.github.com`. */
  readonly apiUrl?: string;
  /** Write {@link schemaFile} after a successful `up`/`rollback`. */
  readonly dumpSchema: boolean;
  /** After a successful `up`, compare the live schema with the committed {@link schemaFile} (reported, never a failure). */
  readonly driftCheck: boolean;
  /** Lowest lint severity that fails the run (`lint-fail-on`); undefined = `error`. */
  readonly lintFailOn?: LintFailOn;
  /** Lint rule ids disabled for every file (`lint-disable`). */
  readonly lintDisable?: readonly string[];
  /**
   * `lint-large-table`: a table at or above either threshold is large, so a finding about it keeps
   * its severity; on a smaller one (sizes read in `up` and `plan`) it becomes `info`. Undefined =
   * `DEFAULT_LARGE_TABLE` (lint/sizes.ts).
   */
  readonly lintLargeTable?: LargeTable;
  /**
   * `pg-version`: the server major the SQL will run on, for version-dependent rules of `command:
   * lint` (offline); `up` and `plan` read the server's own. Undefined = unknown (every
   * version-dependent rule applies).
   */
  readonly pgVersion?: number;
  /**
   * `lint-runner` of `command: lint`: `db-migrate` (default) or `other` (dbmate, psql or another
   * tool runs the SQL without a lock_timeout: the lock-timeout rule applies). `up` and `plan` always
   * lint as `db-migrate`, which runs their SQL.
   */
  readonly lintRunner?: LintRunner;
  /**
   * `notify-webhook`: Slack-compatible incoming webhook (an absolute http(s) URL) told about the
   * run; undefined = no notification. A secret (its path carries the token): it is in
   * {@link secrets} and is never printed.
   */
  readonly notifyWebhook?: string;
  /** `notify-on-success`: also notify runs that succeeded or had nothing to do; undefined = false. */
  readonly notifyOnSuccess?: boolean;
  /**
   * `report-since`: the window of `command: report` as written (`30d`, `2w`, `12h`, a date, `all`),
   * already validated with `parseSince`; undefined = `30d`. Kept raw so the window is computed at run time.
   */
  readonly reportSince?: string;
  /** `report-html`: absolute path where `command: report` writes its self-contained HTML report; undefined = none. */
  readonly reportHtml?: string;
  /** Directory migrations and files are resolved against: `GITHUB_WORKSPACE`, else the working directory. */
  readonly workspace: string;
  /** Who/what started the run, copied into history rows and the report. */
  readonly run: RunInfo;
  /** Every secret value to mask in anything we print (password in its forms, token, notification webhook). */
  readonly secrets: readonly string[];
}

/** The CI run this action executes in (from the runner's `GITHUB_*` variables). */
export interface RunInfo {
  /** `GITHUB_ACTOR`. */
  readonly actor?: string;
  /** `GITHUB_SHA`. */
  readonly sha?: string;
  /** `GITHUB_RUN_ID`. */
  readonly runId?: string;
  /** Link to the run, from `GITHUB_SERVER_URL`/`GITHUB_REPOSITORY`/`GITHUB_RUN_ID`. */
  readonly runUrl?: string;
  /** `GITHUB_REPOSITORY` (`owner/name`), where the failure issue is opened; undefined when absent or malformed. */
  readonly repository?: string;
}

/**
 * Settings of `command: lint`, which needs no database: the URL is read when one is set, and
 * may be missing.
 */
export type LintSettings = Omit<ActionSettings, 'command' | 'target' | 'urlSource'> & {
  readonly command: 'lint';
  readonly target?: DatabaseTarget;
  readonly urlSource?: UrlSource;
};
