import { join } from 'node:path';
import pg from 'pg';
import type { ActionPorts, BackupPort, HealthPort, IssueClientFactory, MigratorPort, PipelineLog } from '../../src/action/ports.js';
import type { BeforeApplyInfo } from '../../src/engine/results.js';
import type { IssueClient, IssueClientOptions } from '../../src/github/issue-client.js';
import { BackupError, type PgDumpSelection } from '../../src/safety/backup.js';
import type { ServerVersion } from '../../src/engine/pg-tools.js';
import type { HealthOptions, HealthResult } from '../../src/safety/health.js';
import type { ActionSettings } from '../../src/action/settings.js';
import type { ActionRun } from '../../src/action/run-result.js';
import { parseDatabaseUrl } from '../../src/engine/url.js';

/** The annotations (`::error`/`::warning` workflow commands) a step printed, in order: what the runner shows on the run's page. */
export function annotations(stdout: string, kind: 'error' | 'warning'): string[] {
  return stdout.split('\n').filter((l) => l.startsWith(`::${kind}`));
}

/** A pipeline logger that keeps every line, so tests can assert on what the run said. */
export function recordingLog(): PipelineLog & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    debug: () => undefined,
    group: async (t, fn) => {
      lines.push(`group ${t}`);
      return fn();
    },
  };
}

/** Settings as getSettings() builds them for a staging `up` on `url`, with `over` on top. */
export function actionSettings(url: string, workspace: string, over: Partial<ActionSettings> = {}): ActionSettings {
  const target = parseDatabaseUrl(url);
  return {
    command: 'up',
    dryRun: false,
    environment: 'staging',
    environmentInput: 'staging',
    environmentPrefix: 'STAGING',
    target,
    urlSource: { kind: 'input', name: 'database-url' },
    migrationsDirs: ['db/migrations'],
    schemaFile: 'db/schema.sql',
    migrationsTable: 'schema_migrations',
    historyTable: 'schema_migrations_history',
    strict: false,
    backup: 'never',
    backupDir: join(workspace, 'db-backups'),
    lockTimeoutMs: 5000,
    statementTimeoutMs: 0,
    lockRetries: 0,
    lockWaitTimeoutMs: 5000,
    connectTimeoutMs: 10000,
    livenessTimeoutMs: 20000,
    healthCheckSql: 'SELECT 1',
    healthCheckRetries: 0,
    healthCheckIntervalMs: 10,
    rollbackOnFailure: true,
    createIssueOnFailure: false,
    githubToken: '',
    issueLabels: [],
    dumpSchema: false,
    driftCheck: false,
    workspace,
    run: {},
    secrets: target.password ? [target.password] : [],
    ...over,
  } as ActionSettings;
}

/** A finished run as the pipeline returns it: an `up` on staging that changed nothing, with `over` on top. */
export function actionRun(over: Partial<ActionRun> = {}): ActionRun {
  return {
    status: 'success',
    command: 'up',
    dryRun: false,
    environment: 'staging',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1234,
    rows: [],
    applied: [],
    rolledBack: [],
    pending: [],
    warnings: [],
    notes: [],
    toolVersion: '0.1.0',
    ...over,
  };
}

/** Health checks that record their options and answer as told (ok, no checks, by default). */
export function fakeHealth(result: Partial<HealthResult> = {}): HealthPort & { seen: HealthOptions[] } {
  const seen: HealthOptions[] = [];
  return {
    seen,
    invalidIndexes: async () => ['old_invalid_idx'],
    run: async (o) => (seen.push(o), { ok: true, checks: [], durationMs: 1, ...result }),
  };
}

/** Backups that record what was asked; `fail` makes pg_dump selection fail as on a too-new server. */
export function fakeBackup(opts: { fail?: boolean } = {}): BackupPort & { calls: string[] } {
  const calls: string[] = [];
  const sel: PgDumpSelection = { pgDump: '/usr/bin/pg_dump', pgRestore: '/usr/bin/pg_restore', version: [15, 18], source: 'search', considered: [] };
  const server: ServerVersion = { num: 150018, major: 15, minor: 18, text: '15.18' };
  return {
    calls,
    serverVersion: async () => (calls.push('serverVersion'), server),
    probeServerVersion: async () => (calls.push('probe'), server),
    select: async () => {
      calls.push('select');
      if (opts.fail) throw new BackupError('BACKUP_PG_DUMP_TOO_OLD', 'pg_dump 15.18 cannot back up a PostgreSQL 18.4 server: pg_dump must be version 18 or newer', { hint: 'install postgresql-client-18' });
      return sel;
    },
    take: async (_sel, current) => {
      calls.push(`take ${current ?? 'none'}`);
      return {
        path: `/tmp/b/production-app-x-v${current ?? 'none'}.dump`,
        bytes: 2048,
        sha256: 'ab'.repeat(32),
        durationMs: 12,
        entries: 7,
        restoreDatabase: 'app_restore_1',
        restoreCommand: 'createdb --maintenance-db=postgres://u@db.example.com/postgres --template=template0 app_restore_1 && pg_restore --no-owner --dbname=postgres://u@db.example.com/app_restore_1 /tmp/b/x.dump',
      };
    },
  };
}

/** An issue client that records calls; `open` is the issue already open, `fail` makes every call fail. */
export function fakeIssues(opts: { open?: number; fail?: boolean } = {}): { calls: { method: string; args: unknown[] }[]; factoryArgs: IssueClientOptions[]; factory: IssueClientFactory } {
  const calls: { method: string; args: unknown[] }[] = [];
  const factoryArgs: IssueClientOptions[] = [];
  const boom = () => Promise.reject(Object.assign(new Error('GitHub API answered 500: boom'), { name: 'GitHubApiError' }));
  const client: IssueClient = {
    findOpenIssue: async (labels) => (calls.push({ method: 'find', args: [labels] }), opts.fail ? boom() : opts.open ? { number: opts.open, url: `https://github.com/o/r/issues/${opts.open}` } : undefined),
    createIssue: async (i) => (calls.push({ method: 'create', args: [i] }), { number: 7, url: 'https://github.com/o/r/issues/7' }),
    comment: async (n, body) => (calls.push({ method: 'comment', args: [n, body] }), { id: 1, url: `https://github.com/o/r/issues/${n}#issuecomment-1` }),
    listComments: async (n) => (calls.push({ method: 'listComments', args: [n] }), []),
    updateComment: async (id, body) => (calls.push({ method: 'updateComment', args: [id, body] }), { id, url: `https://github.com/o/r/issues/1#issuecomment-${id}` }),
    deleteComment: async (id) => void calls.push({ method: 'deleteComment', args: [id] }),
    listReviewComments: async (n) => (calls.push({ method: 'listReviewComments', args: [n] }), []),
    createReview: async (n, review) => (calls.push({ method: 'createReview', args: [n, review] }), { id: 1, url: `https://github.com/o/r/pull/${n}#pullrequestreview-1` }),
    ensureLabels: async (labels) => (calls.push({ method: 'labels', args: [labels] }), []),
  };
  return { calls, factoryArgs, factory: (o) => (factoryArgs.push(o), client) };
}

/**
 * What the engine tells a `beforeApply` hook, as a fake migrator passes it. The connection is a
 * real, never-connected client: the fakes that receive it never query it.
 */
export function beforeApplyInfo(command: 'up' | 'rollback', currentVersion?: string, tableFacts: BeforeApplyInfo['tableFacts'] = fakeTableFacts(18)): BeforeApplyInfo {
  return { command, conn: new pg.Client(), databaseCreated: false, tableFacts, ...(currentVersion !== undefined ? { currentVersion } : {}) };
}

/**
 * Ports whose every seam fails loudly when used, with `over` replacing the ones a test means to
 * exercise: a step that reaches a system the test did not plan for fails the test instead of
 * touching it.
 */
/** A fake migrator's `holdLock`: the scope runs as is (what it guards is the real engine's business, tested on PostgreSQL). */
export const inlineHoldLock: MigratorPort['holdLock'] = async (_opts, fn) => fn();

/**
 * A fake migrator's `tableFacts`: by default an unknown server (major 0) where no table is found,
 * so lint judges as offline; with `sizes`, those tables exist with those sizes (`calls` records
 * each request).
 */
export function fakeTableFacts(serverMajor = 0, sizes: Record<string, { rows: number; bytes: number }> = {}): MigratorPort['tableFacts'] & { calls: string[][] } {
  const calls: string[][] = [];
  const fn = async (tables: readonly string[]) => {
    calls.push([...tables]);
    return { serverMajor, sizes: new Map(Object.entries(sizes).filter(([t]) => tables.includes(t))) };
  };
  return Object.assign(fn, { calls });
}

export function fakePorts(over: Partial<ActionPorts> = {}): ActionPorts {
  const unexpected = (what: string) => () => {
    throw new Error(`unexpected call of the ${what} port`);
  };
  const never = unexpected('migrator');
  return {
    migrator: { up: never, rollback: never, status: never, plan: never, planRollback: never, rollbackVersions: never, holdLock: inlineHoldLock, tableFacts: fakeTableFacts() },
    health: { invalidIndexes: unexpected('health'), run: unexpected('health') },
    backup: { serverVersion: unexpected('backup'), probeServerVersion: unexpected('backup'), select: unexpected('backup'), take: unexpected('backup') },
    createIssueClient: unexpected('GitHub issue'),
    postWebhook: unexpected('webhook'),
    now: Date.now,
    ...over,
  };
}
