import { describe, it, expect, jest, afterAll } from '@jest/globals';
import type { Finding, LintOptions } from '../src/lint/index.js';
import type { MigratorPort, PipelineLog } from '../src/action/ports.js';
import type { ActionSettings, LintSettings } from '../src/action/settings.js';
import type { PlanResult } from '../src/engine/results.js';

/**
 * The action's database-aware lint, wired: the tables the findings name are sized through the
 * migrator port, the server's major reaches the rules, and a finding on a small table becomes
 * `info`. lintFiles is replaced by one that names tables, so this tests the wiring, not the rules.
 */

const lintCalls: LintOptions[] = [];
let produce: () => Finding[] = () => [];
const actual = await import('../src/lint/index.js');
jest.unstable_mockModule('../src/lint/index.js', () => ({
  ...actual,
  lintFiles: async (_files: unknown, opts: LintOptions = {}) => (lintCalls.push(opts), produce()),
}));
const { runPipeline, runLintCommand } = await import('../src/action/pipeline.js');
const { beforeApplyInfo, fakeBackup, fakeHealth, fakeTableFacts, inlineHoldLock } = await import('./helpers/action.js');
const { project, migration } = await import('./helpers/cli.js');
const { parseDatabaseUrl } = await import('../src/engine/url.js');

const finding = (table: string, line: number): Finding => ({
  rule: 'require-concurrent-index',
  severity: 'error',
  file: 'db/migrations/2_index.sql',
  line,
  column: 1,
  message: `index on ${table} built without CONCURRENTLY`,
  why: 'w',
  fix: 'f',
  direction: 'up',
  table,
});

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
      await opts.beforeApply?.(REFS, beforeApplyInfo('up', '1'));
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

async function settings(over: Partial<ActionSettings> = {}): Promise<ActionSettings> {
  const p = await project({ 'db/migrations/2_index.sql': migration('CREATE INDEX a ON orders (x);\nCREATE INDEX b ON lookup (x);') });
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
    produce = () => [finding('orders', 2), finding('lookup', 3)];
    lintCalls.length = 0;
    const facts = fakeTableFacts(16, SIZES);
    const m = migrator(facts);
    const run = await runPipeline(await settings(), { migrator: m, log: log(), backup: fakeBackup(), health: fakeHealth() });
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('LINT_FAILED');
    expect(m.calls).toEqual(['up']);
    expect(facts.calls).toEqual([['orders', 'lookup']]);
    // Linted first as offline, then again for the server's major.
    expect(lintCalls.map((o) => o.pgVersion)).toEqual([undefined, 16]);
    expect(lintCalls.every((o) => o.runner === 'db-migrate')).toBe(true);
    expect(run.lint).toMatchObject({ failing: 1, pgVersion: 16, databaseAware: true });
    expect(run.lint!.findings).toEqual([
      expect.objectContaining({ table: 'orders', severity: 'error', size: expect.stringMatching(/^orders: /) }),
      expect.objectContaining({ table: 'lookup', severity: 'info', size: expect.stringMatching(/^lookup: /) }),
    ]);
  });

  it('only small tables: every finding is info and up applies; lint-large-table moves the threshold', async () => {
    produce = () => [finding('lookup', 3)];
    const m = migrator(fakeTableFacts(16, SIZES));
    const run = await runPipeline(await settings(), { migrator: m, log: log(), health: fakeHealth() });
    expect(run.status).toBe('success');
    expect(m.calls).toEqual(['up', 'applied']);
    expect(run.lint!.findings[0]).toMatchObject({ severity: 'info' });
    const strict = await runPipeline(await settings({ lintLargeTable: { rows: 10, bytes: 1024 ** 3 } }), { migrator: migrator(fakeTableFacts(16, SIZES)), log: log(), health: fakeHealth() });
    expect(strict.status).toBe('failed');
    expect(strict.lint!.findings[0]).toMatchObject({ severity: 'error', size: expect.stringMatching(/^lookup: /) });
  });

  it('a table not found, or sizes that cannot be read, leave the finding as offline (large) with a warning', async () => {
    produce = () => [finding('orders', 2)];
    const failing = migrator(async () => {
      throw new Error('permission denied for pg_class');
    });
    const run = await runPipeline(await settings({ dryRun: true }), { migrator: failing, log: log() });
    expect(run.status).toBe('dry-run');
    expect(run.lint).toMatchObject({ failed: true, databaseAware: false, factsError: 'permission denied for pg_class' });
    expect(run.warnings.join('\n')).toContain('lint could not read table sizes, so every existing table counts as large: permission denied for pg_class');
    const missing = await runPipeline(await settings({ dryRun: true }), { migrator: migrator(fakeTableFacts(15)), log: log() });
    expect(missing.lint!.findings[0]).toMatchObject({ severity: 'error' });
    expect(missing.lint!.findings[0]!.size).toBeUndefined();
  });

  it('no finding, no session: the database is not read for a clean plan', async () => {
    produce = () => [];
    const facts = fakeTableFacts(16, SIZES);
    const run = await runPipeline(await settings(), { migrator: migrator(facts), log: log(), health: fakeHealth() });
    expect(run.status).toBe('success');
    expect(facts.calls).toEqual([]);
  });
});

describe('command: lint (offline)', () => {
  it('takes pg-version and lint-runner, reads no sizes', async () => {
    produce = () => [finding('orders', 2)];
    lintCalls.length = 0;
    const { target: _t, urlSource: _u, ...rest } = await settings();
    const s: LintSettings = { ...rest, command: 'lint', pgVersion: 12, lintRunner: 'other' };
    const run = await runLintCommand(s, { log: log() });
    expect(run.status).toBe('failed');
    expect(lintCalls).toEqual([expect.objectContaining({ pgVersion: 12, runner: 'other' })]);
    expect(run.lint).toMatchObject({ gate: 'all', pgVersion: 12, databaseAware: false });
    expect(run.lint!.findings[0]!.size).toBeUndefined();
  });
});
