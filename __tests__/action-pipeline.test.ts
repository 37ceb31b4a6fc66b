import { describe, it, expect } from '@jest/globals';
import { runPipeline } from '../src/action/pipeline.js';
import { renderSummary } from '../src/action/summary.js';
import { type MigratorPort } from '../src/action/ports.js';
import type { ActionSettings } from '../src/action/settings.js';
import type { PlanResult, RollbackPlanResult, RunResult, StatusResult, VersionsRollbackResult } from '../src/engine/results.js';
import type { StepResult } from '../src/engine/runner.js';
import { parseDatabaseUrl } from '../src/engine/url.js';
import { MigrationError } from '../src/engine/errors.js';
import { project, migration } from './helpers/cli.js';
import { beforeApplyInfo, fakeBackup, fakeHealth, fakeIssues, fakeTableFacts, inlineHoldLock, recordingLog } from './helpers/action.js';

/** Settings as getSettings() would build them; the URL's password is a canary. */
function settings(over: Partial<ActionSettings> = {}): ActionSettings {
  return {
    command: 'up',
    dryRun: false,
    environment: 'staging',
    environmentInput: 'staging',
    environmentPrefix: 'STAGING',
    target: parseDatabaseUrl('postgres://u:s3cret-canary@db.example.com/app'),
    urlSource: { kind: 'env', name: 'STAGING_DATABASE_URL' },
    migrationsDirs: ['db/migrations'],
    schemaFile: 'db/schema.sql',
    migrationsTable: 'schema_migrations',
    historyTable: 'schema_migrations_history',
    strict: false,
    backup: 'auto',
    backupDir: '/tmp/db-backups',
    lockTimeoutMs: 5000,
    statementTimeoutMs: 0,
    lockRetries: 3,
    lockWaitTimeoutMs: 60000,
    connectTimeoutMs: 10000,
    livenessTimeoutMs: 20000,
    healthCheckSql: 'SELECT 1',
    healthCheckRetries: 5,
    healthCheckIntervalMs: 5000,
    rollbackOnFailure: true,
    createIssueOnFailure: true,
    githubToken: '',
    issueLabels: [],
    dumpSchema: false,
    driftCheck: false,
    workspace: process.cwd(),
    run: {},
    secrets: ['s3cret-canary'],
    ...over,
  };
}

const PLAN: PlanResult = {
  pending: [
    { version: '1', fileName: '1_a.sql', displayPath: 'db/migrations/1_a.sql', transaction: true, sql: '-- migrate:up\ncreate table a ();', checksum: 'x' },
    { version: '2', fileName: '2_b.sql', displayPath: 'db/migrations/2_b.sql', transaction: false, sql: '-- migrate:up transaction:false\nselect 1;', checksum: 'y' },
  ],
  applied: 0,
  orphans: [],
  edited: [],
  ledgerExists: false,
  databaseMissing: false,
};
const ROLLBACK_PLAN: RollbackPlanResult = { targets: [], applied: 0, pending: [], orphans: [], edited: [], ledgerExists: true, databaseMissing: false };
const STATUS: StatusResult = { entries: [], applied: 0, pending: 0, orphans: [], edited: [] };

/** A migrator that records which methods ran; `up`/`rollback` count as writes. */
function fakeMigrator(over: Partial<MigratorPort> = {}): MigratorPort & { calls: string[] } {
  const calls: string[] = [];
  const result = (command: 'up' | 'rollback'): RunResult => ({ command, steps: [], pending: [], pendingFiles: [], files: [], durationMs: 1 });
  return {
    calls,
    plan: async () => (calls.push('plan'), PLAN),
    planRollback: async () => (calls.push('planRollback'), ROLLBACK_PLAN),
    status: async () => (calls.push('status'), STATUS),
    up: async () => (calls.push('up'), result('up')),
    rollback: async () => (calls.push('rollback'), result('rollback')),
    rollbackVersions: async (versions) => (calls.push(`rollbackVersions ${versions.join(',')}`), { ...result('rollback'), command: 'rollback', requested: [...versions], notApplied: [], remaining: [] }),
    holdLock: inlineHoldLock,
    tableFacts: fakeTableFacts(),
    ...over,
  };
}

const ref = (v: string) => ({ version: v, fileName: `${v}_m.sql`, displayPath: `db/migrations/${v}_m.sql` });
function step(version: string, outcome: StepResult['outcome'], direction: 'up' | 'down' = 'up'): StepResult {
  return {
    version,
    fileName: `${version}_m.sql`,
    displayPath: `db/migrations/${version}_m.sql`,
    direction,
    outcome,
    transaction: true,
    durationMs: 2,
    attempts: 1,
    ...(outcome === 'failed' ? { error: new Error(`version ${version} failed`) } : {}),
  };
}

/** `up` applied 1 and 2 of files 1..3 (and 3 failed when `fail3`). */
function upResult(fail3: boolean): RunResult {
  return {
    command: 'up',
    steps: fail3 ? [step('1', 'applied'), step('2', 'applied'), step('3', 'failed')] : [step('1', 'applied'), step('2', 'applied'), step('3', 'applied')],
    ...(fail3 ? { error: new Error('version 3 failed') } : {}),
    pending: fail3 ? ['3'] : [],
    pendingFiles: fail3 ? [ref('3')] : [],
    files: [ref('1'), ref('2'), ref('3')],
    currentVersion: fail3 ? '2' : '3',
    durationMs: 5,
  };
}

function rolledBack(versions: readonly string[], over: Partial<VersionsRollbackResult> = {}): VersionsRollbackResult {
  const undone = [...versions].reverse();
  return {
    command: 'rollback',
    steps: undone.map((v) => step(v, 'rolled-back', 'down')),
    pending: ['1', '2', '3'],
    pendingFiles: [ref('1'), ref('2'), ref('3')],
    files: [ref('1'), ref('2'), ref('3')],
    durationMs: 3,
    requested: undone,
    notApplied: [],
    remaining: [],
    ...over,
  };
}

describe('pipeline: health checks and automatic rollback (fakes)', () => {
  it('a failed migration rolls back what this run applied, newest first, and says so', async () => {
    const m = fakeMigrator({ up: async () => upResult(true) });
    let asked: readonly string[] = [];
    m.rollbackVersions = async (v, o) => ((asked = v), expect(o?.reason).toBe('migration 3 failed'), rolledBack(v));
    const health = fakeHealth();
    const run = await runPipeline(settings(), { migrator: m, log: recordingLog(), health });
    expect(asked).toEqual(['1', '2']);
    expect(health.seen).toEqual([]); // no health checks after a failed migration
    expect(run.status).toBe('rolled-back');
    expect(run.applied).toEqual(['1', '2']);
    expect(run.rolledBack).toEqual(['2', '1']);
    expect(run.rollback).toEqual({ reason: 'migration 3 failed', requested: ['2', '1'], rolledBack: ['2', '1'], remaining: [] });
    expect(run.error?.message).toBe('version 3 failed');
    expect(run.rows.map((r) => `${r.version}:${r.status}`)).toEqual(['1:applied', '2:applied', '3:failed', '2:rolled-back', '1:rolled-back']);
    expect(run.warnings.join('\n')).not.toMatch(/rollback-on-failure is not implemented|health checks are not implemented/);
  });

  it('health checks run after a successful up with the settings, a baseline of INVALID indexes and every file expected', async () => {
    const health = fakeHealth();
    const run = await runPipeline(settings({ healthCheckUrl: 'http://app.internal/health', healthCheckRetries: 2, healthCheckIntervalMs: 10 }), {
      migrator: fakeMigrator({ up: async () => upResult(false) }),
      log: recordingLog(),
      health,
    });
    expect(run.status).toBe('success');
    expect(health.seen).toEqual([
      {
        sql: 'SELECT 1',
        url: 'http://app.internal/health',
        retries: 2,
        intervalMs: 10,
        invalidIndexesBefore: ['old_invalid_idx'],
        expectedApplied: ['1', '2', '3'],
        migrationsTable: 'schema_migrations',
        secrets: ['s3cret-canary'],
      },
    ]);
    // With steps, only this run's migrations are expected; an empty health-check-sql runs no SQL check.
    const h2 = fakeHealth();
    await runPipeline(settings({ steps: 3, healthCheckSql: '' }), { migrator: fakeMigrator({ up: async () => upResult(false) }), log: recordingLog(), health: h2 });
    expect(h2.seen[0].expectedApplied).toEqual(['1', '2', '3']);
    expect(h2.seen[0].sql).toBeUndefined();
  });

  it('nothing applied: no health checks, no rollback', async () => {
    const health = fakeHealth({ ok: false });
    const m = fakeMigrator();
    const run = await runPipeline(settings(), { migrator: m, log: recordingLog(), health });
    expect(run.status).toBe('nothing-to-do');
    expect(health.seen).toEqual([]);
    expect(m.calls).toEqual(['up']);
  });

  it('a failed health check rolls everything back; with rollback-on-failure false it stays applied and says what remains', async () => {
    const failing = { ok: false, checks: [{ name: 'sql' as const, ok: false, detail: 'select false: returned false in its first column, expected true', durationMs: 1 }] };
    const m = fakeMigrator({ up: async () => upResult(false) });
    const run = await runPipeline(settings(), { migrator: m, log: recordingLog(), health: fakeHealth(failing) });
    expect(m.calls).toEqual(['rollbackVersions 1,2,3']); // `up` is the override, which does not record
    expect(run.status).toBe('rolled-back');
    expect(run.error).toMatchObject({ code: 'HEALTH_CHECK_FAILED', message: 'health check failed after migrating: sql: select false: returned false in its first column, expected true' });
    expect(run.rollback?.reason).toBe('health check failed: sql');
    expect(run.health).toMatchObject(failing);

    const keep = fakeMigrator({ up: async () => upResult(false) });
    const kept = await runPipeline(settings({ rollbackOnFailure: false }), { migrator: keep, log: recordingLog(), health: fakeHealth(failing) });
    expect(keep.calls).toEqual([]); // no rollbackVersions
    expect(kept.status).toBe('failed');
    expect(kept.rollback).toBeUndefined();
    expect(kept.warnings).toContain('rollback-on-failure is false: the 3 migration(s) this run applied remain applied: 3, 2, 1');
  });

  it('a rollback that stops early is a failed run that names what remains applied', async () => {
    const m = fakeMigrator({ up: async () => upResult(true) });
    m.rollbackVersions = async (v) =>
      rolledBack(['2'], {
        requested: [...v].reverse(),
        remaining: [ref('1')],
        stoppedAt: { version: '1', displayPath: 'db/migrations/1_m.sql', reason: 'no-down' },
        error: Object.assign(new Error('cannot roll back db/migrations/1_m.sql: its down section is empty, so the rollback stopped here'), { code: 'ROLLBACK_NO_DOWN' }),
        pending: ['2', '3'],
        currentVersion: '1',
      });
    const log = recordingLog();
    const run = await runPipeline(settings(), { migrator: m, log, health: fakeHealth() });
    expect(run.status).toBe('failed');
    expect(run.rollback).toMatchObject({ rolledBack: ['2'], remaining: ['1'], stoppedAt: { version: '1', file: 'db/migrations/1_m.sql', reason: 'no-down' } });
    expect(run.currentVersion).toBe('1');
    expect(run.pending).toEqual(['2', '3']);
    // Warned in the log; the summary's rollback section says it, not its warnings list as well.
    expect(log.lines.some((w) => w.includes('the automatic rollback stopped: cannot roll back db/migrations/1_m.sql') && w.endsWith('still applied from this run: 1'))).toBe(true);
    expect(run.warnings.join('\n')).not.toContain('still applied from this run');
    expect(renderSummary(run).match(/still applied/gi)).toHaveLength(2);
  });

  it('a rollback that cannot start keeps the original error and reports everything as still applied', async () => {
    const m = fakeMigrator({
      up: async () => upResult(true),
      rollbackVersions: async () => {
        throw new Error('cannot connect to postgres://u:s3cret-canary@db.example.com/app: refused');
      },
    });
    const run = await runPipeline(settings(), { migrator: m, log: recordingLog(), health: fakeHealth() });
    expect(run.status).toBe('failed');
    expect(run.error?.message).toBe('version 3 failed');
    expect(run.rollback).toMatchObject({ requested: ['2', '1'], rolledBack: [], remaining: ['2', '1'] });
    expect(JSON.stringify(run)).not.toContain('s3cret-canary');
  });

  it('dry-run rollback shows the engine plan, and warns about empty down sections', async () => {
    const m = fakeMigrator({
      planRollback: async () => ({
        ...ROLLBACK_PLAN,
        targets: [{ version: '2', fileName: '2_b.sql', displayPath: 'db/migrations/2_b.sql', transaction: true, sql: '-- migrate:down\n', checksum: 'y', empty: true }],
        pending: [ref('3')],
        currentVersion: '2',
      }),
    });
    const run = await runPipeline(settings({ command: 'rollback', dryRun: true }), { migrator: m, log: recordingLog() });
    expect(m.calls).toEqual([]); // only the override ran: nothing that writes
    expect(run.rows).toEqual([{ version: '2', file: 'db/migrations/2_b.sql', status: 'would-roll-back', transaction: true, sql: '-- migrate:down\n' }]);
    expect(run.pending).toEqual(['3']);
    expect(run.warnings).toEqual(['db/migrations/2_b.sql has an empty down section: rollback would only delete its ledger row and leave its changes in place']);
  });

  it('dry-run up on a missing database shows every migration and what up would do', async () => {
    const m = fakeMigrator({ plan: async () => ({ ...PLAN, databaseMissing: true }) });
    const run = await runPipeline(settings({ dryRun: true }), { migrator: m, log: recordingLog() });
    expect(run.status).toBe('dry-run');
    expect(run.rows.map((r) => r.status)).toEqual(['would-apply', 'would-apply']);
    expect(run.notes).toContain('Database app does not exist: `up` would create it, then apply every migration.');
    const prod = await runPipeline(settings({ dryRun: true, environment: 'production', backup: 'never' }), { migrator: m, log: recordingLog() });
    // The dry run fails as up would: a green check would say the opposite; the reason is said once.
    expect(prod.status).toBe('failed');
    expect(prod.error).toMatchObject({ code: 'DRY_RUN_WOULD_FAIL', message: 'database app does not exist: up would fail (the action never creates a production database)' });
    expect(prod.warnings).toEqual([]);
    expect(prod.rows.map((r) => r.status)).toEqual(['would-apply', 'would-apply']);
  });
});

describe('a missing production database', () => {
  it('says what is true for the action (it never creates one), not the CLI\'s `db-migrate-action create`', async () => {
    const missing = () => {
      throw new MigrationError('DATABASE_MISSING', 'database "app" does not exist (3D000)', {
        hint: 'create it first (`db-migrate-action create`, or `db-migrate-action up`, which creates a missing database)',
      });
    };
    const m = fakeMigrator({ holdLock: async () => missing(), status: async () => missing() });
    const hint =
      "the action creates a missing database only for `command: up` outside production, never in production: create the database, or point `database-url` (or the environment's `<ENV>_DATABASE_URL`) at the right one";
    for (const command of ['up', 'status'] as const) {
      const run = await runPipeline(settings({ command, environment: 'production', backup: 'never' }), { migrator: m, log: recordingLog() });
      expect([command, run.status, run.error]).toEqual([
        command,
        'failed',
        { code: 'DATABASE_MISSING', message: 'database "app" does not exist (3D000)', details: `database "app" does not exist (3D000)\n  hint: ${hint}`, hint },
      ]);
    }
  });
});

describe('pipeline', () => {
  it.each(['up', 'rollback', 'status', 'plan'] as const)('dry-run with %s never calls a method that writes', async (command) => {
    const m = fakeMigrator();
    const run = await runPipeline(settings({ command, dryRun: true }), { migrator: m, log: recordingLog() });
    // The fake has nothing applied, so a real rollback would fail, and so does its dry run.
    expect(run.status).toBe(command === 'rollback' ? 'failed' : 'dry-run');
    if (command === 'rollback') expect(run.error).toMatchObject({ code: 'DRY_RUN_WOULD_FAIL', message: 'rollback would fail: no migrations have been applied' });
    expect(m.calls.filter((c) => c === 'up' || c === 'rollback')).toEqual([]);
  });

  it('plan honours steps: the first N would apply, the rest stay pending', async () => {
    const run = await runPipeline(settings({ command: 'plan', steps: 1 }), { migrator: fakeMigrator(), log: recordingLog() });
    expect(run.rows.map((r) => [r.version, r.status, r.sql !== undefined])).toEqual([
      ['1', 'would-apply', true],
      ['2', 'pending', false],
    ]);
    expect(run.pending).toEqual(['1', '2']);
  });

  it('lint and verify fail before the migrator is used', async () => {
    const m = fakeMigrator();
    const run = await runPipeline(settings({ command: 'lint' }), { migrator: m, log: recordingLog() });
    // lint needs no database: it lints the files and never uses the migrator.
    expect(run.lint?.scope).toBe('all');
    expect(m.calls).toEqual([]);
  });

  it('production backup: the engine gets a hook; staging (auto) and never do not pass one', async () => {
    const seen: (string | undefined)[] = [];
    const m = fakeMigrator({ up: async (o) => (seen.push(o?.beforeApply ? 'hook' : undefined), { command: 'up', steps: [], pending: [], pendingFiles: [], files: [], durationMs: 1 }) });
    const prod = await runPipeline(settings({ environment: 'production' }), { migrator: m, log: recordingLog(), health: fakeHealth(), backup: fakeBackup() });
    const staging = await runPipeline(settings(), { migrator: m, log: recordingLog(), health: fakeHealth(), backup: fakeBackup() });
    const never = await runPipeline(settings({ environment: 'production', backup: 'never' }), { migrator: m, log: recordingLog(), health: fakeHealth(), backup: fakeBackup() });
    // Every up gets a hook now: lint in preflight runs in it (before the backup, when there is one).
    expect(seen).toEqual(['hook', 'hook', 'hook']);
    // The fake applied nothing, so the hook never ran: no backup, and the reason says why.
    expect(prod.backup).toEqual({ outcome: 'not-taken', reason: 'nothing to apply (backup: auto, environment production)' });
    expect(staging.backup).toEqual({ outcome: 'not-taken', reason: 'backup: auto takes one in production only, not in staging' });
    expect(never.backup).toEqual({ outcome: 'not-taken', reason: 'backup: never' });
    for (const r of [prod, staging, never]) {
      expect(r.warnings).toEqual([]);
      expect(r.backupPath).toBeUndefined();
    }
  });
  it('an unexpected engine error becomes a failed run, with secrets masked everywhere', async () => {
    const m = fakeMigrator({
      up: async () => {
        throw new Error('could not connect to postgres://u:s3cret-canary@db.example.com/app: boom (password=s3cret-canary)');
      },
    });
    const run = await runPipeline(settings(), { migrator: m, log: recordingLog(), health: fakeHealth() });
    expect(run.status).toBe('failed');
    expect(JSON.stringify(run)).not.toContain('s3cret-canary');
    expect(run.error?.message).toContain('postgres://u:********@db.example.com/app');
  });
});

/** A migrator whose `up` calls the backup hook like the engine (pending 1..3), then applies per `fail3`. */
function hookedMigrator(fail3: boolean): MigratorPort & { calls: string[] } {
  const m = fakeMigrator({
    up: async (o) => {
      m.calls.push('up');
      await o?.beforeApply?.([ref('1'), ref('2'), ref('3')], beforeApplyInfo('up', '0'));
      m.calls.push('apply');
      return upResult(fail3);
    },
    rollback: async (o) => {
      m.calls.push('rollback');
      await o?.beforeApply?.([ref('3')], beforeApplyInfo('rollback', '3'));
      m.calls.push('apply-down');
      return { command: 'rollback', steps: [step('3', 'rolled-back', 'down')], pending: ['3'], pendingFiles: [ref('3')], files: [ref('1'), ref('2'), ref('3')], currentVersion: '2', durationMs: 1 };
    },
  });
  return m;
}

const GITHUB_RUN = { actor: 'octocat', sha: 'abc123', runId: '42', runUrl: 'https://github.com/o/r/actions/runs/42', repository: 'o/r' };

describe('pipeline: backup before migrating (fakes)', () => {
  it('production up: backs up inside the engine hook, before the first migration, and reports it', async () => {
    const m = hookedMigrator(false);
    const b = fakeBackup();
    const log = recordingLog();
    const run = await runPipeline(settings({ environment: 'production', createIssueOnFailure: false }), { migrator: m, log, health: fakeHealth(), backup: b });
    expect(m.calls).toEqual(['up', 'apply']);
    expect(b.calls).toEqual(['serverVersion', 'select', 'take 0']);
    expect(run.status).toBe('success');
    expect(run.backupPath).toBe('/tmp/b/production-app-x-v0.dump');
    expect(run.backup).toMatchObject({ outcome: 'taken', reason: 'backup: auto, environment production', pgDumpVersion: '15.18', serverVersion: '15.18', bytes: 2048, entries: 7 });
    expect(log.lines).toContain('group Backup and apply');
    expect(log.lines.some((l) => l.startsWith('info To restore it into a new database (never done automatically): createdb '))).toBe(true);
  });

  it('a backup that cannot be taken fails the run with nothing applied, naming both versions', async () => {
    const m = hookedMigrator(false);
    const issues = fakeIssues();
    const run = await runPipeline(settings({ environment: 'production', githubToken: 'ghs_x', run: GITHUB_RUN }), {
      migrator: m,
      log: recordingLog(),
      health: fakeHealth(),
      backup: fakeBackup({ fail: true }),
      createIssueClient: issues.factory,
    });
    expect(m.calls).toEqual(['up']); // never reached 'apply'
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'BACKUP_PG_DUMP_TOO_OLD', hint: 'install postgresql-client-18' });
    expect(run.error?.message).toBe(
      'backup before migrating failed, so nothing was applied: pg_dump 15.18 cannot back up a PostgreSQL 18.4 server: pg_dump must be version 18 or newer',
    );
    expect(run.applied).toEqual([]);
    expect(run.rows.map((r) => `${r.version}:${r.status}`)).toEqual(['1:pending', '2:pending', '3:pending']);
    expect(run.backup).toMatchObject({ outcome: 'failed', serverVersion: '15.18' });
    expect(run.backupPath).toBeUndefined();
    expect(run.notes.join('\n')).toContain('No migration was applied: the backup must succeed first (backup: auto, environment production)');
    // A failed backup pages too: it blocks the deploy.
    expect(issues.calls.map((c) => c.method)).toEqual(['find', 'labels', 'create']);
    const body = (issues.calls[2].args[0] as { body: string }).body;
    expect(body).toContain('No migration of this run was applied; the database is at version `0`.');
    expect(body).toContain('`backup before migrating failed, so nothing was applied: pg_dump 15.18 cannot back up a PostgreSQL 18.4 server: pg_dump must be version 18 or newer`');
    expect(body).not.toContain('### Rollback');
  });

  it('rollback in production backs up before rolling back', async () => {
    const m = hookedMigrator(false);
    const b = fakeBackup();
    const run = await runPipeline(settings({ command: 'rollback', environment: 'production' }), { migrator: m, log: recordingLog(), backup: b });
    expect(m.calls).toEqual(['rollback', 'apply-down']);
    expect(b.calls).toEqual(['serverVersion', 'select', 'take 3']);
    expect(run.backup?.outcome).toBe('taken');
    expect(run.rolledBack).toEqual(['3']);
  });

  it('dry run: says a backup would be taken and with which pg_dump, and takes none', async () => {
    const b = fakeBackup();
    const run = await runPipeline(settings({ environment: 'production', dryRun: true }), { migrator: fakeMigrator(), log: recordingLog(), backup: b });
    expect(b.calls).toEqual(['probe', 'select']);
    expect(run.backup).toEqual({ outcome: 'would-take', reason: 'backup: auto, environment production', pgDump: '/usr/bin/pg_dump', pgDumpVersion: '15.18', serverVersion: '15.18', dir: '/tmp/db-backups' });
    expect(run.notes).toContain(
      'A backup would be taken before migrating (backup: auto, environment production) with pg_dump 15.18 (/usr/bin/pg_dump) for the PostgreSQL 15.18 server, into /tmp/db-backups; this dry run took none.',
    );
    const bad = await runPipeline(settings({ environment: 'production', dryRun: true }), { migrator: fakeMigrator(), log: recordingLog(), backup: fakeBackup({ fail: true }) });
    expect(bad.status).toBe('failed');
    expect(bad.backup?.outcome).toBe('would-fail');
    expect(bad.error?.code).toBe('DRY_RUN_WOULD_FAIL');
    expect(bad.error?.message).toMatch(/^up would fail before migrating, with nothing applied: the backup \(backup: auto, environment production\) could not be taken: pg_dump 15\.18 cannot back up a PostgreSQL 18\.4 server/);
    const staging = await runPipeline(settings({ dryRun: true }), { migrator: fakeMigrator(), log: recordingLog(), backup: b });
    expect(staging.notes).toContain('No backup would be taken (backup: auto takes one in production only, not in staging).');
    expect(b.calls).toEqual(['probe', 'select']); // staging probed nothing
  });
});

describe('pipeline: failure issue (fakes)', () => {
  const prod = (over: Partial<ActionSettings> = {}) => settings({ environment: 'production', githubToken: 'ghs_tok', issueLabels: ['db-migration', 'incident'], run: GITHUB_RUN, ...over });

  it('a failed, rolled-back production run opens one issue with everything, and sets issue-url', async () => {
    const issues = fakeIssues();
    const m = fakeMigrator({ up: async () => upResult(true), rollbackVersions: async () => rolledBack(['1', '2']) });
    const run = await runPipeline(prod({ apiUrl: 'http://127.0.0.1:1/api' }), { migrator: m, log: recordingLog(), health: fakeHealth(), backup: fakeBackup(), createIssueClient: issues.factory });
    expect(run.status).toBe('rolled-back');
    expect(issues.factoryArgs).toEqual([expect.objectContaining({ token: 'ghs_tok', owner: 'o', repo: 'r', apiUrl: 'http://127.0.0.1:1/api' })]);
    expect(issues.calls.map((c) => c.method)).toEqual(['find', 'labels', 'create']);
    const created = issues.calls[2].args[0] as { title: string; body: string; labels: string[] };
    expect(created.title).toBe('Database migration failed: production');
    expect(created.labels).toEqual(['db-migration', 'incident', 'env:production']);
    expect(created.body).toContain('https://github.com/o/r/actions/runs/42');
    expect(created.body).toContain('**Rolled back (newest first):** `2`, `1`');
    expect(created.body).not.toContain('s3cret-canary');
    expect(run.issueUrl).toBe('https://github.com/o/r/issues/7');
    expect(run.issue).toEqual({ action: 'created', number: 7, url: 'https://github.com/o/r/issues/7', issueUrl: 'https://github.com/o/r/issues/7' });
  });

  it('comments on the open issue instead of opening another', async () => {
    const issues = fakeIssues({ open: 3 });
    const m = fakeMigrator({ up: async () => upResult(true), rollbackVersions: async () => rolledBack(['1', '2']) });
    const run = await runPipeline(prod(), { migrator: m, log: recordingLog(), health: fakeHealth(), backup: fakeBackup(), createIssueClient: issues.factory });
    expect(issues.calls.map((c) => c.method)).toEqual(['find', 'comment']);
    expect(run.issueUrl).toBe('https://github.com/o/r/issues/3#issuecomment-1');
  });

  it('an API failure is a warning and never changes the outcome', async () => {
    const issues = fakeIssues({ fail: true });
    const m = fakeMigrator({ up: async () => upResult(true), rollbackVersions: async () => rolledBack(['1', '2']) });
    const run = await runPipeline(prod(), { migrator: m, log: recordingLog(), health: fakeHealth(), backup: fakeBackup(), createIssueClient: issues.factory });
    expect(run.status).toBe('rolled-back');
    expect(run.issueUrl).toBeUndefined();
    expect(run.warnings.at(-1)).toMatch(/^No issue was opened for the failed migration: .*boom.*The migration's outcome is unchanged\.$/);
  });

  it('no token or no repository: a warning, no client built', async () => {
    const failing = () => fakeMigrator({ up: async () => upResult(true), rollbackVersions: async () => rolledBack(['1', '2']) });
    const issues = fakeIssues();
    const noToken = await runPipeline(prod({ githubToken: '' }), { migrator: failing(), log: recordingLog(), health: fakeHealth(), backup: fakeBackup(), createIssueClient: issues.factory });
    expect(noToken.warnings.at(-1)).toMatch(/^create-issue-on-failure: the github-token input is empty, so no issue was opened/);
    const noRepo = await runPipeline(prod({ run: { actor: 'octocat' } }), { migrator: failing(), log: recordingLog(), health: fakeHealth(), backup: fakeBackup(), createIssueClient: issues.factory });
    expect(noRepo.warnings.at(-1)).toMatch(/^create-issue-on-failure: GITHUB_REPOSITORY is not set/);
    expect(issues.factoryArgs).toEqual([]);
    expect(noToken.status).toBe('rolled-back');
  });

  it('no issue for success, dry runs, status, commands this version lacks, or when disabled', async () => {
    const issues = fakeIssues();
    const deps = () => ({ log: recordingLog(), health: fakeHealth(), backup: fakeBackup(), createIssueClient: issues.factory });
    await runPipeline(prod(), { migrator: fakeMigrator({ up: async () => upResult(false) }), ...deps() });
    await runPipeline(prod({ dryRun: true }), { migrator: fakeMigrator(), ...deps() });
    await runPipeline(prod({ command: 'status' }), { migrator: fakeMigrator({ status: async () => { throw new Error('unreachable'); } }), ...deps() });
    // A failed lint is not an incident: no issue (an index built on an existing table is an error).
    const bad = await project({ 'db/migrations/20240101000000_idx.sql': migration('create index accounts_email on accounts (email);', 'drop index if exists accounts_email;') });
    const lint = await runPipeline(prod({ command: 'lint', workspace: bad.dir }), { migrator: fakeMigrator(), ...deps() });
    expect(lint.status).toBe('failed');
    expect(lint.error?.code).toBe('LINT_FAILED');
    // Nor is an up that lint stopped before anything ran: the author fixes it, nobody is paged.
    const REFS = [{ version: '20240101000000', fileName: '20240101000000_idx.sql', displayPath: 'db/migrations/20240101000000_idx.sql' }];
    const gated = fakeMigrator({
      up: async (opts = {}) => {
        await opts.beforeApply?.(REFS, beforeApplyInfo('up'));
        return upResult(false);
      },
    });
    const up = await runPipeline(prod({ workspace: bad.dir }), { migrator: gated, ...deps() });
    await bad.cleanup();
    expect(up.status).toBe('failed');
    expect(up.error?.code).toBe('LINT_FAILED');
    expect(up.applied).toEqual([]);
    await runPipeline(prod({ createIssueOnFailure: false }), { migrator: fakeMigrator({ up: async () => upResult(true), rollbackVersions: async () => rolledBack(['1', '2']) }), ...deps() });
    expect(issues.factoryArgs).toEqual([]);
  });
});
