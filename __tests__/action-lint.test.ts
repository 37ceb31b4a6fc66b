import { describe, it, expect, afterAll } from '@jest/globals';
import { runPipeline } from '../src/action/pipeline.js';
import { type MigratorPort, type PipelineLog } from '../src/action/ports.js';
import { runLintCommand } from '../src/action/pipeline.js';
import { lintAnnotations } from '../src/action/outputs.js';
import { renderSummary } from '../src/action/summary.js';
import type { ActionSettings, LintSettings } from '../src/action/settings.js';
import type { PlanResult, RunResult } from '../src/engine/results.js';
import type { StepResult } from '../src/engine/runner.js';
import { beforeApplyInfo, fakeBackup, fakeHealth, fakeTableFacts, inlineHoldLock } from './helpers/action.js';
import { parseDatabaseUrl } from '../src/engine/url.js';
import { failsGate, gateLine, judgeGate } from '../src/lint/gate.js';
import type { Finding } from '../src/lint/index.js';
import { newRun } from '../src/action/new-run.js';
import { project, migration } from './helpers/cli.js';
import { runAction, ACTION_BUNDLE } from '../scripts/action-runner.mjs';

/** Lint in the action: `command: lint` (no database), and the preflight of `up` and dry runs. */

// An index on a table no file of the plan creates: `command: lint` lints the files as one plan, so one on `users` (created by 1_users.sql) would be safe.
const BAD = migration('CREATE INDEX accounts_email ON accounts (email);', 'DROP INDEX IF EXISTS accounts_email;');
const WARN_ONLY = migration('CREATE TABLE IF NOT EXISTS t (id int);');
const GOOD = migration('CREATE TABLE users (email text);', 'DROP TABLE IF EXISTS users;');
const FILES = {
  'db/migrations/1_users.sql': GOOD,
  'db/migrations/2_index.sql': BAD,
  'db/migrations/3_t.sql': WARN_ONLY,
};

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
async function workspace(files: Record<string, string> = FILES): Promise<string> {
  const p = await project(files);
  cleanups.push(p.cleanup);
  return p.dir;
}

function settings(dir: string, over: Partial<ActionSettings> = {}): ActionSettings {
  return {
    command: 'up',
    dryRun: false,
    environment: 'production',
    environmentInput: 'production',
    environmentPrefix: 'PRODUCTION',
    target: parseDatabaseUrl('postgres://u:s3cret-canary@db.example.com/app'),
    urlSource: { kind: 'env', name: 'PRODUCTION_DATABASE_URL' },
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
    healthCheckSql: '',
    healthCheckRetries: 0,
    healthCheckIntervalMs: 0,
    rollbackOnFailure: true,
    createIssueOnFailure: false,
    githubToken: '',
    issueLabels: [],
    dumpSchema: false,
    driftCheck: false,
    workspace: dir,
    run: {},
    secrets: ['s3cret-canary'],
    ...over,
  };
}

function lintSettings(dir: string, over: Partial<LintSettings> = {}): LintSettings {
  const { target: _t, urlSource: _u, ...rest } = settings(dir);
  return { ...rest, command: 'lint', ...over };
}

const REFS = ['2_index.sql', '3_t.sql'].map((f) => ({ version: f.split('_')[0]!, fileName: f, displayPath: `db/migrations/${f}` }));
const PLAN: PlanResult = {
  pending: REFS.map((r) => ({ ...r, transaction: true, sql: '', checksum: 'x' })),
  applied: 1,
  currentVersion: '1',
  orphans: [],
  edited: [],
  ledgerExists: true,
  databaseMissing: false,
};

/** A migrator whose `up` calls the hook the way the engine does, then "applies" (recorded in calls); `tableFacts` as given (default: an unknown server with no table). */
function fakeMigrator(tableFacts: MigratorPort['tableFacts'] = fakeTableFacts(), refs = REFS): MigratorPort & { calls: string[] } {
  const calls: string[] = [];
  const result = (command: 'up' | 'rollback', applied: string[]): RunResult => ({
    command,
    steps: applied.map((version): StepResult => ({ version, fileName: '', displayPath: `db/migrations/${version}`, direction: 'up', outcome: 'applied', durationMs: 1, transaction: true, attempts: 1 })),
    pending: [],
    pendingFiles: [],
    files: [],
    durationMs: 1,
  });
  return {
    calls,
    plan: async () => (calls.push('plan'), { ...PLAN, pending: refs.map((r) => ({ ...r, transaction: true, sql: '', checksum: 'x' })) }),
    planRollback: async () => {
      throw new Error('not used');
    },
    status: async () => {
      throw new Error('not used');
    },
    up: async (opts = {}) => {
      calls.push('up');
      await opts.beforeApply?.(refs, beforeApplyInfo('up', '1'));
      calls.push('applied');
      return result('up', refs.map((r) => r.version));
    },
    rollback: async () => {
      throw new Error('not used');
    },
    rollbackVersions: async () => {
      throw new Error('not used');
    },
    holdLock: inlineHoldLock,
    tableFacts,
  };
}

function log(): PipelineLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), debug: () => undefined, group: async (_t, fn) => fn() };
}

describe('lint in the preflight of up', () => {
  it('an error finding fails the run before the backup and before anything is applied', async () => {
    const dir = await workspace();
    const m = fakeMigrator();
    const b = fakeBackup();
    const run = await runPipeline(settings(dir), { migrator: m, log: log(), backup: b, health: fakeHealth() });
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('LINT_FAILED');
    expect(m.calls).toEqual(['up']);
    expect(b.calls).toEqual([]);
    expect(run.applied).toEqual([]);
    expect(run.backupPath).toBeUndefined();
    expect(run.rows.map((r) => [r.version, r.status])).toEqual([['2', 'pending'], ['3', 'pending']]);
    expect(run.lint).toMatchObject({ scope: 'pending', failOn: 'error', files: 2, failed: true });
    expect(run.lint!.findings).toContainEqual(expect.objectContaining({ rule: 'require-concurrent-index', severity: 'error', file: 'db/migrations/2_index.sql', line: 2, column: 1 }));
    // Only the pending files: 1_users.sql is applied.
    expect(run.lint!.findings.map((f) => f.file)).not.toContain('db/migrations/1_users.sql');
    const summary = renderSummary(run);
    expect(summary).toContain('Migration lint failed on production: nothing was applied');
    // The finding that failed the run is the error: where, which rule, what to do instead.
    const error = summary.slice(summary.indexOf('### ❌ Error'), summary.indexOf('### Result'));
    expect(error).toContain('- ❌ error `require-concurrent-index` at `db/migrations/2_index.sql:2:1`: ');
    expect(error).toContain('\n  **Safe alternative:** ');
    expect(summary.split('`db/migrations/2_index.sql:2:1`')).toHaveLength(2);
  });

  it('findings below lint-fail-on are annotated and listed, and the run goes on', async () => {
    const dir = await workspace();
    const m = fakeMigrator();
    const run = await runPipeline(settings(dir, { lintFailOn: 'none', backup: 'never' }), { migrator: m, log: log(), backup: fakeBackup(), health: fakeHealth() });
    expect(run.status).toBe('success');
    expect(m.calls).toEqual(['up', 'applied']);
    expect(run.lint).toMatchObject({ failOn: 'none', failed: false, failing: 0 });
    const ann = lintAnnotations(run);
    expect(ann).toContainEqual(expect.objectContaining({ level: 'error', title: 'require-concurrent-index', file: 'db/migrations/2_index.sql', startLine: 2, startColumn: 1 }));
    expect(ann).toContainEqual(expect.objectContaining({ level: 'warning', title: 'missing-down', file: 'db/migrations/3_t.sql' }));
    expect(ann.find((a) => a.title === 'require-concurrent-index')!.message).toMatch(/Fix: .*CONCURRENTLY/);
  });

  it('lint-disable turns a rule off; lint-fail-on: warning fails on warnings in up sections', async () => {
    const dir = await workspace();
    const off = await runPipeline(settings(dir, { lintDisable: ['require-concurrent-index'], backup: 'never' }), { migrator: fakeMigrator(), log: log(), health: fakeHealth() });
    expect(off.status).toBe('success');
    expect(off.lint!.findings.map((f) => f.rule)).not.toContain('require-concurrent-index');
    // 3_t.sql's only warning is its empty down section: this run's own rollback could not undo it, so
    // lint-fail-on: warning stops up on it before anything is applied.
    const noDown = await runPipeline(settings(dir, { lintDisable: ['require-concurrent-index'], lintFailOn: 'warning', backup: 'never' }), { migrator: fakeMigrator(), log: log(), health: fakeHealth() });
    expect(noDown.status).toBe('failed');
    expect(noDown.error?.code).toBe('LINT_FAILED');
    expect(noDown.lint).toMatchObject({ failing: 1, downOnly: 0, gate: 'up' });
    // A finding the down SQL itself raises is the rollback's, not up's: it does not gate up.
    const downSql = await workspace({ ...FILES, 'db/migrations/3_t.sql': migration('CREATE TABLE IF NOT EXISTS t (id int);', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;') });
    const downOnly = await runPipeline(settings(downSql, { lintDisable: ['require-concurrent-index'], lintFailOn: 'warning', backup: 'never' }), { migrator: fakeMigrator(), log: log(), health: fakeHealth() });
    expect(downOnly.status).toBe('success');
    expect(downOnly.lint).toMatchObject({ failing: 0, downOnly: 1, gate: 'up' });
    expect(downOnly.lint!.findings).toContainEqual(expect.objectContaining({ rule: 'set-not-null', direction: 'down' }));
    const upWarning = await workspace({ ...FILES, 'db/migrations/3_t.sql': migration('DROP TABLE legacy;', 'CREATE TABLE legacy (id int);') });
    const strict = await runPipeline(settings(upWarning, { lintDisable: ['require-concurrent-index'], lintFailOn: 'warning', backup: 'never' }), { migrator: fakeMigrator(), log: log(), health: fakeHealth() });
    expect(strict.status).toBe('failed');
    expect(strict.error?.code).toBe('LINT_FAILED');
    expect(strict.lint!.findings).toContainEqual(expect.objectContaining({ rule: 'destructive-drop', direction: 'up' }));
  });

  it('a dry run shows the findings and fails as up would (the pull-request check goes red), the reason first', async () => {
    const dir = await workspace();
    const m = fakeMigrator();
    const run = await runPipeline(settings(dir, { dryRun: true, backup: 'never' }), { migrator: m, log: log(), backup: fakeBackup() });
    expect(run.status).toBe('failed');
    expect(m.calls).toEqual(['plan']);
    expect(run.lint).toMatchObject({ scope: 'pending', failed: true });
    expect(run.error?.code).toBe('DRY_RUN_WOULD_FAIL');
    expect(run.error?.message).toMatch(/^up would fail before applying anything: migration lint failed: 1 finding at or above lint-fail-on: error/);
    expect(run.warnings.join('\n')).not.toMatch(/up would fail/);
    expect(run.rows.map((r) => r.status)).toEqual(run.rows.map(() => 'would-apply'));
    expect(renderSummary(run).split('\n')[0]).toBe('## ❌ Dry run on production: up would fail (nothing was changed)');
    expect(renderSummary(run)).toContain('Migration lint');
  });
});

describe('the gate: up judges what it executes, command: lint every section', () => {
  // orders is not created by these files: an existing table, so the index would lock it.
  const DOWN_ERROR = {
    'db/migrations/1_users.sql': GOOD,
    'db/migrations/2_orders.sql': migration('ALTER TABLE orders ADD COLUMN note text;', 'CREATE INDEX orders_note ON orders (note);'),
  };
  const ORDERS = [{ version: '2', fileName: '2_orders.sql', displayPath: 'db/migrations/2_orders.sql' }];

  it('a down-section error is reported on up but does not stop it', async () => {
    const dir = await workspace(DOWN_ERROR);
    const m = fakeMigrator(fakeTableFacts(), ORDERS);
    const l = log();
    const run = await runPipeline(settings(dir, { backup: 'never' }), { migrator: m, log: l, health: fakeHealth() });
    expect(run.status).toBe('success');
    expect(m.calls).toEqual(['up', 'applied']);
    expect(run.lint).toMatchObject({ gate: 'up', failing: 0, downOnly: 1, failed: false });
    expect(run.lint!.findings).toContainEqual(expect.objectContaining({ rule: 'require-concurrent-index', severity: 'error', direction: 'down', line: 5 }));
    expect(run.notes.join('\n')).toMatch(/1 down-section finding at or above lint-fail-on: error \(it does not stop up, but command: lint fails on it/);
    expect(l.lines).toContainEqual(expect.stringMatching(/^info db\/migrations\/2_orders\.sql:5:1: error require-concurrent-index: .* \(down section: does not gate up\)$/));
    const summary = renderSummary(run);
    expect(summary).toContain('Down section: does not gate up.');
    expect(summary).toContain('1 down-section finding at or above it does not gate `up`');
    // A notice, not an error mark, on the green run: it matters for a rollback, not for this up.
    expect(lintAnnotations(run).find((a) => a.title === 'require-concurrent-index')).toMatchObject({ level: 'info', message: expect.stringContaining('Down section: does not gate up') });
  });

  it('a committed secret is an error for command: lint but does not stop up (running it leaks nothing more)', async () => {
    const f: Finding = { rule: 'secret-in-migration', severity: 'error', file: 'db/migrations/2_r.sql', line: 2, column: 1, message: 'a PASSWORD literal for role app in the migration (value not shown)', why: 'w', fix: 'x', direction: 'up' };
    expect(failsGate(f, 'error', 'up')).toBe(false);
    expect(failsGate(f, 'error', 'all')).toBe(true);
    expect(judgeGate([f], 'error', 'up')).toEqual({ failing: 0, downOnly: 0 });
    expect(gateLine(f, 'up')).toBe('db/migrations/2_r.sql:2:1: error secret-in-migration: a PASSWORD literal for role app in the migration (value not shown) (a review finding: running it leaks nothing more, so it does not gate up)');
    // The size and a suppression's reason are findingLine's, printed once.
    const judged: Finding = { ...f, rule: 'require-concurrent-index', message: 'm', size: 'orders: ~12 M rows, 3.1 GiB', suppressed: { reason: 'built off-hours' }, direction: 'down' };
    expect(gateLine(judged, 'up')).toBe('db/migrations/2_r.sql:2:1: error require-concurrent-index: m (orders: ~12 M rows, 3.1 GiB) [suppressed: built off-hours] (down section: does not gate up)');
  });

  it('the same down-section error fails command: lint, and the preview (the pull request review) warns about it', async () => {
    const dir = await workspace(DOWN_ERROR);
    const lint = await runLintCommand(lintSettings(dir), { log: log() });
    expect(lint.status).toBe('failed');
    expect(lint.error?.code).toBe('LINT_FAILED');
    expect(lint.lint).toMatchObject({ gate: 'all', failing: 1, downOnly: 0 });
    expect(renderSummary(lint)).not.toContain('does not gate');
    const preview = await runPipeline(settings(dir, { dryRun: true, backup: 'never' }), { migrator: fakeMigrator(fakeTableFacts(), ORDERS), log: log() });
    expect(preview.status).toBe('dry-run');
    expect(preview.warnings.join('\n')).not.toMatch(/up would fail/);
    expect(preview.warnings.join('\n')).toMatch(/1 down-section finding at or above lint-fail-on: error .*command: lint fails on it/);
  });

  it('info and suppressed findings never fail; a finding without a section counts as up', () => {
    const f = (over: Partial<Finding>): Finding => ({ rule: 'r', severity: 'error', file: 'f.sql', line: 1, column: 1, message: 'm', why: 'w', fix: 'x', direction: 'up', ...over });
    for (const gate of ['up', 'all'] as const) {
      expect(failsGate(f({ severity: 'info' }), 'warning', gate)).toBe(false);
      expect(failsGate(f({ suppressed: { reason: 'reviewed' } }), 'warning', gate)).toBe(false);
      expect(failsGate(f({}), 'none', gate)).toBe(false);
      expect(failsGate(f({ direction: undefined }), 'error', gate)).toBe(true);
      expect(failsGate(f({ severity: 'warning' }), 'error', gate)).toBe(false);
      expect(failsGate(f({ severity: 'warning' }), 'warning', gate)).toBe(true);
    }
    expect(failsGate(f({ direction: 'down' }), 'error', 'up')).toBe(false);
    expect(failsGate(f({ direction: 'down' }), 'error', 'all')).toBe(true);
    // An empty down section is this up's irreversibility, not SQL a rollback runs.
    expect(failsGate(f({ direction: 'down', rule: 'missing-down', severity: 'warning' }), 'warning', 'up')).toBe(true);
    expect(failsGate(f({ direction: 'down', rule: 'missing-down', severity: 'warning' }), 'error', 'up')).toBe(false);
    expect(judgeGate([f({ direction: 'down' }), f({ direction: 'down', suppressed: { reason: 'x' } }), f({})], 'error', 'up')).toEqual({ failing: 1, downOnly: 1 });
  });

  it('the summary shows info, suppressed (with the reason) and the judged size apart', () => {
    const f = (over: Partial<Finding>): Finding => ({ rule: 'require-concurrent-index', severity: 'error', file: 'db/migrations/2_a.sql', line: 2, column: 1, message: 'index built without CONCURRENTLY', why: 'locks writes', fix: 'use CONCURRENTLY', direction: 'up', ...over });
    const run = {
      ...newRun(0, lintSettings('/tmp')),
      status: 'failed' as const,
      lint: {
        scope: 'pending' as const,
        gate: 'up' as const,
        failOn: 'error' as const,
        disabled: [],
        files: 1,
        findings: [
          f({ size: 'orders: ~12 M rows, 3.1 GB', table: 'orders' }),
          f({ line: 3, severity: 'info', size: 'lookup: ~40 rows, 0.0 GB', table: 'lookup' }),
          f({ line: 4, rule: 'destructive-drop', severity: 'warning', suppressed: { reason: 'table retired in #12' } }),
        ],
        failing: 1,
        downOnly: 0,
        failed: true,
        pgVersion: 16,
        databaseAware: true,
      },
    };
    const summary = renderSummary(run);
    expect(summary).toContain('1 error, 0 warnings, 1 info, 1 suppressed in the pending migrations (1 file)');
    expect(summary).toContain('Judged for PostgreSQL 16; table sizes read from the database.');
    expect(summary).toMatch(/^- ❌ error `require-concurrent-index` at `db\/migrations\/2_a\.sql:2:1`: .*Judged by orders: ~12 M rows, 3\.1 GB\. \\$/m);
    expect(summary).toMatch(/^- ℹ️ info `require-concurrent-index` at `db\/migrations\/2_a\.sql:3:1`: .*Judged by lookup: ~40 rows/m);
    expect(summary).toMatch(/^- 🔕 suppressed warning `destructive-drop` at `db\/migrations\/2_a\.sql:4:1`: .*Suppressed: table retired in #12\./m);
    const ann = lintAnnotations(run);
    expect(ann.map((a) => a.level)).toEqual(['error', 'info', 'info']);
    expect(ann[2]!.message).toContain('Suppressed: table retired in #12');
    expect(ann[0]!.message).toContain('Judged by: orders: ~12 M rows, 3.1 GB');
  });
});

describe('command: lint', () => {
  it('lints every file without a database URL; status follows lint-fail-on', async () => {
    const dir = await workspace();
    const failed = await runLintCommand(lintSettings(dir), { log: log() });
    expect(failed.status).toBe('failed');
    expect(failed.target).toBeUndefined();
    expect(failed.lint).toMatchObject({ scope: 'all', files: 3 });
    expect(failed.error?.code).toBe('LINT_FAILED');
    expect(renderSummary(failed)).toMatch(/^## ❌ Migration lint failed/);
    const passed = await runLintCommand(lintSettings(dir, { lintFailOn: 'none' }), { log: log() });
    expect(passed.status).toBe('success');
    expect(passed.lint!.findings.length).toBeGreaterThan(0);
    const clean = await runLintCommand(lintSettings(await workspace({ 'db/migrations/1_users.sql': GOOD })), { log: log() });
    expect(clean.status).toBe('success');
    expect(renderSummary(clean)).toContain('## ✅ Migration lint passed');
  });
});

describe('command: lint through the bundle', () => {
  it('annotates each finding, writes the table, and needs no URL', async () => {
    const dir = await workspace();
    const env = { DATABASE_URL: undefined, DEV_DATABASE_URL: undefined };
    const r = await runAction({ command: 'lint' }, { cwd: dir, bundle: ACTION_BUNDLE, env });
    expect(r.outputs.status).toBe('failed');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/::error title=require-concurrent-index,file=db\/migrations\/2_index\.sql,line=2,col=1::/);
    expect(r.stdout).toMatch(/::warning title=missing-down,file=db\/migrations\/3_t\.sql,line=\d+,col=\d+::/);
    expect(r.summary).toMatch(/^- ❌ error `require-concurrent-index` at `db\/migrations\/2_index\.sql:2:1`: /m);
    const ok = await runAction({ command: 'lint', 'lint-fail-on': 'none', 'lint-disable': 'missing-down' }, { cwd: dir, bundle: ACTION_BUNDLE, env });
    expect(ok.outputs.status).toBe('success');
    expect(ok.code).toBe(0);
    expect(ok.stdout).not.toContain('title=missing-down');
    const bad = await runAction({ command: 'lint', 'lint-disable': 'no-such-rule' }, { cwd: dir, bundle: ACTION_BUNDLE, env });
    expect(bad.outputs.status).toBe('failed');
    expect(bad.stdout).toContain("input 'lint-disable'");
  });
});
