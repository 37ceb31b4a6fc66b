import { describe, it, expect } from '@jest/globals';
import { runPipeline, type MigratorPort, type PipelineLog } from '../src/action/pipeline.js';
import type { ActionSettings } from '../src/action/settings.js';
import type { PlanResult, RunResult, StatusResult } from '../src/engine/migrator.js';
import { parseDatabaseUrl } from '../src/engine/url.js';

/** Settings as getInputs() would build them; the URL's password is a canary. */
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
};
const STATUS: StatusResult = { entries: [], applied: 0, pending: 0, orphans: [], edited: [] };

/** A migrator that records which methods ran; `up`/`rollback` count as writes. */
function fakeMigrator(over: Partial<MigratorPort> = {}): MigratorPort & { calls: string[] } {
  const calls: string[] = [];
  const result = (command: 'up' | 'rollback'): RunResult => ({ command, steps: [], pending: [], durationMs: 1 });
  return {
    calls,
    plan: async () => (calls.push('plan'), PLAN),
    status: async () => (calls.push('status'), STATUS),
    up: async () => (calls.push('up'), result('up')),
    rollback: async () => (calls.push('rollback'), result('rollback')),
    ...over,
  };
}

function recordingLog(): PipelineLog & { lines: string[] } {
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

describe('pipeline', () => {
  it.each(['up', 'rollback', 'status', 'plan'] as const)('dry-run with %s never calls a method that writes', async (command) => {
    const m = fakeMigrator();
    const run = await runPipeline(settings({ command, dryRun: true }), { migrator: m, log: recordingLog() });
    expect(run.status).toBe('dry-run');
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
    expect(run.status).toBe('failed');
    expect(run.error?.message).toBe("command 'lint' is not available in this version of the action");
    expect(m.calls).toEqual([]);
  });

  it('says that a production backup was not taken, and runs nothing it cannot', async () => {
    const log = recordingLog();
    const run = await runPipeline(settings({ environment: 'production' }), { migrator: fakeMigrator(), log });
    expect(run.warnings[0]).toMatch(/^backup: 'auto' asks for a backup of production, but backups are not implemented in this version of the action: NO backup was taken/);
    expect(run.backupPath).toBeUndefined();
    // Dry runs and never-backups do not warn.
    const quiet = await runPipeline(settings({ environment: 'production', backup: 'never' }), { migrator: fakeMigrator(), log: recordingLog() });
    expect(quiet.warnings).toEqual([]);
  });

  it('an unexpected engine error becomes a failed run, with secrets masked everywhere', async () => {
    const m = fakeMigrator({
      plan: async () => {
        throw new Error('could not connect to postgres://u:s3cret-canary@db.example.com/app: boom (password=s3cret-canary)');
      },
    });
    const run = await runPipeline(settings(), { migrator: m, log: recordingLog() });
    expect(run.status).toBe('failed');
    expect(JSON.stringify(run)).not.toContain('s3cret-canary');
    expect(run.error?.message).toContain('postgres://u:********@db.example.com/app');
  });
});
