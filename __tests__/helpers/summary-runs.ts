/**
 * Finished runs as the pipeline leaves them, for the tests of how the job summary and the failure
 * issue read: a failed production run (lint warnings, a backup whose restore command is one
 * 300-character line, an automatic rollback that stopped, recent runs with long errors), a run
 * rolled back after a failed health check, a dry run and a run lint stopped. Built from the real parts where they are
 * cheap: the engine's SQL error, lint on real SQL, the backup's restore command, the issue's facts.
 */
import { ActionError, errorOf } from '../../src/action/errors.js';
import { issueFacts } from '../../src/action/steps/issue.js';
import { lintError } from '../../src/action/steps/lint.js';
import type { ActionRun, LintReport, TargetView } from '../../src/action/run-result.js';
import type { ActionSettings } from '../../src/action/settings.js';
import { SqlMigrationError } from '../../src/engine/sql-error.js';
import { parseDatabaseUrl } from '../../src/engine/url.js';
import type { IssueFacts } from '../../src/github/issue.js';
import { judgeGate } from '../../src/lint/gate.js';
import { lintPlan } from '../../src/lint/judge.js';
import { DEFAULT_LARGE_TABLE } from '../../src/lint/sizes.js';
import type { RunSummary } from '../../src/metrics/types.js';
import { restoreCommand } from '../../src/safety/backup.js';
import { actionRun, actionSettings } from './action.js';

/** A production database behind a long host name, with TLS options: what makes a restore command long. */
export const PROD_URL =
  'postgres://deploy:s3cret-canary@db-prod-primary.cluster-c9akciq32xyz.eu-west-1.rds.amazonaws.com:5432/shop?sslmode=require&connect_timeout=10&application_name=db-migrate-action';
const target = parseDatabaseUrl(PROD_URL);
const TARGET: TargetView = { host: target.host, port: target.port, database: target.database, user: 'deploy', url: target.redacted };

/** The migrations of these runs, by version. */
export const FILES = {
  status: 'db/migrations/20261120090000_add_orders_fulfilment_status.sql',
  backfill: 'db/migrations/20261120093000_backfill_orders_fulfilment_status_from_shipments.sql',
  email: 'db/migrations/20261121080000_add_users_email_lower_index_for_case_insensitive_login.sql',
};
const V = { status: '20261120090000', backfill: '20261120093000', email: '20261121080000' };

const SQL: Record<string, string> = {
  [FILES.status]: "-- migrate:up\nALTER TABLE orders ADD COLUMN fulfilment_status text;\nUPDATE orders SET fulfilment_status = 'shipped';\nALTER TABLE orders ALTER COLUMN fulfilment_status SET NOT NULL;\n\n-- migrate:down\n",
  [FILES.backfill]:
    '-- migrate:up\n' +
    "-- Orders shipped before shipments recorded a carrier keep 'shipped'; the rest take the state of their newest shipment, which the warehouse system wrote since 2024.\n" +
    "UPDATE orders o SET fulfilment_status = s.state FROM (SELECT DISTINCT ON (order_id) order_id, state FROM shipments ORDER BY order_id, created_at DESC) s WHERE s.order_id = o.id AND o.fulfilment_status <> s.state;\n\n" +
    '-- migrate:down\nSELECT 1;\n',
  [FILES.email]: '-- migrate:up\n-- Logins compare lower(email): without this index each login scans users.\nDROP TABLE IF EXISTS legacy_sessions;\nCREATE INDEX users_email_lower_idx ON users (lower(emial));\n\n-- migrate:down\nDROP INDEX users_email_lower_idx;\n',
};

/** Lint of `files` as `up` lints them, with the tables at `rows` rows. */
async function lint(files: string[], rows: number, failOn: LintReport['failOn'] = 'error'): Promise<LintReport> {
  const judged = await lintPlan(
    files.map((displayPath) => ({ displayPath, content: SQL[displayPath]! })),
    { runner: 'db-migrate', large: DEFAULT_LARGE_TABLE, facts: async (t) => ({ serverMajor: 16, sizes: new Map(t.map((x) => [x, { rows, bytes: rows * 180 }])) }) },
  );
  const { failing, downOnly } = judgeGate(judged.findings, failOn, 'up');
  return { scope: 'pending', gate: 'up', failOn, disabled: [], files: files.length, findings: judged.findings, failing, downOnly, failed: failing > 0, pgVersion: 16, databaseAware: true };
}

/** The failing migration's error, as the engine raises it and the action records it. */
function emailIndexError() {
  return errorOf(
    new SqlMigrationError(
      {
        file: FILES.email,
        version: V.email,
        direction: 'up',
        line: 4,
        column: 44,
        sqlstate: '42703',
        serverMessage: 'column "emial" does not exist',
        serverHint: 'Perhaps you meant to reference the column "users.email".',
        statement: 'CREATE INDEX users_email_lower_idx ON users (lower(emial));',
        transactional: true,
      },
      { hint: 'fix the statement, then run up again: nothing of this migration was applied' },
    ),
  );
}

/** The server's own words of {@link emailIndexError}: what must appear exactly once on a page. */
export const EMAIL_ERROR_TEXT = 'column "emial" does not exist';

const BACKUP_PATH = '/home/runner/work/_temp/db-backups/production-shop-20261121T080512Z-v20261120093000.dump';

/** Earlier runs of production with long errors, and this run on top (its error as the history recorded it). */
function recentRuns(thisRun: ActionRun): RunSummary[] {
  const at = (iso: string) => new Date(iso);
  const run = (over: Partial<RunSummary> & Pick<RunSummary, 'key' | 'startedAt' | 'outcome'>): RunSummary => ({
    environment: 'production',
    finishedAt: new Date(over.startedAt.getTime() + (over.durationMs ?? 4_000)),
    durationMs: 4_000,
    kind: 'up',
    applied: [],
    rolledBack: [],
    failedVersion: null,
    error: null,
    sqlstate: null,
    actor: 'release-bot',
    gitSha: '9f3c2a1b7e0d4c5a6b7e8f9a0b1c2d3e4f5a6b7c',
    runUrl: 'https://github.com/acme/shop/actions/runs/7100001',
    ...over,
  });
  return [
    run({
      key: 'this',
      startedAt: at('2026-11-21T08:05:00Z'),
      durationMs: thisRun.durationMs,
      outcome: 'failed',
      applied: [V.status, V.backfill],
      rolledBack: [V.backfill],
      failedVersion: V.email,
      error: thisRun.error!.message,
      sqlstate: '42703',
      actor: 'octocat',
      runUrl: 'https://github.com/acme/shop/actions/runs/7100042',
    }),
    run({
      key: 'b',
      startedAt: at('2026-11-20T16:40:00Z'),
      outcome: 'failed',
      failedVersion: V.status,
      sqlstate: '55P03',
      error:
        `${FILES.status}:2:1: applying version ${V.status} failed: canceling statement due to lock timeout (SQLSTATE 55P03)\n` +
        '  detail: process 48213 waits for AccessExclusiveLock on relation 16421 of database 16384; blocked by process 47102 (autovacuum: VACUUM ANALYZE public.orders (to prevent wraparound))',
    }),
    run({
      key: 'c',
      startedAt: at('2026-11-19T10:00:00Z'),
      outcome: 'rolled-back',
      applied: ['20261118120000'],
      rolledBack: ['20261118120000'],
      error:
        'health check failed after migrating: url: GET https://shop-internal.eu-west-1.example.com/api/v2/health/readiness?include=db,cache,search,payments&verbose=true: no 2xx after 5 attempt(s) 5 s apart; last: 503 Service Unavailable',
    }),
    run({ key: 'd', startedAt: at('2026-11-18T09:00:00Z'), outcome: 'success', applied: ['20261117090000', '20261117093000', '20261118080000'] }),
  ];
}

/**
 * `up` on production: two migrations applied, the third fails (a typo in a column name); the
 * automatic rollback undoes the second and stops at the first, whose down section is empty. A
 * backup was taken first; lint found warnings below lint-fail-on.
 */
export async function failedProductionRun(): Promise<ActionRun> {
  const error = emailIndexError();
  const restoreDatabase = 'shop_restore_20261121080512';
  const run = actionRun({
    status: 'failed',
    environment: 'production',
    target: TARGET,
    urlSource: 'PRODUCTION_DATABASE_URL',
    durationMs: 48_250,
    rows: [
      { version: V.status, file: FILES.status, status: 'applied', durationMs: 1_840, transaction: true },
      { version: V.backfill, file: FILES.backfill, status: 'applied', durationMs: 31_200, transaction: true },
      { version: V.email, file: FILES.email, status: 'failed', durationMs: 12, transaction: true },
      { version: V.backfill, file: FILES.backfill, status: 'rolled-back', durationMs: 40 },
    ],
    applied: [V.status, V.backfill],
    rolledBack: [V.backfill],
    pending: [V.backfill, V.email],
    currentVersion: V.status,
    error,
    rollback: {
      reason: `migration ${V.email} failed`,
      requested: [V.backfill, V.status],
      rolledBack: [V.backfill],
      remaining: [V.status],
      stoppedAt: { version: V.status, file: FILES.status, reason: 'no-down' },
    },
    backup: {
      outcome: 'taken',
      reason: 'backup: auto, environment production',
      pgDump: '/usr/lib/postgresql/16/bin/pg_dump',
      pgDumpVersion: '16.6',
      serverVersion: '16.4',
      dir: '/home/runner/work/_temp/db-backups',
      path: BACKUP_PATH,
      bytes: 734_003_200,
      sha256: '3f9a'.repeat(16),
      durationMs: 95_000,
      entries: 412,
      restoreDatabase,
      restoreCommand: restoreCommand(target, BACKUP_PATH, restoreDatabase),
    },
    backupPath: BACKUP_PATH,
    lint: await lint([FILES.status, FILES.backfill, FILES.email], 1_800),
    issue: { action: 'created', number: 128, url: 'https://github.com/acme/shop/issues/128', issueUrl: 'https://github.com/acme/shop/issues/128' },
    issueUrl: 'https://github.com/acme/shop/issues/128',
    // Neither repeats a section: the rollback's state and the issue link have their own places.
    warnings: ['the schema dump after the rollback failed: pg_dump: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed'],
    notes: ['Applied versions with no file (ignored, as dbmate does): 20250101000000'],
    run: { actor: 'octocat', sha: 'fedcba9876543210fedcba9876543210fedcba98', runId: '7100042', runUrl: 'https://github.com/acme/shop/actions/runs/7100042', repository: 'acme/shop' },
  });
  run.recentRuns = recentRuns(run);
  return run;
}

/** A readiness URL longer than a table cell: what a health check's detail quotes. */
export const HEALTH_URL = 'https://shop-internal.eu-west-1.example.com/api/v2/health/readiness?include=db,cache,search,payments&verbose=true';

/**
 * `up` on staging: both migrations applied, then the URL health check failed, and the automatic
 * rollback undid both (no backup: staging).
 */
export async function rolledBackRun(): Promise<ActionRun> {
  const detail = `GET ${HEALTH_URL}: no 2xx after 5 attempt(s) 5000 ms apart; last: 503 Service Unavailable`;
  const run = actionRun({
    status: 'rolled-back',
    environment: 'staging',
    target: { ...TARGET, host: 'db-staging.cluster-c9akciq32xyz.eu-west-1.rds.amazonaws.com' },
    urlSource: 'STAGING_DATABASE_URL',
    durationMs: 61_400,
    rows: [
      { version: V.status, file: FILES.status, status: 'applied', durationMs: 1_100, transaction: true },
      { version: V.backfill, file: FILES.backfill, status: 'applied', durationMs: 9_800, transaction: true },
      { version: V.backfill, file: FILES.backfill, status: 'rolled-back', durationMs: 35 },
      { version: V.status, file: FILES.status, status: 'rolled-back', durationMs: 20 },
    ],
    applied: [V.status, V.backfill],
    rolledBack: [V.backfill, V.status],
    pending: [V.status, V.backfill],
    currentVersion: '20261118080000',
    error: errorOf(new ActionError('HEALTH_CHECK_FAILED', `health check failed after migrating: url: ${detail}`)),
    health: {
      ok: false,
      durationMs: 25_300,
      checks: [
        { name: 'sql', ok: true, detail: 'SELECT count(*) > 0 FROM orders WHERE fulfilment_status IS NOT NULL: succeeded (first column: true)', durationMs: 14 },
        { name: 'invalid-indexes', ok: true, detail: 'no INVALID index', durationMs: 6 },
        { name: 'url', ok: false, detail, durationMs: 25_200, attempts: 5 },
      ],
    },
    rollback: { reason: 'health check failed: url', requested: [V.backfill, V.status], rolledBack: [V.backfill, V.status], remaining: [] },
    backup: { outcome: 'not-taken', reason: 'backup: auto takes one in production only, not in staging' },
    lint: await lint([FILES.status, FILES.backfill], 1_800),
    run: { actor: 'octocat', sha: 'fedcba9876543210fedcba9876543210fedcba98', runId: '7100043', runUrl: 'https://github.com/acme/shop/actions/runs/7100043', repository: 'acme/shop' },
  });
  run.recentRuns = [
    {
      key: 'this',
      environment: 'staging',
      startedAt: new Date('2026-11-21T07:40:00Z'),
      finishedAt: new Date('2026-11-21T07:41:01Z'),
      durationMs: 61_400,
      kind: 'up',
      outcome: 'rolled-back',
      applied: [V.status, V.backfill],
      rolledBack: [V.backfill, V.status],
      failedVersion: null,
      error: run.error!.message,
      sqlstate: null,
      actor: 'octocat',
      gitSha: 'fedcba9876543210fedcba9876543210fedcba98',
      runUrl: 'https://github.com/acme/shop/actions/runs/7100043',
    },
  ];
  return run;
}

/** A dry run of `up` on production: the plan with the exact SQL (one very long line), lint warnings, the backup it would take. */
export async function dryRun(): Promise<ActionRun> {
  const files = [FILES.status, FILES.backfill, FILES.email];
  return actionRun({
    status: 'dry-run',
    dryRun: true,
    environment: 'production',
    target: TARGET,
    urlSource: 'PRODUCTION_DATABASE_URL',
    durationMs: 812,
    rows: files.map((file, i) => ({ version: Object.values(V)[i]!, file, status: 'would-apply', transaction: true, sql: SQL[file]!.split('-- migrate:down')[0]!.replace('-- migrate:up\n', '') })),
    pending: Object.values(V),
    currentVersion: '20261118080000',
    backup: {
      outcome: 'would-take',
      reason: 'backup: auto, environment production',
      pgDump: '/usr/lib/postgresql/16/bin/pg_dump',
      pgDumpVersion: '16.6',
      serverVersion: '16.4',
      dir: '/home/runner/work/_temp/db-backups',
    },
    lint: await lint(files, 1_800),
    notes: ['A backup would be taken before migrating (backup: auto, environment production) with pg_dump 16.6 for the PostgreSQL 16.4 server; this dry run took none.'],
  });
}

/** `up` on production that lint stopped before anything ran: `users` is large, so the plain CREATE INDEX is an error. */
export async function lintFailedRun(): Promise<ActionRun> {
  const files = [FILES.email];
  const report = await lint(files, 12_000_000);
  return actionRun({
    status: 'failed',
    environment: 'production',
    target: TARGET,
    urlSource: 'PRODUCTION_DATABASE_URL',
    durationMs: 640,
    rows: [{ version: V.email, file: FILES.email, status: 'pending' }],
    pending: [V.email],
    currentVersion: V.backfill,
    lint: report,
    error: errorOf(lintError(report, ', so nothing was applied')),
    notes: ['No migration was applied and no backup was taken: lint runs first and found problems at or above lint-fail-on.'],
  });
}

/** Settings of the run that produced `run`, for {@link issueFactsOf}. */
function settingsOf(run: ActionRun, over: Partial<ActionSettings> = {}): ActionSettings {
  return actionSettings(PROD_URL, '/home/runner/work/shop/shop', {
    environment: run.environment!,
    command: run.command ?? 'up',
    createIssueOnFailure: true,
    run: { actor: 'octocat', sha: 'fedcba9876543210fedcba9876543210fedcba98', runUrl: 'https://github.com/acme/shop/actions/runs/7100042', repository: 'acme/shop' },
    ...over,
  });
}

/** What the failure issue of `run` says, as the pipeline gathers it. */
export function issueFactsOf(run: ActionRun, over: Partial<ActionSettings> = {}): IssueFacts {
  return issueFacts(settingsOf(run, over), run);
}
