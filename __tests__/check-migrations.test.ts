/**
 * checkMigrations() and MIGRATION_STATUS_SQL on a real PostgreSQL, with history rows written by the
 * real engine (Migrator), and the library bundle (dist/lib) imported as an app would.
 */
import { describe, it, expect, afterEach } from '@jest/globals';
import { builtinModules } from 'node:module';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { usePostgres, query, tables, withClient } from './helpers/pg.js';
import { project, migration, ROOT } from './helpers/cli.js';
import { checkMigrations, MIGRATION_STATUS_SQL, type MigrationCheck, type Queryable } from '../src/library/check-migrations.js';
import * as lib from '../src/lib.js';
import { engineConfig } from './helpers/engine.js';
import { Migrator, type MigratorConfig } from '../src/engine/migrator.js';

const server = usePostgres();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const DIR = 'db/migrations';
const ok = (n: string) => migration(`create table if not exists t${n} (id int);`, `drop table t${n};`);

/** A fresh database, a project with these files, a pg.Pool on it, and Migrators for it. */
async function setup(files: Record<string, string>) {
  const url = await server().createDatabase();
  const p = await project(Object.fromEntries(Object.entries(files).map(([name, body]) => [`${DIR}/${name}`, body])));
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  cleanups.push(() => p.cleanup());
  cleanups.push(() => pool.end());
  const migrator = (over: Partial<MigratorConfig> = {}) =>
    new Migrator(engineConfig(url, p.dir, { migrationsDirs: [DIR], ...over }));
  const write = (name: string, body: string) => p.write({ [`${DIR}/${name}`]: body });
  return { url, pool, dir: join(p.dir, DIR), migrator, write };
}

/** The result without its timestamp, for toEqual. */
function fields(c: MigrationCheck): Omit<MigrationCheck, 'checkedAt'> {
  expect(c.checkedAt).toBeInstanceOf(Date);
  const { checkedAt: _checkedAt, ...rest } = c;
  return rest;
}

/** The documented query, exactly as documented, with the app's expected version. */
async function statusSql(url: string, expected: string) {
  const [row] = await query<{ current_version: string | null; expected_applied: boolean; last_run_failed: boolean }>(url, MIGRATION_STATUS_SQL, [expected]);
  return row;
}

/** A Queryable that counts round trips. */
function counting(db: Queryable): Queryable & { count: number } {
  const q = {
    count: 0,
    query: (text: string, values?: unknown[]) => {
      q.count++;
      return db.query(text, values);
    },
  };
  return q;
}

describe('checkMigrations', () => {
  it('is up to date after a run, with the current version; the documented SQL agrees', async () => {
    const { url, pool, dir, migrator } = await setup({ '001_a.sql': ok('1'), '002_b.sql': ok('2') });
    expect((await migrator().up()).error).toBeUndefined();
    expect(fields(await checkMigrations(pool, dir))).toEqual({ upToDate: true, pending: [], current: '002', failedLast: false });
    expect(await statusSql(url, '002')).toEqual({ current_version: '002', expected_applied: true, last_run_failed: false });
    expect(await statusSql(url, '003')).toMatchObject({ expected_applied: false });
  });

  it('lists files added after the run as pending, in dbmate order (older ones too); ledger versions without a file only move current', async () => {
    const { pool, dir, migrator, write } = await setup({ '1_a.sql': ok('1'), '2_b.sql': ok('2') });
    await migrator().up();
    await write('10_c.sql', ok('10'));
    await write('0_z.sql', ok('0'));
    // dbmate sorts file names byte-wise: 0_z, 10_c, 1_a, 2_b.
    expect(fields(await checkMigrations(pool, dir))).toEqual({ upToDate: false, pending: ['0', '10'], current: '2', failedLast: false });
    await migrator().up();
    // A newer release already migrated further: its version has no file here, and is still current.
    await pool.query(`insert into schema_migrations (version) values ('3')`);
    expect(fields(await checkMigrations(pool, dir))).toEqual({ upToDate: true, pending: [], current: '3', failedLast: false });
  });

  it('on a database nothing has migrated: everything pending, current null, nothing created, and the documented cost', async () => {
    const { url, pool, dir } = await setup({ '001_a.sql': ok('1'), '002_b.sql': ok('2') });
    const db = counting(pool);
    expect(fields(await checkMigrations(db, dir))).toEqual({ upToDate: false, pending: ['001', '002'], current: null, failedLast: false });
    // Resolving an unqualified ledger name takes two (ledger.ts), then the existence check; no data query.
    expect(db.count).toBe(3);
    expect(await tables(url)).toEqual([]);
  });

  it('reports a failed last run (rows written by the real engine) until a run succeeds', async () => {
    const { url, pool, dir, migrator, write } = await setup({
      '001_a.sql': ok('1'),
      '002_bad.sql': migration('create table t2 (id int references missing (id));', 'drop table t2;'),
    });
    const r = await migrator().up();
    expect(r.error).toBeDefined();
    const db = counting(pool);
    expect(fields(await checkMigrations(db, dir))).toEqual({ upToDate: false, pending: ['002'], current: '001', failedLast: true });
    expect(db.count).toBe(4);
    expect(await statusSql(url, '002')).toEqual({ current_version: '001', expected_applied: false, last_run_failed: true });

    await write('002_bad.sql', ok('2'));
    expect((await migrator().up()).error).toBeUndefined();
    expect(fields(await checkMigrations(pool, dir))).toEqual({ upToDate: true, pending: [], current: '002', failedLast: false });
    expect(await statusSql(url, '002')).toEqual({ current_version: '002', expected_applied: true, last_run_failed: false });
  });

  it("counts an automatic rollback (the same run went up, then down) as failed, a rollback command not; verify's rows are not runs", async () => {
    const { url, pool, dir, migrator } = await setup({ '001_a.sql': ok('1'), '002_b.sql': ok('2') });
    // What the action does when a health check fails: one Migrator (one invocation) goes up, then undoes its migrations.
    const m = migrator();
    expect((await m.up()).error).toBeUndefined();
    expect((await m.rollbackVersions(['001', '002'], { reason: 'health check failed' })).error).toBeUndefined();
    expect(fields(await checkMigrations(pool, dir))).toEqual({ upToDate: false, pending: ['001', '002'], current: null, failedLast: true });
    expect(await statusSql(url, '002')).toEqual({ current_version: null, expected_applied: false, last_run_failed: true });

    // Proofs recorded by `verify` after that run change nothing.
    await pool.query(
      `insert into schema_migrations_history (version, direction, outcome, file_name, checksum, started_at, finished_at, duration_ms, tool_version, invocation_id)
       values ('002', 'down', 'verified', '002_b.sql', 'x', now(), now(), 1, 'test', 'verify-run')`,
    );
    expect((await checkMigrations(pool, dir)).failedLast).toBe(true);
    expect((await statusSql(url, '002')).last_run_failed).toBe(true);

    // A deliberate rollback (its own invocation, no up) is not a failure.
    await migrator().up();
    expect((await migrator().rollback()).error).toBeUndefined();
    expect(fields(await checkMigrations(pool, dir))).toEqual({ upToDate: false, pending: ['002'], current: '001', failedLast: false });
    expect((await statusSql(url, '002')).last_run_failed).toBe(false);
  });

  it('reads a custom ledger `myschema.ledger` and its history table beside it (three round trips with a schema-qualified name)', async () => {
    const { url, pool, dir, migrator, write } = await setup({ '001_a.sql': ok('1') });
    const tablesCfg = { migrationsTable: 'myschema.ledger', historyTable: 'audit' };
    await migrator(tablesCfg).up();
    await write('002_bad.sql', migration('select 1/0;', ''));
    await migrator(tablesCfg).up();
    expect(await tables(url, 'myschema')).toEqual(['audit', 'ledger']);

    const db = counting(pool);
    expect(fields(await checkMigrations(db, dir, tablesCfg))).toEqual({ upToDate: false, pending: ['002'], current: '001', failedLast: true });
    expect(db.count).toBe(3);
    // With the defaults it looks at public.schema_migrations, which does not exist.
    expect(fields(await checkMigrations(pool, dir))).toEqual({ upToDate: false, pending: ['001', '002'], current: null, failedLast: false });
    // The history table follows the ledger's schema, also for a name that needs quoting.
    await migrator({ migrationsTable: 'myschema.Ledger Two', historyTable: 'Audit Two' }).up();
    expect(fields(await checkMigrations(pool, dir, { migrationsTable: 'myschema.Ledger Two', historyTable: 'Audit Two' }))).toEqual({
      upToDate: false,
      pending: ['002'],
      current: '001',
      failedLast: true,
    });
  });

  it('with history disabled or missing: failedLast false, no error', async () => {
    const { url, pool, dir, migrator } = await setup({
      '001_a.sql': ok('1'),
      '002_bad.sql': migration('select 1/0;', ''),
    });
    await migrator({ historyTable: '' }).up();
    expect(await tables(url)).toEqual(['schema_migrations', 't1']);
    const missing = fields(await checkMigrations(pool, dir));
    expect(missing).toEqual({ upToDate: false, pending: ['002'], current: '001', failedLast: false });
    for (const historyTable of [null, '']) {
      const db = counting(pool);
      expect(fields(await checkMigrations(db, dir, { historyTable }))).toEqual(missing);
      expect(db.count).toBe(4);
    }
  });

  it('filters runs by environment', async () => {
    const { pool, dir, migrator, write } = await setup({ '001_a.sql': ok('1'), '002_bad.sql': migration('select 1/0;', '') });
    await migrator({ ctx: { toolVersion: 'test', environment: 'staging' } }).up(); // fails at 002
    await write('002_bad.sql', ok('2'));
    await write('003_c.sql', ok('3'));
    await migrator({ ctx: { toolVersion: 'test', environment: 'production' } }).up({ steps: 1 }); // succeeds
    expect((await checkMigrations(pool, dir)).failedLast).toBe(false);
    expect((await checkMigrations(pool, dir, { environment: 'production' })).failedLast).toBe(false);
    expect(fields(await checkMigrations(pool, dir, { environment: 'staging' }))).toEqual({ upToDate: false, pending: ['003'], current: '002', failedLast: true });
    expect((await checkMigrations(pool, dir, { environment: 'development' })).failedLast).toBe(false);
  });

  it('reads history tables from before invocation_id (0.1.0), grouping their rows by CI run and environment', async () => {
    const { url, pool, dir } = await setup({ '001_a.sql': ok('1'), '002_b.sql': ok('2') });
    // The 0.1.0 table, as a database migrated by 0.1.0 and not by a run of this version has it.
    await pool.query(`create table schema_migrations (version varchar primary key);
      insert into schema_migrations values ('001');
      create table schema_migrations_history (
        id bigint generated always as identity primary key, version varchar not null,
        direction text not null check (direction in ('up', 'down')),
        outcome text not null check (outcome in ('applied', 'failed', 'rolled_back')),
        file_name text, checksum text, started_at timestamptz not null, finished_at timestamptz not null,
        duration_ms double precision not null, environment text, actor text, git_sha text, run_id text,
        run_url text, tool_version text, sqlstate text, error text)`);
    const row = (version: string, direction: string, outcome: string, runId: string, env = 'production') =>
      pool.query(
        `insert into schema_migrations_history (version, direction, outcome, started_at, finished_at, duration_ms, run_id, environment)
         values ($1, $2, $3, now(), now(), 1, $4, $5)`,
        [version, direction, outcome, runId, env],
      );
    const failed = async () => (await checkMigrations(pool, dir)).failedLast;
    await row('001', 'up', 'applied', '1');
    expect(await failed()).toBe(false);
    await row('002', 'up', 'failed', '2');
    expect(await failed()).toBe(true);
    // Run 3 went up and was rolled back automatically; run 4 (another environment, same CI run id) is a rollback command.
    await row('002', 'up', 'applied', '3');
    await row('002', 'down', 'rolled_back', '3');
    expect(await failed()).toBe(true);
    await row('001', 'down', 'rolled_back', '3', 'staging');
    expect(await failed()).toBe(false);
    expect((await checkMigrations(pool, dir, { environment: 'production' })).failedLast).toBe(true);

    // After the engine upgrades the table (any up), old rows keep their meaning and the documented SQL works.
    await pool.query(`alter table schema_migrations_history add column invocation_id text`);
    expect(await failed()).toBe(false);
    expect(await statusSql(url, '001')).toEqual({ current_version: '001', expected_applied: true, last_run_failed: false });
  });

  it('the status a run recorded on its rows decides: a run whose rows all applied but whose status was failed (a failed health check left applied) failed', async () => {
    const { url, pool, dir, migrator, write } = await setup({ '001_a.sql': ok('1') });
    const first = migrator();
    expect((await first.up()).error).toBeUndefined();
    expect((await checkMigrations(pool, dir)).failedLast).toBe(false);
    // What the action writes once the run has ended, here after its health check failed.
    expect(await first.recordRunOutcome({ status: 'failed', durationMs: 12 })).toBe(1);
    expect(fields(await checkMigrations(pool, dir))).toEqual({ upToDate: true, pending: [], current: '001', failedLast: true });
    expect(await statusSql(url, '001')).toEqual({ current_version: '001', expected_applied: true, last_run_failed: true });
    // The next run that records a row decides again: rolled back (new word) is a failure too.
    await write('002_b.sql', ok('2'));
    const second = migrator();
    expect((await second.up()).error).toBeUndefined();
    expect((await checkMigrations(pool, dir)).failedLast).toBe(false);
    await second.rollbackVersions(['002']);
    expect(await query(url, `select outcome from schema_migrations_history order by id desc limit 1`)).toEqual([{ outcome: 'rolled-back' }]);
    expect((await checkMigrations(pool, dir)).failedLast).toBe(true);
    expect(await second.recordRunOutcome({ status: 'rolled-back', durationMs: 40 })).toBe(2);
    expect((await checkMigrations(pool, dir)).failedLast).toBe(true);
    expect((await statusSql(url, '002')).last_run_failed).toBe(true);
    // A deliberate rollback that worked is not a failure.
    await migrator().up();
    const third = migrator();
    expect((await third.rollback()).error).toBeUndefined();
    await third.recordRunOutcome({ status: 'success', durationMs: 3 });
    expect((await checkMigrations(pool, dir)).failedLast).toBe(false);
    expect((await statusSql(url, '002')).last_run_failed).toBe(false);
  });

  it('propagates connection errors (so a /health endpoint can answer 503)', async () => {
    const { dir } = await setup({ '001_a.sql': ok('1') });
    const bad = new pg.Pool({ connectionString: server().url('no_such_database_here'), max: 1 });
    cleanups.push(() => bad.end());
    await expect(checkMigrations(bad, dir)).rejects.toMatchObject({ code: '3D000' });
    await expect(checkMigrations(bad, '/nonexistent/dir')).rejects.toMatchObject({ code: 'MIGRATIONS_DIR_MISSING' });
  });

  it('takes a pg.Client and a PoolClient as well as a pg.Pool', async () => {
    const { url, pool, dir, migrator } = await setup({ '001_a.sql': ok('1') });
    await migrator().up();
    const expected = { upToDate: true, pending: [], current: '001', failedLast: false };
    await withClient(url, async (client) => expect(fields(await checkMigrations(client, dir))).toEqual(expected));
    const pc = await pool.connect();
    try {
      expect(fields(await checkMigrations(pc, [dir]))).toEqual(expected);
    } finally {
      pc.release();
    }
  });
});

describe('library entry and docs', () => {
  it('exports checkMigrations and the documented SQL', () => {
    expect(lib.checkMigrations).toBe(checkMigrations);
    expect(lib.MIGRATION_STATUS_SQL).toBe(MIGRATION_STATUS_SQL);
  });

  it('docs/DATABASE_MIGRATIONS.md shows the status query exactly as it runs, before Troubleshooting', () => {
    const doc = readFileSync(join(ROOT, 'docs/DATABASE_MIGRATIONS.md'), 'utf8');
    const section = doc.indexOf('\n## Migration status in application health checks\n');
    expect(section).toBeGreaterThan(0);
    expect(section).toBeLessThan(doc.indexOf('\n## Troubleshooting\n'));
    expect(doc).toContain(`\`\`\`sql\n${MIGRATION_STATUS_SQL}\n\`\`\``);
  });
});

// The committed bundle (check-dist.test.ts keeps it equal to a fresh build), or a private build's
// directory named by DB_MIGRATE_DIST (`DIST_DIR=/tmp/x node scripts/build.mjs`).
describe('dist/lib, the package entry apps import', () => {
  it('is a small ESM bundle of src/ only, with declarations, that answers on a pg.Pool', async () => {
    const out = process.env.DB_MIGRATE_DIST ?? join(ROOT, 'dist');

    // package.json points at what the build produced.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const inOut = (p: string) => join(out, p.replace(/^(\.\/)?dist\//, ''));
    expect(pkg.main).toBe('dist/lib/index.js');
    expect(pkg.exports['.']).toEqual({ types: './dist/lib/index.d.ts', import: './dist/lib/index.js' });
    for (const p of [pkg.main, pkg.types, pkg.exports['.'].import, pkg.exports['.'].types]) expect(existsSync(inOut(p))).toBe(true);

    const libDir = join(out, 'lib');
    // Declarations keep their place under src/: index.d.ts re-exports library/check-migrations.d.ts.
    expect(readdirSync(libDir).sort()).toEqual(['index.d.ts', 'index.js', 'library', 'package.json']);
    expect(readdirSync(join(libDir, 'library'))).toEqual(['check-migrations.d.ts']);
    expect(JSON.parse(readFileSync(join(libDir, 'package.json'), 'utf8'))).toEqual({ type: 'module' });
    const bundle = readFileSync(join(libDir, 'index.js'), 'utf8');
    expect(bundle.length).toBeLessThan(64 * 1024);
    expect(bundle).not.toContain('@actions');
    expect(bundle).not.toContain('libpg-query');
    expect(bundle).not.toContain('node_modules');
    // Every module webpack put in comes from src/; everything else is a Node built-in, loaded at runtime.
    const modules = [...bundle.matchAll(/CONCATENATED MODULE: (external "[^"]+"|\S+)/g)].map((m) => m[1]);
    expect(modules.filter((m) => m.startsWith('./src/'))).toContain('./src/library/check-migrations.ts');
    const builtin = (m: string) => builtinModules.includes(m.replace(/^node:/, ''));
    expect(modules.filter((m) => !m.startsWith('./src/') && !builtin(m.replace(/^external "(.*)"$/, '$1')))).toEqual([]);
    const loaded = [...bundle.matchAll(/^import .* from "([^"]+)";$/gm), ...bundle.matchAll(/createRequire\(import\.meta\.url\)\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(loaded.filter((m) => !builtin(m))).toEqual([]);

    const types = readFileSync(join(libDir, 'index.d.ts'), 'utf8');
    expect(types).toMatch(/export \{ checkMigrations, MIGRATION_STATUS_SQL \} from '\.\/library\/check-migrations\.js';/);
    expect(readFileSync(join(libDir, 'library', 'check-migrations.d.ts'), 'utf8')).toMatch(/export declare function checkMigrations\(db: Queryable, dir: string \| string\[\], opts\?: CheckMigrationsOptions\): Promise<MigrationCheck>;/);

    const built = (await import(pathToFileURL(join(libDir, 'index.js')).href)) as typeof lib;
    expect(built.MIGRATION_STATUS_SQL).toBe(MIGRATION_STATUS_SQL);
    const { pool, dir, migrator, write } = await setup({ '001_a.sql': ok('1') });
    await migrator().up();
    await write('002_b.sql', ok('2'));
    expect(fields(await built.checkMigrations(pool, dir))).toEqual({ upToDate: false, pending: ['002'], current: '001', failedLast: false });
  }, 300_000);
});
