/**
 * Names the action shares with `action.yml`: every input and output id appears here once, so no
 * key is a repeated string literal (setup-node's and cache's `constants.ts`).
 */

/** Input ids, exactly as declared in `action.yml` (in the same order). */
export enum Inputs {
  Command = 'command',
  DryRun = 'dry-run',
  Environment = 'environment',
  DatabaseUrl = 'database-url',
  MigrationsDir = 'migrations-dir',
  SchemaFile = 'schema-file',
  MigrationsTable = 'migrations-table',
  HistoryTable = 'history-table',
  Steps = 'steps',
  BaselineVersion = 'baseline-version',
  Strict = 'strict',
  Backup = 'backup',
  BackupDir = 'backup-dir',
  PgDumpPath = 'pg-dump-path',
  LockTimeout = 'lock-timeout',
  StatementTimeout = 'statement-timeout',
  LockRetries = 'lock-retries',
  LockRetryBudget = 'lock-retry-budget',
  LockWaitTimeout = 'lock-wait-timeout',
  ConnectTimeout = 'connect-timeout',
  LivenessTimeout = 'liveness-timeout',
  HealthCheckSql = 'health-check-sql',
  HealthCheckUrl = 'health-check-url',
  HealthCheckRetries = 'health-check-retries',
  HealthCheckInterval = 'health-check-interval',
  RollbackOnFailure = 'rollback-on-failure',
  CreateIssueOnFailure = 'create-issue-on-failure',
  GithubToken = 'github-token',
  IssueLabels = 'issue-labels',
  PrComment = 'pr-comment',
  DumpSchema = 'dump-schema',
  DriftCheck = 'drift-check',
  LintFailOn = 'lint-fail-on',
  LintDisable = 'lint-disable',
  LintLargeTable = 'lint-large-table',
  PgVersion = 'pg-version',
  LintRunner = 'lint-runner',
  NotifyWebhook = 'notify-webhook',
  NotifyOnSuccess = 'notify-on-success',
  ReportSince = 'report-since',
  ReportHtml = 'report-html',
}

/** Output ids, exactly as declared in `action.yml`. */
export enum Outputs {
  Status = 'status',
  Applied = 'applied',
  RolledBack = 'rolled-back',
  Pending = 'pending',
  CurrentVersion = 'current-version',
  BackupPath = 'backup-path',
  IssueUrl = 'issue-url',
  DurationMs = 'duration-ms',
  Report = 'report',
}

/**
 * The defaults of `action.yml`, applied when an input's variable is absent altogether, so the
 * bundle behaves the same under `npm start` or a test as under a runner (which always passes the
 * defaults). A test keeps this table equal to `action.yml`. Inputs whose `action.yml` default is
 * an expression (`${{ github.token }}`) default to empty here: only a runner can evaluate it.
 */
export const INPUT_DEFAULTS: Readonly<Record<Inputs, string>> = Object.freeze({
  [Inputs.Command]: 'up',
  [Inputs.DryRun]: 'false',
  [Inputs.Environment]: 'development',
  [Inputs.DatabaseUrl]: '',
  [Inputs.MigrationsDir]: 'db/migrations',
  [Inputs.SchemaFile]: 'db/schema.sql',
  [Inputs.MigrationsTable]: 'schema_migrations',
  [Inputs.HistoryTable]: 'schema_migrations_history',
  [Inputs.Steps]: '',
  [Inputs.BaselineVersion]: '',
  [Inputs.Strict]: 'false',
  [Inputs.Backup]: 'auto',
  [Inputs.BackupDir]: '',
  [Inputs.PgDumpPath]: '',
  [Inputs.LockTimeout]: '400ms',
  [Inputs.StatementTimeout]: '',
  [Inputs.LockRetries]: '30',
  [Inputs.LockRetryBudget]: '30s',
  [Inputs.LockWaitTimeout]: '60s',
  [Inputs.ConnectTimeout]: '10s',
  [Inputs.LivenessTimeout]: '20s',
  [Inputs.HealthCheckSql]: 'SELECT 1',
  [Inputs.HealthCheckUrl]: '',
  [Inputs.HealthCheckRetries]: '5',
  [Inputs.HealthCheckInterval]: '5s',
  [Inputs.RollbackOnFailure]: 'true',
  [Inputs.CreateIssueOnFailure]: 'true',
  [Inputs.GithubToken]: '',
  [Inputs.IssueLabels]: 'db-migration,incident',
  [Inputs.PrComment]: 'true',
  [Inputs.DumpSchema]: 'false',
  [Inputs.DriftCheck]: 'false',
  [Inputs.LintFailOn]: 'error',
  [Inputs.LintDisable]: '',
  [Inputs.LintLargeTable]: '',
  [Inputs.PgVersion]: '',
  [Inputs.LintRunner]: 'db-migrate',
  [Inputs.NotifyWebhook]: '',
  [Inputs.NotifyOnSuccess]: 'false',
  [Inputs.ReportSince]: '30d',
  [Inputs.ReportHtml]: '',
});

/** Values of the `command` input. */
export const COMMANDS = ['up', 'status', 'rollback', 'plan', 'lint', 'verify', 'report', 'baseline'] as const;

/** A value of the `command` input. */
export type Command = (typeof COMMANDS)[number];

/** Values of the `lint-fail-on` input (the lowest finding severity that fails the run; `none`: never) and of `lint-runner`: the CLI shares them (lint/gate.ts). */
export { LINT_FAIL_ON, LINT_RUNNERS, type LintFailOn, type LintRunner } from '../lint/gate.js';

/** Values of the `backup` input. */
export const BACKUP_MODES = ['auto', 'always', 'never'] as const;

/** A value of the `backup` input. */
export type BackupMode = (typeof BACKUP_MODES)[number];

/** Values of the `status` output, and the type of one: the shared outcome vocabulary's (`engine/vocabulary.ts`), which every outcome word comes from. */
export { RUN_STATUSES, type RunStatus } from '../engine/vocabulary.js';

/** Well-known environments: the names users write, the canonical name, and the variable prefix. */
export const KNOWN_ENVIRONMENTS: readonly { names: readonly string[]; canonical: string; prefix: string }[] = Object.freeze([
  { names: ['development', 'dev'], canonical: 'development', prefix: 'DEV' },
  { names: ['staging'], canonical: 'staging', prefix: 'STAGING' },
  { names: ['production'], canonical: 'production', prefix: 'PRODUCTION' },
]);

/** The dbmate env file read from the workspace (values passed in the environment win). */
export const ENV_FILE = '.env.dbmate';

/** The variable every environment falls back to, as in dbmate. */
export const DATABASE_URL_VAR = 'DATABASE_URL';

/** Connection retries of the action (refused or timed out only), so a restarting database or a network blip does not fail a deploy. */
export const CONNECT_RETRIES = 3;

/** First delay between connection attempts, ms, doubled each time: 1 s, 2 s, 4 s. */
export const CONNECT_RETRY_BASE_MS = 1000;
