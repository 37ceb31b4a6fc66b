/**
 * A production `up` against a PostgreSQL 18 server on a machine whose only pg_dump is 15: the
 * backup cannot be taken, so the run fails before migrating, with an error that names both
 * versions and how to install the right client, and nothing at all is applied (not even the
 * ledger table). The action pipeline with the real Migrator; the system pg_dump is the only one.
 */
import { describe, it, expect, afterAll } from '@jest/globals';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { usePostgres, tables } from './helpers/pg.js';
import { project, migration } from './helpers/cli.js';
import { runPipeline } from '../src/action/pipeline.js';
import { migratorConfig } from '../src/action/real-ports.js';
import { type PipelineLog } from '../src/action/ports.js';
import { actionOutputs } from '../src/action/outputs.js';
import type { ActionSettings } from '../src/action/settings.js';
import { renderSummary } from '../src/action/summary.js';
import { Migrator } from '../src/engine/migrator.js';
import { parseDatabaseUrl } from '../src/engine/url.js';

const server = usePostgres({ version: 18 });
const temps: string[] = [];
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

const silentLog: PipelineLog = { info: () => undefined, warn: () => undefined, debug: () => undefined, group: (_t, fn) => fn() };

async function setup(over: Partial<ActionSettings> = {}) {
  const p = await project({ 'db/migrations/1_a.sql': migration('create table a (id int);', 'drop table a;') });
  temps.push(p.dir);
  const url = await server().createDatabase();
  const target = parseDatabaseUrl(url);
  const s: ActionSettings = {
    command: 'up',
    dryRun: false,
    environment: 'production',
    environmentInput: 'production',
    environmentPrefix: 'PRODUCTION',
    target,
    urlSource: { kind: 'input', name: 'database-url' },
    migrationsDirs: ['db/migrations'],
    schemaFile: 'db/schema.sql',
    migrationsTable: 'schema_migrations',
    historyTable: 'schema_migrations_history',
    strict: false,
    backup: 'auto',
    backupDir: join(await mkdtemp(join(tmpdir(), 'dbm-backup-v-')), 'db-backups'),
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
    workspace: p.dir,
    run: {},
    secrets: [target.password!],
    ...over,
  };
  temps.push(join(s.backupDir, '..'));
  return { url, s };
}

const run = (s: ActionSettings) => runPipeline(s, { migrator: new Migrator(migratorConfig(s, silentLog)), log: silentLog });

/** `pg_dump 15.x cannot back up a PostgreSQL 18.y server: pg_dump must be version 18 or newer`. */
const BOTH_VERSIONS = /pg_dump 15\.\d+ cannot back up a PostgreSQL 18\.\d+ server: pg_dump must be version 18 or newer/;

describe('PostgreSQL 18 server, only pg_dump 15 installed', () => {
  it('production up fails before migrating with the version error; nothing is applied, no file is left', async () => {
    const { url, s } = await setup();
    const r = await run(s);
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('BACKUP_PG_DUMP_TOO_OLD');
    expect(r.error?.message).toMatch(/^backup before migrating failed, so nothing was applied: /);
    expect(r.error?.message).toMatch(BOTH_VERSIONS);
    expect(r.error?.hint).toContain('postgresql-client-18');
    expect(r.error?.hint).toContain('pg-dump-path');
    expect(r.backup).toMatchObject({ outcome: 'failed', reason: 'backup: auto, environment production' });
    expect(r.backup?.serverVersion).toMatch(/^18\.\d+$/);
    expect(r.applied).toEqual([]);
    expect(r.pending).toEqual(['1']);
    expect(actionOutputs(r)).toMatchObject({ status: 'failed', applied: '[]', 'backup-path': '' });
    expect(await tables(url)).toEqual([]);
    expect(await readdir(s.backupDir).catch(() => [])).toEqual([]);

    const md = renderSummary(r);
    expect(md).toMatch(/^## ❌ Backup failed on production: nothing was applied\n/);
    expect(md).toMatch(BOTH_VERSIONS);
    expect(md).toContain('| `1` | `db/migrations/1_a.sql` | ⏳ pending |');
    expect(md).not.toContain(server().password);
  });

  it('an explicit pg-dump-path that is too old fails the same way', async () => {
    const { url, s } = await setup({ pgDumpPath: '/usr/bin/pg_dump' });
    const r = await run(s);
    expect(r.error?.message).toMatch(BOTH_VERSIONS);
    expect(r.error?.message).toContain('(pg-dump-path /usr/bin/pg_dump)');
    expect(await tables(url)).toEqual([]);
  });

  it('the dry run predicts it: up would fail, with nothing applied', async () => {
    const { url, s } = await setup({ dryRun: true });
    const r = await run(s);
    expect(r.status).toBe('failed');
    expect(r.backup?.outcome).toBe('would-fail');
    expect(r.error?.code).toBe('DRY_RUN_WOULD_FAIL');
    expect(r.error?.message).toMatch(/^up would fail before migrating, with nothing applied: the backup \(backup: auto, environment production\) could not be taken: pg_dump 15\.\d+ cannot back up a PostgreSQL 18\.\d+ server/);
    expect(await tables(url)).toEqual([]);
  });

  it('backup: never lets the same run migrate (the user accepted the risk)', async () => {
    const { url, s } = await setup({ backup: 'never' });
    const r = await run(s);
    expect(r.status).toBe('success');
    expect(await tables(url)).toContain('a');
  });
});
