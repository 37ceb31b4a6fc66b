/**
 * `db-migrate verify` and verifyMigrations() on a real PostgreSQL 15 (the system pg_dump is 15):
 * round trip on a scratch database, bad downs caught and named, the configured database untouched.
 */
import { describe, it, expect, afterEach } from '@jest/globals';
import { usePostgres, query, tables } from './helpers/pg.js';
import { project, migration, runCli } from './helpers/cli.js';
import { verifyMigrations } from '../src/verify.js';
import { parseDatabaseUrl } from '../src/engine/url.js';
import { silentLogger } from '../src/engine/logger.js';
import type { MigratorConfig } from '../src/engine/migrator.js';

const server = usePostgres({ version: 15 });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const DIR = 'db/migrations';

const GOOD = {
  [`${DIR}/001_users.sql`]: migration('create table users (id bigint primary key, email text not null);', 'drop table users;'),
  [`${DIR}/002_users_email.sql`]: migration('create index users_email_idx on users (email);', 'drop index users_email_idx;'),
  [`${DIR}/003_posts.sql`]: migration(
    'create table posts (id bigint primary key, user_id bigint references users (id), body text);',
    'drop table posts;',
  ),
};

/** The same set, but 002's down forgets the index it should drop. */
const FORGETS_INDEX = {
  ...GOOD,
  [`${DIR}/002_users_email.sql`]: migration(
    'alter table users add column name text;\ncreate index users_email_lower_idx on users (lower(email));',
    'alter table users drop column name;\n-- forgot: drop index users_email_lower_idx;',
  ),
};

async function setup(files: Record<string, string>) {
  const url = await server().createDatabase();
  const dbName = new URL(url).pathname.slice(1);
  const p = await project(files);
  cleanups.push(() => p.cleanup());
  cleanups.push(() => server().dropDatabase(dbName));
  return { url, dbName, dir: p.dir };
}

function config(url: string, cwd: string): MigratorConfig {
  return {
    target: parseDatabaseUrl(url),
    migrationsDirs: [DIR],
    migrationsTable: 'schema_migrations',
    historyTable: 'schema_migrations_history',
    schemaFile: 'db/schema.sql',
    dumpSchema: true,
    strict: false,
    lockTimeoutMs: 5000,
    statementTimeoutMs: 0,
    lockRetries: 0,
    lockWaitTimeoutMs: 5000,
    ctx: { toolVersion: 'test' },
    log: silentLogger,
    cwd,
  };
}

async function scratchDatabases(dbName: string): Promise<string[]> {
  const rows = await query<{ d: string }>(server().adminUrl, 'select datname as d from pg_database where datname like $1', [`${dbName}_verify_%`]);
  return rows.map((r) => r.d);
}

describe('verifyMigrations', () => {
  it('passes a correct set of three migrations, leaves no scratch database and never touches the configured one', async () => {
    const { url, dbName, dir } = await setup(GOOD);
    const r = await verifyMigrations(config(url, dir));
    expect(r.ok).toBe(true);
    expect(r.migrations).toBe(3);
    expect(r.firstBadDown).toBeUndefined();
    expect(r.scratchCreated).toBe(true);
    expect(r.scratchDatabase).toMatch(new RegExp(`^${dbName}_verify_[0-9a-f]{8}$`));
    expect(r.steps.map((s) => `${s.phase}${s.version ? ` ${s.version}` : ''}:${s.ok}`)).toEqual([
      'up 001:true',
      'up 002:true',
      'up 003:true',
      'down 003:true',
      'down 002:true',
      'down 001:true',
      'empty:true',
      'reapply:true',
    ]);
    expect(await scratchDatabases(dbName)).toEqual([]);
    expect(await tables(url)).toEqual([]);
  }, 60_000);

  it('catches and names a down that forgets to drop an index, with the index in the diff', async () => {
    const { url, dbName, dir } = await setup(FORGETS_INDEX);
    const r = await verifyMigrations(config(url, dir));
    expect(r.ok).toBe(false);
    expect(r.firstBadDown).toMatchObject({ version: '002', file: `${DIR}/002_users_email.sql` });
    expect(r.firstBadDown!.diff).toMatch(/^--- schema before 002_users_email\.sql\n\+\+\+ schema after rolling back 002_users_email\.sql\n@@ /);
    expect(r.firstBadDown!.diff).toMatch(/^\+CREATE INDEX users_email_lower_idx ON public\.users USING btree \(lower\(email\)\);$/m);
    // 003 was rolled back fine before 002; verify stops at the first bad down.
    expect(r.steps.filter((s) => s.phase === 'down').map((s) => [s.version, s.ok])).toEqual([
      ['003', true],
      ['002', false],
    ]);
    expect(await scratchDatabases(dbName)).toEqual([]);
    expect(await tables(url)).toEqual([]);
  }, 60_000);

  it('uses a given scratch URL as is, and refuses one that already has tables', async () => {
    const { url, dir } = await setup(GOOD);
    const scratchUrl = await server().createDatabase();
    cleanups.push(() => server().dropDatabase(new URL(scratchUrl).pathname.slice(1)));
    const r = await verifyMigrations(config(url, dir), { scratchUrl });
    expect(r).toMatchObject({ ok: true, scratchCreated: false, scratchDatabase: new URL(scratchUrl).pathname.slice(1) });
    expect(await tables(url)).toEqual([]);
    // Now it holds the migrated tables: a second run must refuse it.
    await expect(verifyMigrations(config(url, dir), { scratchUrl })).rejects.toMatchObject({ code: 'VERIFY_SCRATCH_NOT_EMPTY' });
  }, 60_000);
});

describe('db-migrate verify', () => {
  it('exits 0 with a clear verdict for a correct set, writes no schema file and touches nothing', async () => {
    const { url, dbName, dir } = await setup(GOOD);
    const r = await runCli(['verify'], { cwd: dir, env: { DATABASE_URL: url } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Verifying on scratch database ${dbName}_verify_`);
    expect(r.stdout).toContain('down    db/migrations/001_users.sql: schema restored');
    expect(r.stdout).toMatch(/Verify OK: 3 migration\(s\) applied, rolled back and re-applied/);
    expect(await scratchDatabases(dbName)).toEqual([]);
    expect(await tables(url)).toEqual([]);
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${dir}/db/schema.sql`)).toBe(false);
  }, 60_000);

  it('exits 1 and names the migration whose down does not undo its up; --json prints the result', async () => {
    const { url, dbName, dir } = await setup(FORGETS_INDEX);
    const r = await runCli(['verify'], { cwd: dir, env: { DATABASE_URL: url } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Verify FAILED: the down section of db/migrations/002_users_email.sql (version 002) does not undo its up.');
    expect(r.stdout).toContain('+CREATE INDEX users_email_lower_idx');

    const j = await runCli(['--json', 'verify'], { cwd: dir, env: { DATABASE_URL: url } });
    expect(j.code).toBe(1);
    const doc = JSON.parse(j.stdout);
    expect(doc).toMatchObject({ ok: false, migrations: 3, firstBadDown: { version: '002', file: 'db/migrations/002_users_email.sql' } });
    expect(doc.firstBadDown.diff).toContain('users_email_lower_idx');
    expect(await scratchDatabases(dbName)).toEqual([]);
    expect(await tables(url)).toEqual([]);
  }, 60_000);

  it('exits 2 when an up section fails, and still drops the scratch database', async () => {
    const { url, dbName, dir } = await setup({ ...GOOD, [`${DIR}/004_bad.sql`]: migration('create table nope (id int references missing (id));', 'drop table nope;') });
    const r = await runCli(['verify'], { cwd: dir, env: { DATABASE_URL: url } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: /);
    expect(await scratchDatabases(dbName)).toEqual([]);
    expect(await tables(url)).toEqual([]);
  }, 60_000);
});
