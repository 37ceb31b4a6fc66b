import { describe, it, expect, afterAll } from '@jest/globals';
import type { MigratorPort, PipelineLog } from '../src/action/ports.js';
import type { ActionSettings, LintSettings } from '../src/action/settings.js';
import type { PlanResult } from '../src/engine/results.js';
import { runPipeline, runLintCommand } from '../src/action/pipeline.js';
import { beforeApplyInfo, fakeBackup, fakeHealth, fakeTableFacts, inlineHoldLock } from './helpers/action.js';
import { project, migration } from './helpers/cli.js';
import { parseDatabaseUrl } from '../src/engine/url.js';

/**
 * The action's database-aware lint, wired: the tables the real rules' findings name are sized
 * through the migrator port (a fake that answers with given sizes), the server's major reaches
 * the rules, and a finding on a small table becomes `info`.
 */

const BOTH = 'CREATE INDEX a ON orders (x);\nCREATE INDEX b ON lookup (x);';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const REFS = [{ version: '2', fileName: '2_index.sql', displayPath: 'db/migrations/2_index.sql' }];
function migrator(tableFacts: MigratorPort['tableFacts']): MigratorPort & { calls: string[] } {
  const calls: string[] = [];
  const plan: PlanResult = { pending: REFS.map((r) => ({ ...r, transaction: true, sql: '', checksum: 'x' })), applied: 1, currentVersion: '1', orphans: [], edited: [], ledgerExists: true, databaseMissing: false };
  const never = async () => {
    throw new Error('not used');
  };
  return {
    calls,
    plan: async () => (calls.push('plan'), plan),
    up: async (opts = {}) => {
      calls.push('up');
      await opts.beforeApply?.(REFS, beforeApplyInfo('up', '1', tableFacts));
      calls.push('applied');
      return { command: 'up', steps: [{ version: '2', fileName: '2_index.sql', displayPath: 'db/migrations/2_index.sql', direction: 'up', outcome: 'applied', durationMs: 1, transaction: true, attempts: 1 }], pending: [], pendingFiles: [], files: [], durationMs: 1 };
    },
    status: never,
    planRollback: never,
    rollback: never,
    rollbackVersions: never,
    holdLock: inlineHoldLock,
    tableFacts,
  };
}

async function settings(over: Partial<ActionSettings> = {}, up = BOTH): Promise<ActionSettings> {
  const p = await project({ 'db/migrations/2_index.sql': migration(up, 'SELECT 1;') });
  cleanups.push(p.cleanup);
  return {
    command: 'up', dryRun: false, environment: 'staging', environmentInput: 'staging', environmentPrefix: 'STAGING',
    target: parseDatabaseUrl('postgres://u@db.example.com/app'), urlSource: { kind: 'env', name: 'STAGING_DATABASE_URL' },
    migrationsDirs: ['db/migrations'], schemaFile: 'db/schema.sql', migrationsTable: 'schema_migrations', historyTable: '', strict: false,
    backup: 'never', backupDir: '/tmp', lockTimeoutMs: 5000, statementTimeoutMs: 0, lockRetries: 0, lockWaitTimeoutMs: 1000, connectTimeoutMs: 1000,
    livenessTimeoutMs: 0, healthCheckSql: '', healthCheckRetries: 0, healthCheckIntervalMs: 0, rollbackOnFailure: false, createIssueOnFailure: false,
    githubToken: '', issueLabels: [], dumpSchema: false, driftCheck: false, workspace: p.dir, run: {}, secrets: [],
    ...over,
  };
}
const log = (): PipelineLog => ({ info: () => undefined, warn: () => undefined, debug: () => undefined, group: async (_t, fn) => fn() });
const SIZES = { orders: { rows: 12e6, bytes: 3.1 * 1024 ** 3 }, lookup: { rows: 40, bytes: 16384 } };

describe('lint judged on the database (up and plan)', () => {
  it('a finding on a large table stays an error and stops up; on a small one it is info', async () => {
    const facts = fakeTableFacts(16, SIZES);
    const m = migrator(facts);
    const run = await runPipeline(await settings(), { migrator: m, log: log(), backup: fakeBackup(), health: fakeHealth() });
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('LINT_FAILED');
    expect(m.calls).toEqual(['up']);
    expect(facts.calls).toEqual([['orders', 'lookup']]);
    expect(run.lint).toMatchObject({ failing: 1, pgVersion: 16, databaseAware: true });
    expect(run.lint!.findings.map((f) => [f.rule, f.line, f.table, f.severity, f.size])).toEqual([
      ['require-concurrent-index', 2, 'orders', 'error', 'orders: ~12 M rows, 3.1 GiB'],
      ['require-concurrent-index', 3, 'lookup', 'info', 'lookup: ~40 rows, 16.0 KiB'],
    ]);
  });

  it('only small tables: every finding is info and up applies; lint-large-table moves the threshold', async () => {
    const small = 'CREATE INDEX b ON lookup (x);';
    const m = migrator(fakeTableFacts(16, SIZES));
    const run = await runPipeline(await settings({}, small), { migrator: m, log: log(), health: fakeHealth() });
    expect(run.status).toBe('success');
    expect(m.calls).toEqual(['up', 'applied']);
    expect(run.lint!.findings[0]).toMatchObject({ severity: 'info' });
    const strict = await runPipeline(await settings({ lintLargeTable: { rows: 10, bytes: 1024 ** 3 } }, small), { migrator: migrator(fakeTableFacts(16, SIZES)), log: log(), health: fakeHealth() });
    expect(strict.status).toBe('failed');
    expect(strict.lint!.findings[0]).toMatchObject({ severity: 'error', size: expect.stringMatching(/^lookup: /) });
  });

  it('a table not found, or sizes that cannot be read, leave the finding as offline (large) with a warning', async () => {
    const failing = migrator(async () => {
      throw new Error('permission denied for pg_class');
    });
    const run = await runPipeline(await settings({ dryRun: true }, 'CREATE INDEX a ON orders (x);'), { migrator: failing, log: log() });
    // Judged large, the index fails the gate: the dry run fails as up would.
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('DRY_RUN_WOULD_FAIL');
    expect(run.lint).toMatchObject({ failed: true, databaseAware: false, factsError: 'permission denied for pg_class' });
    expect(run.warnings.join('\n')).toContain('lint could not read table sizes, so every existing table counts as large: permission denied for pg_class');
    const missing = await runPipeline(await settings({ dryRun: true }, 'CREATE INDEX a ON orders (x);'), { migrator: migrator(fakeTableFacts(15)), log: log() });
    expect(missing.lint!.findings[0]).toMatchObject({ severity: 'error' });
    expect(missing.lint!.findings[0]!.size).toBeUndefined();
  });

  it('no finding, no session: the database is not read for a clean plan', async () => {
    const facts = fakeTableFacts(16, SIZES);
    const run = await runPipeline(await settings({}, 'CREATE TABLE t (id int);\nCREATE INDEX t_id ON t (id);'), { migrator: migrator(facts), log: log(), health: fakeHealth() });
    expect(run.status).toBe('success');
    expect(facts.calls).toEqual([]);
  });
});

describe('command: lint (offline)', () => {
  it('takes pg-version and lint-runner for the rules that depend on them, reads no sizes', async () => {
    // Version 11 makes ADD VALUE in a transaction a finding; runner other makes the missing lock_timeout one.
    const up = "ALTER TYPE mood ADD VALUE 'meh';\nALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX a ON orders (x);";
    const { target: _t, urlSource: _u, ...rest } = await settings({}, up);
    const s: LintSettings = { ...rest, command: 'lint', pgVersion: 11, lintRunner: 'other' };
    const run = await runLintCommand(s, { log: log() });
    expect(run.status).toBe('failed');
    expect(run.lint).toMatchObject({ gate: 'all', pgVersion: 11, databaseAware: false });
    expect(run.lint!.findings.map((f) => [f.rule, f.line, f.size])).toEqual([
      ['enum-add-value-in-transaction', 2, undefined],
      ['lock-timeout', 3, undefined],
      ['require-concurrent-index', 4, undefined],
    ]);
    const modern = await runLintCommand({ ...s, pgVersion: 16, lintRunner: 'db-migrate' }, { log: log() });
    expect(modern.lint!.findings.map((f) => f.rule)).toEqual(['require-concurrent-index']);
  });
});
