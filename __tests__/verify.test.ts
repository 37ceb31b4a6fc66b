/**
 * `db-migrate verify` and verifyMigrations() on a real PostgreSQL 15 (the system pg_dump is 15):
 * round trip on a scratch database, bad downs caught and named, the configured database untouched.
 */
import { engineConfig } from './helpers/engine.js';
import { describe, it, expect, afterEach } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePostgres, query, tables } from './helpers/pg.js';
import { project, migration, runCli } from './helpers/cli.js';
import { verifyMigrations } from '../src/safety/verify.js';
import { parseDatabaseUrl } from '../src/engine/url.js';
import type { Logger } from '../src/engine/logger.js';
import { Migrator, type MigratorConfig } from '../src/engine/migrator.js';

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
  return engineConfig(url, cwd, { migrationsDirs: [DIR], dumpSchema: true });
}

/** A logger that keeps every line, level first. */
function recording(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), debug: (m) => lines.push(`debug ${m}`) };
}

const sha256 = (dir: string, file: string) => createHash('sha256').update(readFileSync(join(dir, DIR, file))).digest('hex');

interface HistoryRow {
  version: string;
  direction: string;
  outcome: string;
  file_name: string;
  checksum: string;
  started_at: Date;
  finished_at: Date;
  duration_ms: number;
  environment: string | null;
  actor: string | null;
  git_sha: string | null;
  tool_version: string | null;
  sqlstate: string | null;
  error: string | null;
  invocation_id: string | null;
}
const historyRows = (url: string) => query<HistoryRow>(url, 'select * from schema_migrations_history order by id');

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

describe('verifyMigrations: proof rows in the configured database', () => {
  const ctx = { toolVersion: 'test', environment: 'staging', actor: 'octocat', gitSha: 'abc123' };

  it('records one `verified` row per down that passed, with the engine\'s checksums, in one run, and changes nothing else', async () => {
    const { url, dir } = await setup(GOOD);
    // The configured database has 001 applied (so it has the history table); verify itself runs elsewhere.
    await new Migrator({ ...config(url, dir), ctx }).up({ steps: 1 });
    const before = await historyRows(url);
    const t0 = Date.now();
    const r = await verifyMigrations({ ...config(url, dir), ctx });
    const t1 = Date.now();
    expect(r).toMatchObject({ ok: true, historyRecorded: 3 });

    const rows = await historyRows(url);
    expect(rows.slice(0, before.length)).toEqual(before);
    const proofs = rows.slice(before.length);
    // Newest first, as verify rolls back.
    expect(proofs.map((p) => [p.version, p.direction, p.outcome, p.file_name])).toEqual([
      ['003', 'down', 'verified', '003_posts.sql'],
      ['002', 'down', 'verified', '002_users_email.sql'],
      ['001', 'down', 'verified', '001_users.sql'],
    ]);
    for (const p of proofs) {
      expect(p.checksum).toBe(sha256(dir, p.file_name));
      expect(p).toMatchObject({ environment: 'staging', actor: 'octocat', git_sha: 'abc123', tool_version: 'test', sqlstate: null, error: null });
      expect(p.duration_ms).toBeGreaterThan(0);
      expect(p.started_at.getTime()).toBeGreaterThanOrEqual(t0);
      expect(p.finished_at.getTime()).toBeLessThanOrEqual(t1);
      expect(Math.abs(p.finished_at.getTime() - p.started_at.getTime() - p.duration_ms)).toBeLessThanOrEqual(1);
    }
    // The same checksum the engine recorded when it applied 001 here.
    expect(proofs[2].checksum).toBe(before.find((b) => b.version === '001' && b.outcome === 'applied')!.checksum);
    // One invocation, not the one of the earlier up.
    expect(new Set(proofs.map((p) => p.invocation_id)).size).toBe(1);
    expect(proofs[0].invocation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(proofs[0].invocation_id).not.toBe(before[0].invocation_id);
    // Nothing else changed in the configured database.
    expect(await query(url, 'select version from schema_migrations')).toEqual([{ version: '001' }]);
    expect(await tables(url)).toEqual(['schema_migrations', 'schema_migrations_history', 'users']);
    expect(await scratchDatabases(dbName(url))).toEqual([]);
  }, 60_000);

  it('records only the downs that passed when one does not undo its up', async () => {
    const { url, dir } = await setup(FORGETS_INDEX);
    await new Migrator({ ...config(url, dir), ctx }).up({ steps: 1 });
    const r = await verifyMigrations({ ...config(url, dir), ctx });
    expect(r).toMatchObject({ ok: false, historyRecorded: 1 });
    const proofs = (await historyRows(url)).filter((p) => p.outcome === 'verified');
    expect(proofs.map((p) => [p.version, p.checksum])).toEqual([['003', sha256(dir, '003_posts.sql')]]);
  }, 60_000);

  it('records nothing (and creates nothing) when the configured database has no history table', async () => {
    const { url, dir } = await setup(GOOD);
    await new Migrator({ ...config(url, dir), historyTable: '' }).up({ steps: 1 });
    const log = recording();
    const r = await verifyMigrations({ ...config(url, dir), log });
    expect(r).toMatchObject({ ok: true, historyRecorded: 0 });
    expect(await tables(url)).toEqual(['schema_migrations', 'users']);
    expect(log.lines.filter((l) => l.startsWith('warn'))).toEqual([]);
    expect(log.lines).toContainEqual(expect.stringMatching(/^debug public\.schema_migrations_history does not exist in \S+: the 3 verified down section\(s\) .* are not recorded/));
    // History disabled: not even looked for.
    const off = await verifyMigrations({ ...config(url, dir), historyTable: '' });
    expect(off.historyRecorded).toBe(0);
  }, 60_000);

  it('skips recording, and still passes, when the configured database does not exist', async () => {
    const { url, dir } = await setup(GOOD);
    const missing = new URL(url);
    missing.pathname = `/${dbName(url)}_missing`;
    const log = recording();
    const r = await verifyMigrations({ ...config(missing.toString(), dir), log });
    expect(r).toMatchObject({ ok: true, migrations: 3, historyRecorded: 0 });
    expect(log.lines.filter((l) => l.startsWith('warn'))).toEqual([]);
    expect(log.lines).toContainEqual(`debug database ${dbName(url)}_missing does not exist: the 3 verified down section(s) in the history table of ${parseDatabaseUrl(missing.toString()).redacted} are not recorded`);
    expect(await query(server().adminUrl, 'select datname from pg_database where datname = $1', [`${dbName(url)}_missing`])).toEqual([]);
    expect(await scratchDatabases(`${dbName(url)}_missing`)).toEqual([]);
  }, 60_000);

  it('writes the rows in one transaction: when one cannot be written, none is (a warning, verify still passes)', async () => {
    const { url, dir } = await setup(GOOD);
    await new Migrator(config(url, dir)).up({ steps: 1 });
    // The last of the three rows (001, rolled back last) is refused.
    await query(
      url,
      `create function refuse_001() returns trigger language plpgsql as $$ begin raise exception 'no proof for 001'; end $$;
       create trigger refuse_001 before insert on schema_migrations_history
         for each row when (new.version = '001' and new.outcome = 'verified') execute function refuse_001()`,
    );
    const log = recording();
    const r = await verifyMigrations({ ...config(url, dir), log });
    expect(r).toMatchObject({ ok: true, historyRecorded: 0 });
    expect(log.lines.filter((l) => l.startsWith('warn'))).toEqual([expect.stringMatching(/^warn could not record the 3 verified down section\(s\) .*: no proof for 001$/)]);
    expect((await historyRows(url)).filter((p) => p.outcome === 'verified')).toEqual([]);
  }, 60_000);

  it('warns, records nothing and still passes when the history table predates the verified outcome', async () => {
    const { url, dir } = await setup(GOOD);
    // A 0.1.0 table: no invocation_id, and a check constraint without `verified`.
    await query(
      url,
      `create table schema_migrations_history (
         id bigint generated always as identity primary key, version varchar not null,
         direction text not null check (direction in ('up', 'down')),
         outcome text not null check (outcome in ('applied', 'failed', 'rolled_back')),
         file_name text, checksum text, started_at timestamptz not null, finished_at timestamptz not null,
         duration_ms double precision not null, environment text, actor text, git_sha text, run_id text,
         run_url text, tool_version text, sqlstate text, error text)`,
    );
    const log = recording();
    const r = await verifyMigrations({ ...config(url, dir), log });
    expect(r).toMatchObject({ ok: true, historyRecorded: 0 });
    expect(log.lines.filter((l) => l.startsWith('warn'))).toEqual([
      expect.stringMatching(/^warn could not record the 3 verified down section\(s\) in the history table of .*: .*invocation_id.* \(the history table predates the `verified` outcome: any `up` or `rollback` with this version upgrades it\)$/),
    ]);
    expect(await query(url, 'select count(*)::int as n from schema_migrations_history')).toEqual([{ n: 0 }]);
    // Verify did not upgrade (alter) the table either.
    expect(await query(url, "select count(*)::int as n from information_schema.columns where table_name = 'schema_migrations_history' and column_name = 'invocation_id'")).toEqual([{ n: 0 }]);
  }, 60_000);
});

const dbName = (url: string) => new URL(url).pathname.slice(1);

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

describe('verify proofs in db-migrate report', () => {
  it('counts the downs verify proved, until the file is edited', async () => {
    const url = await server().createDatabase();
    const proj = await project({
      'db/migrations/1_a.sql': migration('create table a (id int);', 'drop table a;'),
      'db/migrations/2_b.sql': migration('create table b (id int);', 'drop table b;'),
    });
    try {
      expect((await runCli(['--url', url, '--no-dump-schema', 'up'], { cwd: proj.dir })).code).toBe(0);
      const v = await runCli(['--url', url, 'verify'], { cwd: proj.dir });
      expect(v.stderr).toBe('');
      expect(v.stdout).toContain('Recorded 2 verified down section(s) in the history table\n');
      expect(v.code).toBe(0);
      const coverage = async () => JSON.parse((await runCli(['--url', url, 'report', '--json'], { cwd: proj.dir })).stdout).coverage;
      expect(await coverage()).toEqual({ migrations: 2, withDown: 2, withoutDown: [], verified: 2, downExercised: 0, unreadable: [] });
      // The proof is of the file as it was: an edited down section is unproven again.
      await proj.write({ 'db/migrations/2_b.sql': migration('create table b (id int);', 'drop table if exists b;') });
      expect(await coverage()).toMatchObject({ withDown: 2, verified: 1 });
    } finally {
      await proj.cleanup();
    }
  });
});
