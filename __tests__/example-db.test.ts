import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type PostgresHandle } from '../scripts/embedded-pg.mjs';
import { pathWithPgDump15 } from '../scripts/dump-example-schema.mjs';
import { usePostgres, query, tables } from './helpers/pg.js';
import { runCli, ROOT, type CliRun } from './helpers/cli.js';

/**
 * The example project in db/: its migrations apply, roll back completely and apply again on real
 * PostgreSQL, the batched backfill does what it says, and the schema they produce is the committed
 * db/schema.sql (regenerate it with `npm run db:schema`).
 *
 * db/schema.sql is what PostgreSQL 15 with pg_dump 15 write, so the comparison runs on a 15 server:
 * TEST_DATABASE_URL's when it is 15, else an embedded 15. The round trip runs on the
 * TEST_DATABASE_URL server whatever its version (CI's matrix), else on the embedded 15.
 */
const server = usePostgres({ version: 15 });

const FILES = (await readdir(join(ROOT, 'db/migrations'))).filter((f) => /^\d+.*\.sql$/.test(f)).sort();
const VERSIONS = FILES.map((f) => /^\d+/.exec(f)![0]);

function cli(url: string, args: string[]): Promise<CliRun> {
  return runCli(['--url', url, '--migrations-dir', 'db/migrations', ...args], { cwd: ROOT });
}

/** A command that must succeed; on failure the assertion shows what it printed. */
async function ok(url: string, args: string[]): Promise<CliRun> {
  const r = await cli(url, args);
  expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
  return r;
}

const ledger = async (url: string) => (await query<{ version: string }>(url, 'select version from schema_migrations order by version')).map((r) => r.version);

describe('the example migrations in db/migrations', () => {
  it('are the small app the docs describe: users, orders, concurrent indexes, a batched backfill, NOT NULL without a long lock', () => {
    expect(FILES).toEqual([
      '20240101120000_create_users.sql',
      '20240102120000_create_orders.sql',
      '20240103120000_index_orders_user_id.sql',
      '20240104120000_add_orders_status.sql',
      '20240105120000_require_orders_status.sql',
    ]);
  });

  it('apply, backfill existing rows in batches, roll back completely and apply again', async () => {
    const url = await server().createDatabase();

    // The schema before the status migrations, with more rows than one backfill batch (5000).
    await ok(url, ['--no-dump-schema', 'up', '--steps', String(FILES.indexOf('20240104120000_add_orders_status.sql'))]);
    await query(url, "insert into users (email) select 'user' || g || '@example.com' from generate_series(1, 3) g");
    await query(url, 'insert into orders (user_id, total_cents) select 1 + g % 3, g from generate_series(1, 12001) g');

    const up = await ok(url, ['--no-dump-schema', 'up']);
    expect(up.stdout).toContain(`Applied: ${FILES.at(-1)}`);
    expect(await query(url, 'select status, count(*)::int as n from orders group by status')).toEqual([{ status: 'shipped', n: 12001 }]);
    expect(await query(url, "select convalidated from pg_constraint where conname = 'orders_status_check'")).toEqual([{ convalidated: true }]);
    expect(await query(url, 'insert into orders (user_id, total_cents) values (1, 5) returning status')).toEqual([{ status: 'placed' }]);
    await expect(query(url, "update orders set status = 'lost' where id = 1")).rejects.toThrow(/orders_status_check/);
    await expect(query(url, 'update orders set status = null where id = 1')).rejects.toThrow(/null value in column "status"/);
    expect(await query(url, "select conname from pg_constraint where conrelid = 'orders'::regclass and conname = 'orders_status_not_null'")).toEqual([]);
    expect(await ledger(url)).toEqual(VERSIONS);

    // Every down section works: nothing of the app is left, the ledger is empty.
    const down = await ok(url, ['--no-dump-schema', 'rollback', '--steps', String(FILES.length)]);
    expect(down.stdout.match(/^Rolled back: /gm)).toHaveLength(FILES.length);
    expect(await tables(url)).toEqual(['schema_migrations', 'schema_migrations_history']);
    expect(await query(url, "select indexrelid::regclass::text as name from pg_index i join pg_class c on c.oid = i.indrelid where c.relnamespace = 'public'::regnamespace and c.relname not like 'schema_migrations%'")).toEqual([]);
    expect(await ledger(url)).toEqual([]);

    // ...and everything applies again on the emptied database.
    await ok(url, ['--no-dump-schema', 'up']);
    expect(await ledger(url)).toEqual(VERSIONS);
    const status = await ok(url, ['status']);
    expect(status.stdout).toBe(`${FILES.map((f) => `[X] ${f}\n`).join('')}\nApplied: ${FILES.length}\nPending: 0\n`);

    // The audit trail saw all of it.
    const history = await query<{ direction: string; outcome: string; n: number }>(
      url,
      'select direction, outcome, count(*)::int as n from schema_migrations_history group by 1, 2 order by 1, 2',
    );
    expect(history).toEqual([
      { direction: 'down', outcome: 'rolled-back', n: FILES.length },
      { direction: 'up', outcome: 'applied', n: 2 * FILES.length },
    ]);
  });

  describe('db/schema.sql', () => {
    let pg15: PostgresHandle | undefined;
    let url: string;
    let dir: string;
    let savedPath: string | undefined;

    beforeAll(async () => {
      // The tool runs pg_dump from PATH (as dbmate does): put pg_dump 15 first.
      const path = pathWithPgDump15();
      if (path instanceof Error) throw path;
      savedPath = process.env.PATH;
      process.env.PATH = path;
      const [{ v }] = await query<{ v: number }>(server().adminUrl, "select current_setting('server_version_num')::int / 10000 as v");
      if (v !== 15) pg15 = await startPostgres({ version: 15, useEnv: false });
      url = await (pg15 ?? server()).createDatabase();
      dir = await mkdtemp(join(tmpdir(), 'dbm-example-schema-'));
    }, 120_000);

    afterAll(async () => {
      process.env.PATH = savedPath;
      await pg15?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 60_000);

    /** pg_dump writes its own version and the server's into the dump; those two lines vary by build. */
    const normalize = (dump: string) =>
      dump.replace(/^-- Dumped from database version .*$/m, '-- Dumped from database version <15.x>').replace(/^-- Dumped by pg_dump version .*$/m, '-- Dumped by pg_dump version <15.x>');

    it('is what the tool writes after up, a full rollback and up again (modulo the pg_dump/server version lines)', async () => {
      const schema = join(dir, 'schema.sql');
      await ok(url, ['--schema-file', schema, 'up']);
      await ok(url, ['--schema-file', schema, 'rollback', '--steps', String(FILES.length)]);
      const empty = await readFile(schema, 'utf8');
      expect(empty).not.toMatch(/CREATE TABLE public\.(users|orders)/);
      expect(empty.endsWith('-- Dbmate schema migrations\n--\n\n')).toBe(true);
      const r = await ok(url, ['--schema-file', schema, 'up']);
      expect(r.stdout).toContain(`Writing: ${schema}`);

      const committed = await readFile(join(ROOT, 'db/schema.sql'), 'utf8');
      expect(committed).toMatch(/^-- Dumped by pg_dump version 15\./m);
      expect(normalize(await readFile(schema, 'utf8'))).toBe(normalize(committed));
    });
  });
});
