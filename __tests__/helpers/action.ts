import { join } from 'node:path';
import type { PipelineLog } from '../../src/action/ports.js';
import type { ActionSettings } from '../../src/action/settings.js';
import type { ActionRun } from '../../src/action/run-result.js';
import { parseDatabaseUrl } from '../../src/engine/url.js';

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

/** Settings as getInputs() builds them for a staging `up` on `url`, with `over` on top. */
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
