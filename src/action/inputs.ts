import * as core from '@actions/core';
import { parse as parseDotenv } from 'dotenv';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { resolveConnectTimeout } from '../engine/db.js';
import { parseGoDuration } from '../engine/duration.js';
import { MigrationError } from '../engine/errors.js';
import { isMigrationVersion, MIGRATION_VERSION_FORMAT } from '../engine/files.js';
import { HISTORY_TABLE_FORMAT, MIGRATIONS_TABLE_FORMAT, SAME_TABLE_PROBLEM, historyIsLedger, tableNameProblem } from '../engine/identifiers.js';
import { parseDatabaseUrl } from '../engine/url.js';
import { redact, REDACTED } from '../engine/redact.js';
import { parseSince, SINCE_FORMAT } from '../metrics/since.js';
import { webhookSecrets } from '../notify/webhook.js';
import { runUrl } from '../github/run-url.js';
import { readPullRequest } from '../github/pr-context.js';
import { RULE_IDS } from '../lint/index.js';
import { parsePgVersion, PG_VERSION_FORMAT } from '../lint/gate.js';
import { parseLargeTable } from '../lint/sizes.js';
import {
  BACKUP_MODES,
  COMMANDS,
  LINT_FAIL_ON,
  LINT_RUNNERS,
  DATABASE_URL_VAR,
  ENV_FILE,
  INPUT_DEFAULTS,
  Inputs,
  KNOWN_ENVIRONMENTS,
  type BackupMode,
  type LintFailOn,
  type LintRunner,
} from './constants.js';
import type { ActionSettings, LintSettings, RunInfo, UrlSource } from './settings.js';

/** One input that failed validation. */
export interface InputProblem {
  /** The input's id, e.g. `steps`. */
  input: string;
  /** What was received, already safe to print (URLs redacted). */
  received: string;
  /** What the input accepts. */
  expected: string;
}

/**
 * Invalid inputs. All problems are collected before throwing, so one run tells the user about
 * every mistake; the message names each input, the value received and what it accepts.
 */
export class InputError extends MigrationError {
  /** Every invalid input, in `action.yml` order. */
  readonly problems: readonly InputProblem[];

  constructor(problems: InputProblem[]) {
    const lines = problems.map((p) => `input '${p.input}': got ${p.received === '' ? 'an empty value' : `'${p.received}'`}; expected ${p.expected}`);
    super('INPUT_INVALID', lines.length === 1 ? `invalid ${lines[0]}` : `invalid inputs:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
    this.name = 'InputError';
    this.problems = problems;
  }
}

const DURATION = "a duration in Go syntax: 0, or a number with a unit (ns, us, ms, s, m, h) such as 500ms, 5s, 1m30s";
const BOOLEAN = 'true or false (also True, TRUE, False, FALSE)';

/** Whether these settings are for `command: lint` (which may have no database URL). */
export function isLintSettings(s: ActionSettings | LintSettings): s is LintSettings {
  return s.command === 'lint';
}

/**
 * Read and validate every input of `action.yml` (and the runner's variables they depend on).
 * The only place that reads `core.getInput` or `process.env`. Nothing here touches the database.
 * Secrets (the URL's password, the token, the notification webhook) are masked with `core.setSecret` as soon as they are read.
 * `command: lint`, which needs no database, may have no URL (one that is set is still validated).
 *
 * @throws InputError listing every invalid input
 */
export function getSettings(): ActionSettings | LintSettings {
  const problems: InputProblem[] = [];
  const secrets: string[] = [];
  const fail = (input: Inputs, received: string, expected: string) => problems.push({ input, received, expected });

  const workspace = resolve(process.env.GITHUB_WORKSPACE || process.cwd());

  const command = oneOf(Inputs.Command, COMMANDS, fail) ?? 'up';
  const dryRun = bool(Inputs.DryRun, fail);
  const urlOptional = command === 'lint';

  // Environment → variable prefix (`dev` is an alias of `development`; any other name is allowed).
  const environmentInput = read(Inputs.Environment) || INPUT_DEFAULTS[Inputs.Environment];
  // Case-insensitive, so `Production` gets production's rules (no database creation, backups).
  const known = KNOWN_ENVIRONMENTS.find((e) => e.names.includes(environmentInput.toLowerCase()));
  let environment = known?.canonical ?? environmentInput;
  let environmentPrefix = known?.prefix ?? environmentInput.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  if (!known && !/^[A-Za-z][A-Za-z0-9_-]*$/.test(environmentInput)) {
    fail(
      Inputs.Environment,
      environmentInput,
      `development (or dev), staging, production, or another name of letters, digits, '-' and '_' starting with a letter (its URL is then read from <NAME>_DATABASE_URL)`,
    );
    environment = environmentInput;
    environmentPrefix = '';
  }

  // Database URL: input → <ENV>_DATABASE_URL → DATABASE_URL → the same keys in .env.dbmate.
  let target: ActionSettings['target'] | undefined;
  let urlSource: UrlSource | undefined;
  const urlInput = read(Inputs.DatabaseUrl);
  if (environmentPrefix !== '' || urlInput !== '') {
    const found = findDatabaseUrl(urlInput, environmentPrefix, workspace);
    if (!found) {
      if (!urlOptional) {
        const vars = environmentPrefix ? `${environmentPrefix}_DATABASE_URL or ${DATABASE_URL_VAR}` : DATABASE_URL_VAR;
        fail(Inputs.DatabaseUrl, '', `a postgres:// URL for environment '${environment}': set the database-url input, or ${vars} in the environment or in ${ENV_FILE} in the workspace`);
      }
    } else {
      urlSource = found.source;
      // Mask before parsing: a URL that fails to parse still holds the password.
      core.setSecret(found.value);
      const where = found.source.kind === 'input' ? '' : ` (from ${found.source.name}${found.source.kind === 'file' ? ` in ${ENV_FILE}` : ''})`;
      try {
        const t = parseDatabaseUrl(found.value);
        for (const secret of t.secrets) {
          secrets.push(secret, found.value);
          core.setSecret(secret);
          const encoded = encodeURIComponent(secret);
          if (encoded !== secret) core.setSecret(encoded);
        }
        if (t.hostless) {
          fail(Inputs.DatabaseUrl, `${t.redacted}${where}`, 'a URL that names the database host, e.g. postgres://user:password@db.example.com:5432/app (or ?host=/socket/dir)');
        } else {
          target = t;
        }
      } catch (err) {
        fail(Inputs.DatabaseUrl, `${redact(found.value, [])}${where}`, `a URL such as postgres://user:password@host:5432/database?sslmode=require (${(err as Error).message})`);
      }
    }
  }

  const migrationsDirs = read(Inputs.MigrationsDir)
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '');
  if (migrationsDirs.length === 0) fail(Inputs.MigrationsDir, '', 'a directory of migration files, e.g. db/migrations (several separated by commas)');
  const schemaFile = nonEmpty(Inputs.SchemaFile, 'a file path, e.g. db/schema.sql', fail);
  const migrationsTable = tableName(Inputs.MigrationsTable, read(Inputs.MigrationsTable), MIGRATIONS_TABLE_FORMAT, fail);
  const historyTable = readRaw(Inputs.HistoryTable).trim() === '' ? '' : tableName(Inputs.HistoryTable, readRaw(Inputs.HistoryTable).trim(), HISTORY_TABLE_FORMAT, fail);
  if (historyIsLedger(migrationsTable, historyTable)) fail(Inputs.HistoryTable, historyTable, `${HISTORY_TABLE_FORMAT} (${SAME_TABLE_PROBLEM} '${migrationsTable}')`);

  const stepsText = read(Inputs.Steps);
  let steps: number | undefined;
  if (stepsText !== '') {
    if (/^\d+$/.test(stepsText) && Number(stepsText) >= 1 && Number.isSafeInteger(Number(stepsText))) steps = Number(stepsText);
    else fail(Inputs.Steps, stepsText, 'a whole number of migrations, 1 or more, or empty for the default (all pending for up and plan, 1 for rollback)');
  }
  // Required by `command: baseline`, and refused with any other command (where a version would
  // read as "up to here" and be ignored); its shape is the engine's one rule (files.ts).
  const baselineText = read(Inputs.BaselineVersion);
  let baselineVersion: string | undefined;
  if (command === 'baseline') {
    if (isMigrationVersion(baselineText)) baselineVersion = baselineText;
    else fail(Inputs.BaselineVersion, baselineText, `${MIGRATION_VERSION_FORMAT} (required for command baseline: it and every migration before it are recorded as applied without running them)`);
  } else if (baselineText !== '') {
    fail(Inputs.BaselineVersion, baselineText, `an empty value: baseline-version is for command baseline only, and command is ${command}`);
  }
  const strict = bool(Inputs.Strict, fail);

  const backup = (oneOf(Inputs.Backup, BACKUP_MODES, fail) ?? 'auto') as BackupMode;
  const backupDirText = read(Inputs.BackupDir);
  const backupDir = backupDirText !== '' ? resolve(workspace, backupDirText) : join(process.env.RUNNER_TEMP || tmpdir(), 'db-backups');
  const pgDumpText = read(Inputs.PgDumpPath);
  let pgDumpPath: string | undefined;
  if (pgDumpText !== '') {
    const p = isAbsolute(pgDumpText) ? pgDumpText : resolve(workspace, pgDumpText);
    if (existsSync(p) && statSync(p).isFile()) pgDumpPath = p;
    else fail(Inputs.PgDumpPath, pgDumpText, 'the path of a pg_dump executable, or empty to search PATH (no such file)');
  }

  const lockTimeoutMs = duration(Inputs.LockTimeout, fail);
  // As for connect-timeout below: only a value other than the default is the user's choice, which wins over the server's lock_timeout.
  const lockTimeoutExplicit = read(Inputs.LockTimeout) !== INPUT_DEFAULTS[Inputs.LockTimeout];
  // Empty (the default) inherits the server's statement_timeout: nothing is SET. `0` switches it off.
  const statementTimeoutMs = read(Inputs.StatementTimeout) === '' ? undefined : duration(Inputs.StatementTimeout, fail);
  const lockRetries = count(Inputs.LockRetries, fail);
  const lockRetryBudgetMs = duration(Inputs.LockRetryBudget, fail);
  const lockWaitTimeoutMs = duration(Inputs.LockWaitTimeout, fail);
  // A runner passes every default as if it were given, so only a value other than the default
  // counts as explicit: that one wins over the URL's connect_timeout, which replaces the default.
  const connectTimeoutInput = duration(Inputs.ConnectTimeout, fail);
  const connectTimeoutExplicit = read(Inputs.ConnectTimeout) !== INPUT_DEFAULTS[Inputs.ConnectTimeout];
  const connectTimeoutMs = resolveConnectTimeout(target, connectTimeoutExplicit ? connectTimeoutInput : undefined, connectTimeoutInput);
  const livenessTimeoutMs = duration(Inputs.LivenessTimeout, fail);

  const healthCheckSql = readRaw(Inputs.HealthCheckSql).trim();
  const healthUrlText = read(Inputs.HealthCheckUrl);
  let healthCheckUrl: string | undefined;
  if (healthUrlText !== '') {
    let u: URL | undefined;
    try {
      u = new URL(healthUrlText);
    } catch {
      u = undefined;
    }
    if (u?.password) {
      secrets.push(decodeURIComponent(u.password), u.password);
      core.setSecret(decodeURIComponent(u.password));
    }
    if (u && (u.protocol === 'http:' || u.protocol === 'https:')) healthCheckUrl = healthUrlText;
    else fail(Inputs.HealthCheckUrl, redact(healthUrlText, []), 'an http:// or https:// URL, or empty for no HTTP health check');
  }
  const healthCheckRetries = count(Inputs.HealthCheckRetries, fail);
  const healthCheckIntervalMs = duration(Inputs.HealthCheckInterval, fail);
  const rollbackOnFailure = bool(Inputs.RollbackOnFailure, fail);
  const createIssueOnFailure = bool(Inputs.CreateIssueOnFailure, fail);
  const githubToken = read(Inputs.GithubToken);
  if (githubToken !== '') {
    core.setSecret(githubToken);
    secrets.push(githubToken);
  }
  const issueLabels = read(Inputs.IssueLabels)
    .split(',')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const longLabel = issueLabels.find((l) => l.length > 50);
  if (longLabel) {
    fail(Inputs.IssueLabels, read(Inputs.IssueLabels), `comma-separated GitHub labels of at most 50 characters each, e.g. db-migration,incident ('${longLabel}' has ${longLabel.length})`);
  }
  const prComment = bool(Inputs.PrComment, fail);
  // Read once here, as every other runner variable: steps never touch the environment.
  const pullRequest = prComment ? readPullRequest(process.env) : undefined;
  const dumpSchema = bool(Inputs.DumpSchema, fail);
  const driftCheck = bool(Inputs.DriftCheck, fail);
  const lintFailOn = (oneOf(Inputs.LintFailOn, LINT_FAIL_ON, fail) ?? 'error') as LintFailOn;
  const lintDisableText = read(Inputs.LintDisable);
  const lintDisable = [...new Set(lintDisableText.split(',').map((r) => r.trim()).filter((r) => r !== ''))];
  const unknownRules = lintDisable.filter((r) => !RULE_IDS.includes(r));
  if (unknownRules.length) fail(Inputs.LintDisable, lintDisableText, `comma-separated lint rule ids (unknown: ${unknownRules.join(', ')}); known: ${RULE_IDS.join(', ')}`);
  const largeText = read(Inputs.LintLargeTable);
  const large = largeText === '' ? undefined : parseLargeTable(largeText);
  if (typeof large === 'string') fail(Inputs.LintLargeTable, largeText, large);
  const lintLargeTable = large === undefined || typeof large === 'string' ? undefined : large;
  const pgVersionText = read(Inputs.PgVersion);
  const pgVersion = pgVersionText === '' ? undefined : parsePgVersion(pgVersionText);
  if (pgVersionText !== '' && pgVersion === undefined) fail(Inputs.PgVersion, pgVersionText, PG_VERSION_FORMAT);
  const lintRunner = (oneOf(Inputs.LintRunner, LINT_RUNNERS, fail) ?? 'db-migrate') as LintRunner;

  // The webhook is a credential (Slack's token is its path, a Teams workflow's signature its
  // query): masked before it is validated, and never echoed, not even when it is invalid.
  const webhookText = read(Inputs.NotifyWebhook);
  let notifyWebhook: string | undefined;
  if (webhookText !== '') {
    for (const secret of webhookSecrets(webhookText)) {
      core.setSecret(secret);
      secrets.push(secret);
    }
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(webhookText)?.[1];
    if (isHttpUrl(webhookText)) notifyWebhook = webhookText;
    else fail(Inputs.NotifyWebhook, scheme ? `${scheme}:${REDACTED}` : REDACTED, `an absolute http:// or https:// URL of a Slack-compatible incoming webhook, e.g. https://hooks.slack.com/services/..., or empty for no notification (the value is a secret and is not shown)`);
  }
  const notifyOnSuccess = bool(Inputs.NotifyOnSuccess, fail);
  const reportSince = read(Inputs.ReportSince);
  try {
    parseSince(reportSince);
  } catch {
    fail(Inputs.ReportSince, reportSince, SINCE_FORMAT);
  }
  const reportHtmlText = read(Inputs.ReportHtml);
  let reportHtml: string | undefined;
  if (reportHtmlText !== '') {
    const p = resolve(workspace, reportHtmlText);
    if (existsSync(p) && statSync(p).isDirectory()) fail(Inputs.ReportHtml, reportHtmlText, 'the path of the HTML file to write, e.g. db-report.html, or empty for none (this is a directory)');
    else reportHtml = p;
  }

  if (problems.length > 0 || ((!target || !urlSource) && !urlOptional)) throw new InputError(problems);

  const settings = {
    command,
    dryRun,
    environment,
    environmentInput,
    environmentPrefix,
    ...(target ? { target } : {}),
    ...(urlSource ? { urlSource } : {}),
    migrationsDirs,
    schemaFile,
    migrationsTable,
    historyTable,
    ...(steps !== undefined ? { steps } : {}),
    ...(baselineVersion !== undefined ? { baselineVersion } : {}),
    strict,
    backup,
    backupDir,
    ...(pgDumpPath !== undefined ? { pgDumpPath } : {}),
    lockTimeoutMs,
    lockTimeoutExplicit,
    ...(statementTimeoutMs !== undefined ? { statementTimeoutMs } : {}),
    lockRetries,
    lockRetryBudgetMs,
    lockWaitTimeoutMs,
    connectTimeoutMs,
    livenessTimeoutMs,
    healthCheckSql,
    ...(healthCheckUrl !== undefined ? { healthCheckUrl } : {}),
    healthCheckRetries,
    healthCheckIntervalMs,
    rollbackOnFailure,
    createIssueOnFailure,
    githubToken,
    issueLabels,
    prComment,
    ...(pullRequest ? { pullRequest } : {}),
    ...(process.env.GITHUB_API_URL?.trim() ? { apiUrl: process.env.GITHUB_API_URL.trim() } : {}),
    dumpSchema,
    driftCheck,
    lintFailOn,
    lintDisable,
    ...(lintLargeTable ? { lintLargeTable } : {}),
    ...(pgVersion !== undefined ? { pgVersion } : {}),
    lintRunner,
    ...(notifyWebhook !== undefined ? { notifyWebhook } : {}),
    notifyOnSuccess,
    reportSince,
    ...(reportHtml !== undefined ? { reportHtml } : {}),
    workspace,
    run: runInfo(),
    secrets: [...new Set(secrets.filter((s) => s !== ''))],
  };
  // Without a URL only for `command: lint` (checked above).
  return Object.freeze(settings) as ActionSettings | LintSettings;
}

type Fail = (input: Inputs, received: string, expected: string) => void;

/** Name of the variable a runner sets for an input (it upper-cases the id and keeps dashes). */
function variableOf(input: Inputs): string {
  return `INPUT_${input.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * The input as given, untrimmed: the `action.yml` default when the variable is absent (outside a
 * runner), else exactly what the workflow passed, so an explicit empty value stays empty.
 */
function readRaw(input: Inputs): string {
  if (process.env[variableOf(input)] === undefined) return INPUT_DEFAULTS[input];
  return core.getInput(input, { trimWhitespace: false });
}

/** The trimmed input; an empty value means the default (as for an unset workflow_dispatch input). */
function read(input: Inputs): string {
  return readRaw(input).trim() || INPUT_DEFAULTS[input];
}

function oneOf<T extends string>(input: Inputs, allowed: readonly T[], fail: Fail): T | undefined {
  const v = read(input);
  if ((allowed as readonly string[]).includes(v)) return v as T;
  fail(input, v, `one of ${allowed.join(', ')}`);
  return undefined;
}

function bool(input: Inputs, fail: Fail): boolean {
  const v = read(input);
  if (['true', 'True', 'TRUE'].includes(v)) return true;
  if (['false', 'False', 'FALSE'].includes(v)) return false;
  fail(input, v, BOOLEAN);
  return false;
}

function duration(input: Inputs, fail: Fail): number {
  const v = read(input);
  let ms: number;
  try {
    ms = parseGoDuration(v);
  } catch {
    fail(input, v, DURATION);
    return 0;
  }
  if (ms < 0) fail(input, v, `a duration that is not negative: ${DURATION}`);
  return ms;
}

function count(input: Inputs, fail: Fail): number {
  const v = read(input);
  if (/^\d+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
  fail(input, v, 'a whole number, 0 or more, e.g. 3');
  return 0;
}

/** A table-name input, checked by the engine's one rule (identifiers.ts); the reason follows what it accepts. */
function tableName(input: Inputs, value: string, expected: string, fail: Fail): string {
  const problem = tableNameProblem(value, { qualified: input === Inputs.MigrationsTable });
  if (problem) fail(input, value, `${expected} (${problem})`);
  return value;
}

function nonEmpty(input: Inputs, expected: string, fail: Fail): string {
  const v = read(input);
  if (v === '') fail(input, v, expected);
  return v;
}

/**
 * The first non-empty URL in precedence order. Variables passed in the environment come before
 * the workspace's `.env.dbmate`, which is read only when nothing in the environment matched.
 */
function findDatabaseUrl(input: string, prefix: string, workspace: string): { value: string; source: UrlSource } | undefined {
  if (input !== '') return { value: input, source: { kind: 'input', name: Inputs.DatabaseUrl } };
  const keys = prefix ? [`${prefix}_DATABASE_URL`, DATABASE_URL_VAR] : [DATABASE_URL_VAR];
  for (const name of keys) {
    const v = process.env[name]?.trim();
    if (v) return { value: v, source: { kind: 'env', name } };
  }
  const file = join(workspace, ENV_FILE);
  if (!existsSync(file)) return undefined;
  const vars = parseDotenv(readFileSync(file));
  for (const name of keys) {
    const v = vars[name]?.trim();
    if (v) return { value: v, source: { kind: 'file', name } };
  }
  return undefined;
}

/** Whether `text` is an absolute http(s) URL with a host. */
function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function runInfo(): RunInfo {
  const e = process.env;
  const url = runUrl(e);
  const repository = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(e.GITHUB_REPOSITORY ?? '') ? e.GITHUB_REPOSITORY : undefined;
  return {
    ...(e.GITHUB_ACTOR ? { actor: e.GITHUB_ACTOR } : {}),
    ...(e.GITHUB_SHA ? { sha: e.GITHUB_SHA } : {}),
    ...(e.GITHUB_RUN_ID ? { runId: e.GITHUB_RUN_ID } : {}),
    ...(url ? { runUrl: url } : {}),
    ...(repository ? { repository } : {}),
  };
}
