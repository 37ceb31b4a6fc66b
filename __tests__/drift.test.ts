/**
 * Issue 7, drift: applied files edited since they were applied (CLI status warning, `up --strict`
 * refuses with nothing applied, the action lists them), `drift-check: true` in the action (an
 * out-of-band ALTER TABLE shows in the summary's diff) and `command: verify` in the action.
 * Real PostgreSQL 15 with the system pg_dump 15.
 */
import { describe, it, expect, afterAll } from '@jest/globals';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { usePostgres, query, tables } from './helpers/pg.js';
import { project, migration, runCli } from './helpers/cli.js';
import { actionSettings, recordingLog } from './helpers/action.js';
import { driftAnnotations } from '../src/action/outputs.js';
import { runPipeline } from '../src/action/pipeline.js';
import { migratorConfig } from '../src/action/real-ports.js';
import { actionOutputs, fileAnnotations } from '../src/action/outputs.js';
import type { ActionSettings } from '../src/action/settings.js';
import { renderSummary } from '../src/action/summary.js';
import { Migrator } from '../src/engine/migrator.js';

const server = usePostgres({ version: 15 });
const DIR = 'db/migrations';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const GOOD = {
  [`${DIR}/001_users.sql`]: migration('create table users (id bigint primary key, email text not null);', 'drop table users;'),
  [`${DIR}/002_users_email.sql`]: migration('create index users_email_idx on users (email);', 'drop index users_email_idx;'),
};

/** No index built in a migration: nothing here for the action's lint preflight to refuse. */
const PLAIN = {
  [`${DIR}/001_users.sql`]: migration('create table users (id bigint primary key, email text not null);', 'drop table if exists users;'),
  [`${DIR}/002_posts.sql`]: migration('create table posts (id bigint primary key, body text);', 'drop table if exists posts;'),
};

async function setup(files: Record<string, string>) {
  const url = await server().createDatabase();
  const p = await project(files);
  cleanups.push(() => p.cleanup());
  return { url, dir: p.dir, write: p.write };
}


async function pipeline(s: ActionSettings) {
  const log = recordingLog();
  const run = await runPipeline(s, { migrator: new Migrator(migratorConfig(s, log)), log });
  return { run, log, summary: renderSummary(run) };
}

const versions = async (url: string) => (await query<{ version: string }>(url, 'select version from schema_migrations order by version')).map((r) => r.version);

describe('edited applied migration files', () => {
  it('status warns, up --strict refuses with exit 2 and nothing applied, up without strict warns, the action lists them', async () => {
    const { url, dir, write } = await setup(GOOD);
    const env = { DATABASE_URL: url };
    expect((await runCli(['--no-dump-schema', 'up'], { cwd: dir, env })).code).toBe(0);

    // Edit an applied file and add a new pending one.
    await write({
      [`${DIR}/001_users.sql`]: migration('create table users (id bigint primary key, email text not null, name text);', 'drop table users;'),
      [`${DIR}/003_posts.sql`]: migration('create table posts (id bigint primary key);', 'drop table posts;'),
    });

    const st = await runCli(['status'], { cwd: dir, env });
    expect(st.code).toBe(0);
    expect(st.stderr).toBe('Warning: 001_users.sql was edited after it was applied (its checksum differs from the one recorded in the history table)\n');

    const strict = await runCli(['--no-dump-schema', 'up', '--strict'], { cwd: dir, env });
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain('db/migrations/001_users.sql');
    expect(strict.stderr).toContain('edited after it was applied');
    expect(strict.stdout).not.toContain('Applying');
    expect(await versions(url)).toEqual(['001', '002']);
    expect(await tables(url)).not.toContain('posts');

    // The action under strict: failed, nothing applied, the error names the file.
    const a = await pipeline(actionSettings(url, dir, { strict: true }));
    expect(a.run.status).toBe('failed');
    expect(a.run.error?.code).toBe('EDITED_MIGRATIONS');
    expect(a.run.error?.message).toContain('db/migrations/001_users.sql');
    expect(a.run.applied).toEqual([]);
    expect(await versions(url)).toEqual(['001', '002']);

    // Without strict: the action applies 003 and lists the edited file in the summary's warnings.
    const b = await pipeline(actionSettings(url, dir));
    expect(b.run.status).toBe('success');
    expect(b.run.applied).toEqual(['003']);
    expect(b.run.warnings).toContain('db/migrations/001_users.sql was edited after it was applied (its checksum differs from the one recorded in the history table)');
    expect(b.summary).toContain('- db/migrations/001_users.sql was edited after it was applied');
    expect(b.log.lines).toContain('warn db/migrations/001_users.sql was edited after it was applied (its checksum differs from the one recorded in the history table)');
    // Said once: the engine logs it, the action only records it for the summary.
    expect(b.log.lines.filter((l) => l.includes('was edited after it was applied'))).toHaveLength(1);
    expect(b.run.warnings.filter((w) => w.includes('was edited after it was applied'))).toHaveLength(1);
  });
});

describe('drift-check in the action', () => {
  it('an out-of-band ALTER TABLE ADD COLUMN shows in the summary diff, as a warning, not a failure', async () => {
    const { url, dir } = await setup(PLAIN);
    // First deploy writes the committed schema file.
    const first = await pipeline(actionSettings(url, dir, { dumpSchema: true }));
    expect(first.run.error).toBeUndefined();
    expect(first.run.status).toBe('success');
    const committed = await readFile(join(dir, 'db/schema.sql'), 'utf8');
    expect(committed).toContain('CREATE TABLE public.users');

    // No drift yet.
    const clean = await pipeline(actionSettings(url, dir, { driftCheck: true }));
    expect(clean.run.status).toBe('nothing-to-do');
    expect(clean.run.drift).toEqual({ outcome: 'clean', schemaFile: 'db/schema.sql' });
    expect(clean.run.warnings).toEqual([]);

    await query(url, 'alter table users add column nickname text');
    // dump-schema on as well: the comparison is with the committed file, read before up rewrites it.
    const r = await pipeline(actionSettings(url, dir, { driftCheck: true, dumpSchema: true }));
    expect(r.run.status).toBe('nothing-to-do');
    expect(r.run.error).toBeUndefined();
    expect(r.run.drift?.outcome).toBe('drift');
    expect(r.run.drift?.diff).toMatch(/^\+    nickname text$/m);
    expect(r.run.drift?.diff).toContain('--- db/schema.sql (committed)');
    expect(r.summary).toContain('### ⚠️ Schema drift');
    expect(r.summary).toContain('<details><summary>Unified diff: committed (-) vs live (+)</summary>');
    expect(r.summary).toMatch(/^\+    nickname text$/m);
    expect(r.run.warnings.some((w) => w.startsWith('schema drift:'))).toBe(true);
    expect(actionOutputs(r.run).status).toBe('nothing-to-do');
    expect(fileAnnotations(r.run)).toEqual([]);
    expect(driftAnnotations(r.run)).toEqual([expect.objectContaining({ file: 'db/schema.sql', title: 'Schema drift', startLine: 1 })]);
  });

  it('a pg_dump of another major version than the server is a warning, not a failure', async () => {
    const { url, dir, write } = await setup(PLAIN);
    expect((await pipeline(actionSettings(url, dir, { dumpSchema: true }))).run.status).toBe('success');
    await write({ 'bin/pg_dump': '#!/bin/sh\necho "pg_dump (PostgreSQL) 14.11"\n' });
    await chmod(join(dir, 'bin/pg_dump'), 0o755);
    const r = await pipeline(actionSettings(url, dir, { driftCheck: true, pgDumpPath: join(dir, 'bin/pg_dump') }));
    expect(r.run.status).toBe('nothing-to-do');
    expect(r.run.drift?.outcome).toBe('skipped');
    expect(r.run.drift?.reason).toContain('is version 14 but the server is PostgreSQL 15');
    expect(r.run.warnings.some((w) => w.startsWith('drift check skipped:'))).toBe(true);
    expect(r.summary).toContain('### ⚠️ Schema drift');
  });

  it('a missing schema file is reported as a warning, not a failure', async () => {
    const { url, dir } = await setup(PLAIN);
    const r = await pipeline(actionSettings(url, dir, { driftCheck: true, schemaFile: 'db/none.sql' }));
    expect(r.run.status).toBe('success');
    expect(r.run.drift?.outcome).toBe('skipped');
    expect(r.run.warnings.some((w) => w.startsWith('drift check skipped: the schema file db/none.sql does not exist'))).toBe(true);
  });
});

describe('command: verify in the action', () => {
  it('passes for a good set', async () => {
    const { url, dir } = await setup(GOOD);
    const r = await pipeline(actionSettings(url, dir, { command: 'verify' }));
    expect(r.run.error).toBeUndefined();
    expect(r.run.status).toBe('success');
    expect(r.run.verify).toMatchObject({ ok: true, migrations: 2 });
    expect(r.summary).toContain('## ✅ Verify passed on staging');
    expect(r.summary).toContain('### ✅ Verify');
    expect(r.summary).not.toContain('No migrations to run.');
    // The configured database is never touched.
    expect(await tables(url)).toEqual([]);
  });

  it('fails naming the bad down', async () => {
    const { url, dir } = await setup({
      ...GOOD,
      [`${DIR}/002_users_email.sql`]: migration('create index users_email_idx on users (email);', '-- forgot: drop index users_email_idx;\nselect 1;'),
    });
    const r = await pipeline(actionSettings(url, dir, { command: 'verify' }));
    expect(r.run.status).toBe('failed');
    expect(r.run.verify?.ok).toBe(false);
    expect(r.run.verify?.firstBadDown).toMatchObject({ version: '002', file: 'db/migrations/002_users_email.sql' });
    expect(r.run.error).toMatchObject({ code: 'VERIFY_FAILED', file: 'db/migrations/002_users_email.sql' });
    expect(r.run.error?.message).toContain('the down section of db/migrations/002_users_email.sql (version 002) does not undo its up');
    expect(r.summary).toContain('## ❌ Verify failed on staging');
    expect(r.summary).toContain('users_email_idx');
    expect(actionOutputs(r.run).status).toBe('failed');
    expect(await tables(url)).toEqual([]);
  });
});

