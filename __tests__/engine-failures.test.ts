/**
 * How the engine fails, on a real PostgreSQL: what stays in the database, what the ledger and the
 * history table say, and the exact message and exit code users get (in-process CLI).
 */
import { describe, it, expect, afterEach } from '@jest/globals';
import { usePostgres, query, tables, waitFor } from './helpers/pg.js';
import { runCli, project, migration, withoutLintWarnings, type CliRun } from './helpers/cli.js';

const server = usePostgres();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const DIR = 'db/migrations';

/** A fresh database and project with these migration files (names relative to db/migrations). */
async function setup(files: Record<string, string>) {
  const url = await server().createDatabase();
  const p = await project(Object.fromEntries(Object.entries(files).map(([name, body]) => [`${DIR}/${name}`, body])));
  cleanups.push(p.cleanup);
  // The engine's own output: lint's warnings about these deliberately broken files are cli-lint.test.ts's subject.
  const run = async (args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> => {
    const r = await runCli(['--no-dump-schema', ...args], { env: { DATABASE_URL: url, ...extraEnv }, cwd: p.dir });
    return { ...r, stderr: withoutLintWarnings(r.stderr) };
  };
  const write = (name: string, body: string) => p.write({ [`${DIR}/${name}`]: body });
  return { url, dir: p.dir, run, write };
}

interface HistoryRow {
  version: string;
  direction: string;
  outcome: string;
  sqlstate: string | null;
  error: string | null;
}

const history = (url: string) =>
  query<HistoryRow>(url, 'select version, direction, outcome, sqlstate, error from schema_migrations_history order by id');
const ledger = async (url: string) => (await query<{ version: string }>(url, 'select version from schema_migrations order by 1')).map((r) => r.version);
const BOOKKEEPING = ['schema_migrations', 'schema_migrations_history'];
const APPLIED_LINE = (file: string) => new RegExp(`^Applied: ${file.replace(/\./g, '\\.')} in [0-9.]+(µs|ms|s)$`, 'm');

describe('a failing statement in a transactional migration', () => {
  it('leaves nothing of the file, records the failure, and names file:line:column, statement and SQLSTATE', async () => {
    const bad = [
      '-- migrate:up',
      'create table t1 (id int);',
      'create table t2 (id int);',
      'select id from   nonexistent_table;',
      'create table t3 (id int);',
      '',
      '-- migrate:down',
      'drop table t3, t2, t1;',
      '',
    ].join('\n');
    const s = await setup({
      '20240101000000_first.sql': migration('create table first (id int);', 'drop table first;'),
      '20240102000000_bad.sql': bad,
    });

    const r = await s.run(['up']);

    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(APPLIED_LINE('20240101000000_first.sql'));
    expect(r.stdout).toMatch(/Applying: 20240102000000_bad\.sql\n$/);
    expect(r.stdout).not.toMatch(/Applied: 20240102000000_bad/);
    const headline =
      `${DIR}/20240102000000_bad.sql:4:18: applying version 20240102000000 failed: ` +
      'relation "nonexistent_table" does not exist (SQLSTATE 42P01)';
    expect(r.stderr).toBe(
      `Error: ${headline}\n` +
        '  statement: select id from nonexistent_table\n' +
        '  nothing from this up section was applied (it ran in one transaction that was rolled back)\n' +
        '  hint: fix the migration file and run again; nothing of it was applied\n',
    );

    // The earlier file stays applied; nothing of the failing one remains.
    expect(await tables(s.url)).toEqual(['first', ...BOOKKEEPING]);
    expect(await ledger(s.url)).toEqual(['20240101000000']);
    expect(await history(s.url)).toEqual([
      { version: '20240101000000', direction: 'up', outcome: 'applied', sqlstate: null, error: null },
      { version: '20240102000000', direction: 'up', outcome: 'failed', sqlstate: '42P01', error: headline },
    ]);
  });

  it('names the failing statement of a constraint violation (no server position) by replaying the file', async () => {
    const s = await setup({
      '20240101000000_dup.sql': migration(
        [
          'create table u (id int primary key);',
          'insert into u values (1);',
          'insert into u values (2);',
          'insert into u values (1);',
          'create table after_dup (id int);',
        ].join('\n'),
        'drop table after_dup, u;',
      ),
    });

    const r = await s.run(['up']);

    expect(r.code).toBe(2);
    expect(r.stdout).toBe('Applying: 20240101000000_dup.sql\n');
    // Line 5 (the second `insert … (1)`), not line 3 which has the same text.
    expect(r.stderr).toBe(
      `Error: ${DIR}/20240101000000_dup.sql:5:1: applying version 20240101000000 failed: ` +
        'duplicate key value violates unique constraint "u_pkey" (SQLSTATE 23505)\n' +
        '  detail: Key (id)=(1) already exists.\n' +
        '  statement: insert into u values (1)\n' +
        '  nothing from this up section was applied (it ran in one transaction that was rolled back)\n' +
        '  hint: fix the migration file and run again; nothing of it was applied\n',
    );
    // The replay that located the statement was rolled back as well.
    expect(await tables(s.url)).toEqual(BOOKKEEPING);
    expect(await ledger(s.url)).toEqual([]);
    expect(await history(s.url)).toEqual([
      expect.objectContaining({ version: '20240101000000', outcome: 'failed', sqlstate: '23505' }),
    ]);
  });

  it('reports an error in a down section at its line in the file, and keeps the migration applied', async () => {
    const body = [
      '-- migrate:up', // 1
      'create table keep_me (id int);', // 2
      '', // 3
      '-- migrate:down', // 4
      '-- undo it', // 5
      'drop table keep_me;', // 6
      '', // 7
      'select * from', // 8
      '  missing_in_down;', // 9
      '',
    ].join('\n');
    const s = await setup({ '20240101000000_down.sql': body });
    expect((await s.run(['up'])).code).toBe(0);

    const r = await s.run(['rollback']);

    expect(r.code).toBe(2);
    expect(r.stdout).toBe('Rolling back: 20240101000000_down.sql\n');
    expect(r.stderr).toBe(
      `Error: ${DIR}/20240101000000_down.sql:9:3: rolling back version 20240101000000 failed: ` +
        'relation "missing_in_down" does not exist (SQLSTATE 42P01)\n' +
        '  statement: select * from missing_in_down\n' +
        '  nothing from this down section was applied (it ran in one transaction that was rolled back)\n' +
        '  hint: fix the migration file and run again; nothing of it was applied\n',
    );
    expect(await tables(s.url)).toEqual(['keep_me', ...BOOKKEEPING]);
    expect(await ledger(s.url)).toEqual(['20240101000000']);
    expect((await history(s.url)).map((h) => `${h.direction}:${h.outcome}:${h.sqlstate}`)).toEqual(['up:applied:null', 'down:failed:42P01']);
  });

  it('explains a 25001 (CREATE INDEX CONCURRENTLY in a transaction) with the transaction:false fix', async () => {
    const up = ['create table a (id int);', 'CREATE INDEX CONCURRENTLY a_idx ON a (id);', 'create table b (id int);'].join('\n');
    const s = await setup({ '20240101000000_cic.sql': migration(up, 'drop table b, a;') });

    const r = await s.run(['up']);

    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `Error: ${DIR}/20240101000000_cic.sql:3:1: applying version 20240101000000 failed: ` +
        'CREATE INDEX CONCURRENTLY cannot run inside a transaction block (SQLSTATE 25001)\n' +
        '  statement: CREATE INDEX CONCURRENTLY a_idx ON a (id)\n' +
        '  nothing from this up section was applied (it ran in one transaction that was rolled back)\n' +
        '  hint: this statement cannot run inside a transaction: add `transaction:false` to the marker line (`-- migrate:up transaction:false`)\n',
    );
    expect(await tables(s.url)).toEqual(BOOKKEEPING);
  });

  it('says so when a deferred constraint fails at COMMIT', async () => {
    const up = [
      'create table p (id int primary key);',
      'create table c (pid int references p deferrable initially deferred);',
      'insert into c values (5);',
      'create table z (id int);',
    ].join('\n');
    const s = await setup({ '20240101000000_deferred.sql': migration(up, 'drop table z, c, p;') });

    const r = await s.run(['up']);

    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `Error: ${DIR}/20240101000000_deferred.sql: applying version 20240101000000 failed: ` +
        'insert or update on table "c" violates foreign key constraint "c_pid_fkey" (SQLSTATE 23503)\n' +
        '  detail: Key (pid)=(5) is not present in table "p".\n' +
        '  statement: COMMIT (a deferred constraint was checked at the end of the transaction)\n' +
        '  nothing from this up section was applied (it ran in one transaction that was rolled back)\n' +
        '  hint: fix the migration file and run again; nothing of it was applied\n',
    );
    expect(await tables(s.url)).toEqual(BOOKKEEPING);
  });

  it('quotes the statement of a syntax error, even next to a BEGIN ATOMIC body full of semicolons', async () => {
    const up = [
      'create table p (id int primary key);', // 2
      'create function n() returns int language sql', // 3
      'begin atomic', // 4
      '  select 1;', // 5
      '  select case when true then 2 else 3 end;', // 6
      'end;', // 7
      'create tabel c (id int);', // 8
      'create table z (id int);', // 9
    ].join('\n');
    const s = await setup({ '20240101000000_syntax.sql': migration(up, '') });

    const r = await s.run(['up']);

    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `^Error: ${DIR}/20240101000000_syntax\\.sql:8:8: applying version 20240101000000 failed: syntax error at or near "tabel" \\(SQLSTATE 42601\\)\n` +
          '  statement: create tabel c \\(id int\\)\n',
      ),
    );
    expect(await tables(s.url)).toEqual(BOOKKEEPING);
  });

  it('places the error correctly when non-ASCII text (emoji, CRLF) comes before the failing statement', async () => {
    const body = [
      '-- migrate:up', // 1
      '-- 🚀🚀🚀🚀🚀🚀🚀🚀 launch day: café', // 2
      "create table x (id int, note text default '🙂');", // 3
      'table nonexistent_t;', // 4
      '',
      '-- migrate:down',
      'drop table x;',
      '',
    ].join('\r\n');
    const s = await setup({ '20240101000000_emoji.sql': body });

    const r = await s.run(['up']);

    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^Error: ${DIR}/20240101000000_emoji\\.sql:4:7: applying version 20240101000000 failed: relation "nonexistent_t" does not exist \\(SQLSTATE 42P01\\)\n  statement: table nonexistent_t\n`),
    );
    expect(await tables(s.url)).toEqual(BOOKKEEPING);
  });
});

describe('transaction:false', () => {
  it('keeps the statements that completed, reports exactly which, and writes no ledger row', async () => {
    const up = [
      'create table a (id int);', // 2
      'CREATE INDEX CONCURRENTLY a_id_idx ON a (id);', // 3
      'create table b (id int);', // 4
      'insert into nonexistent values (1);', // 5
      'create table c (id int);', // 6
    ].join('\n');
    const s = await setup({ '20240101000000_nontx.sql': migration(up, 'drop table if exists c, b, a;', { upOptions: 'transaction:false' }) });

    const r = await s.run(['up']);

    expect(r.code).toBe(2);
    expect(r.stdout).toBe('Applying: 20240101000000_nontx.sql\n');
    const headline =
      `${DIR}/20240101000000_nontx.sql:5:13: applying version 20240101000000 failed: ` + 'relation "nonexistent" does not exist (SQLSTATE 42P01)';
    expect(r.stderr).toBe(
      `Error: ${headline}\n` +
        '  statement: insert into nonexistent values (1)\n' +
        '  transaction:false: 3 statement(s) before it completed and remain applied: ' +
        'create table a (id int) | CREATE INDEX CONCURRENTLY a_id_idx ON a (id) | create table b (id int)\n' +
        '  hint: statements that completed stay applied: make the file idempotent (IF NOT EXISTS / IF EXISTS) or clean up by hand, then run again\n',
    );
    expect(await tables(s.url)).toEqual(['a', 'b', ...BOOKKEEPING]);
    expect(await query(s.url, "select indexname from pg_indexes where tablename = 'a'")).toEqual([{ indexname: 'a_id_idx' }]);
    expect(await ledger(s.url)).toEqual([]);
    expect(await history(s.url)).toEqual([
      { version: '20240101000000', direction: 'up', outcome: 'failed', sqlstate: '42P01', error: headline },
    ]);
  });

  it('runs several CREATE INDEX CONCURRENTLY among other statements (dbmate fails this with 25001)', async () => {
    const up = [
      'create table orders (id bigint generated always as identity primary key, customer int, placed date, total numeric);',
      "insert into orders (customer, placed, total) select g % 50, date '2024-01-01' + g % 30, g from generate_series(1, 500) g;",
      'CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer);',
      'analyze orders;',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_placed_idx ON orders (placed);',
      'CREATE UNIQUE INDEX CONCURRENTLY orders_id_total_key ON orders (id, total);',
      'create table audit (id int);',
    ].join('\n');
    const s = await setup({
      '20240101000000_indexes.sql': migration(up, 'drop table audit, orders;', { upOptions: 'transaction:false' }),
      '20240102000000_after.sql': migration('create table after_indexes (id int);', 'drop table after_indexes;'),
    });

    const r = await s.run(['up']);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(APPLIED_LINE('20240101000000_indexes.sql'));
    expect(r.stdout).toMatch(APPLIED_LINE('20240102000000_after.sql'));
    expect(await query(s.url, "select c.relname as name, i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid where t.relname = 'orders' order by 1")).toEqual([
      { name: 'orders_customer_idx', valid: true },
      { name: 'orders_id_total_key', valid: true },
      { name: 'orders_pkey', valid: true },
      { name: 'orders_placed_idx', valid: true },
    ]);
    expect(await ledger(s.url)).toEqual(['20240101000000', '20240102000000']);
    expect((await history(s.url)).map((h) => h.outcome)).toEqual(['applied', 'applied']);
  });

  it('reports the INVALID index a failed CREATE UNIQUE INDEX CONCURRENTLY leaves behind, by name', async () => {
    const up = ['create table d (x int);', 'insert into d values (1), (2), (1);', 'CREATE UNIQUE INDEX CONCURRENTLY d_x_key ON d (x);'].join('\n');
    const s = await setup({ '20240101000000_unique.sql': migration(up, 'drop table d;', { upOptions: 'transaction:false' }) });

    const r = await s.run(['up']);

    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `Error: ${DIR}/20240101000000_unique.sql:4:1: applying version 20240101000000 failed: ` +
        'could not create unique index "d_x_key" (SQLSTATE 23505)\n' +
        '  detail: Key (x)=(1) is duplicated.\n' +
        '  statement: CREATE UNIQUE INDEX CONCURRENTLY d_x_key ON d (x)\n' +
        '  transaction:false: 2 statement(s) before it completed and remain applied: create table d (x int) | insert into d values (1), (2), (1)\n' +
        '  INVALID indexes left behind: d_x_key (drop them with DROP INDEX CONCURRENTLY before retrying)\n' +
        '  hint: statements that completed stay applied: make the file idempotent (IF NOT EXISTS / IF EXISTS) or clean up by hand, then run again\n',
    );
    expect(await query(s.url, "select c.relname as name, i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = 'd_x_key'")).toEqual([
      { name: 'd_x_key', valid: false },
    ]);
    expect(await ledger(s.url)).toEqual([]);
  });

  it('reports only the INVALID indexes this file left, not older ones', async () => {
    const s = await setup({
      '20240101000000_old.sql': migration("create table old (x int);\ninsert into old values (1), (1);\nCREATE UNIQUE INDEX CONCURRENTLY old_x_key ON old (x);", '', { upOptions: 'transaction:false' }),
      '20240102000000_new.sql': migration('create table fresh (x int);\ninsert into fresh values (2), (2);\nCREATE UNIQUE INDEX CONCURRENTLY fresh_x_key ON fresh (x);', '', { upOptions: 'transaction:false' }),
    });
    expect((await s.run(['up'])).stderr).toContain('INVALID indexes left behind: old_x_key (');
    await s.write('20240101000000_old.sql', migration('create table if not exists old (x int);', '', { upOptions: 'transaction:false' }));
    // The leftover is still there (and still INVALID) when the second file fails.
    const r = await s.run(['up']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('  INVALID indexes left behind: fresh_x_key (drop them with DROP INDEX CONCURRENTLY before retrying)\n');
    expect((await query(s.url, 'select count(*)::int as n from pg_index where not indisvalid'))[0]).toEqual({ n: 2 });
  });

  it('does not split on semicolons inside strings, quoted identifiers, comments or dollar-quoted bodies', async () => {
    const up = [
      'create table notes (id serial primary key, body text);',
      "insert into notes (body) values ('a; b; c'), (E'it''s; fine'), ($tag$x;y$tag$);",
      '/* block comment; with ; semicolons */',
      'create table "odd;name" (id int); -- trailing; comment',
      'create function add_note(t text) returns int language plpgsql as $$',
      'declare n int;',
      'begin',
      '  insert into notes (body) values (t);',
      '  select count(*) into n from notes;',
      '  return n;',
      'end;',
      '$$;',
      "select add_note('from; function');",
    ].join('\n');
    const s = await setup({ '20240101000000_semicolons.sql': migration(up, 'drop function add_note(text); drop table "odd;name", notes;', { upOptions: 'transaction:false' }) });

    const r = await s.run(['up']);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await query(s.url, 'select body from notes order by id')).toEqual([
      { body: 'a; b; c' },
      { body: "it's; fine" },
      { body: 'x;y' },
      { body: 'from; function' },
    ]);
    expect(await tables(s.url)).toEqual(['notes', 'odd;name', ...BOOKKEEPING]);
    expect(await ledger(s.url)).toEqual(['20240101000000']);
  });

  it('reports a syntax error found before anything runs at its line in the file', async () => {
    const up = ['create table never_created (id int);', '', 'create tabel oops (id int);'].join('\n');
    const s = await setup({ '20240101000000_syntax.sql': migration(up, '', { upOptions: 'transaction:false' }) });

    const r = await s.run(['up']);

    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^Error: ${DIR}/20240101000000_syntax\\.sql:4:8: applying version 20240101000000 failed: syntax error at or near "tabel" \\(SQLSTATE 42601\\)\n`),
    );
    expect(r.stderr).toContain('  statement: create tabel oops (id int)\n');
    expect(r.stderr).toContain('transaction:false: no statement of this section completed');
    expect(await tables(s.url)).toEqual(BOOKKEEPING);
  });

  it('places the error correctly when emoji come before the failing statement', async () => {
    const up = ['-- 🚀🚀🚀🚀🚀🚀🚀🚀 launch', 'create table e (id int);', 'insert into nonexistent values (1);'].join('\n');
    const s = await setup({ '20240101000000_emoji.sql': migration(up, '', { upOptions: 'transaction:false' }) });

    const r = await s.run(['up']);

    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^Error: ${DIR}/20240101000000_emoji\\.sql:4:13: applying version`));
    expect(r.stderr).toContain('  statement: insert into nonexistent values (1)\n');
  });
});

/** The pid of the backend running a query whose text contains `marker`, once it is active. */
async function activeBackend(url: string, marker: string): Promise<number> {
  let pid = 0;
  await waitFor(
    async () => {
      const rows = await query<{ pid: number }>(
        url,
        "select pid from pg_stat_activity where pid <> pg_backend_pid() and state = 'active' and position($1 in query) > 0",
        [marker],
      );
      pid = rows[0]?.pid ?? 0;
      return pid !== 0;
    },
    15_000,
    `a backend running ${marker}`,
  );
  return pid;
}

describe('backend terminated in the middle of a migration', () => {
  it('transactional: exits 2 with "connection lost", leaves no ledger row or partial objects, and a rerun converges', async () => {
    const s = await setup({
      '20240101000000_first.sql': migration('create table first (id int);', 'drop table first;'),
      '20240102000000_slow.sql': migration('create table half_done (id int);\nselect pg_sleep(30);', 'drop table half_done;'),
      '20240103000000_last.sql': migration('create table last (id int);', 'drop table last;'),
    });

    const running = s.run(['up']);
    const pid = await activeBackend(s.url, 'pg_sleep(30)');
    expect(await query(s.url, 'select pg_terminate_backend($1) as ok', [pid])).toEqual([{ ok: true }]);
    const r = await running;

    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(APPLIED_LINE('20240101000000_first.sql'));
    expect(r.stdout).toMatch(/Applying: 20240102000000_slow\.sql\n$/);
    expect(r.stderr).toMatch(
      new RegExp(
        `^Error: ${DIR}/20240102000000_slow\\.sql: applying version 20240102000000 failed: ` +
          'connection to the database was lost: terminating connection due to administrator command \\(SQLSTATE 57P01\\)\n',
      ),
    );
    expect(r.stderr).toContain('nothing from this up section was applied');
    expect(r.stderr).toContain('hint: the migration and its ledger row were in one transaction');
    expect(await tables(s.url)).toEqual(['first', ...BOOKKEEPING]);
    expect(await ledger(s.url)).toEqual(['20240101000000']);
    // The attempt is audited through a fresh connection, since the killed session could not.
    expect((await history(s.url)).map((h) => `${h.version}:${h.outcome}:${h.sqlstate}`)).toEqual([
      '20240101000000:applied:null',
      '20240102000000:failed:57P01',
    ]);

    await s.write('20240102000000_slow.sql', migration('create table half_done (id int);', 'drop table half_done;'));
    const again = await s.run(['up']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/first\.sql/);
    expect(await tables(s.url)).toEqual(['first', 'half_done', 'last', ...BOOKKEEPING]);
    expect(await ledger(s.url)).toEqual(['20240101000000', '20240102000000', '20240103000000']);
  });

  it('transaction:false: reports the statements that completed before the kill; a rerun converges', async () => {
    const up = ['create table nt1 (id int);', 'create table nt2 (id int);', 'select pg_sleep(30);', 'create table nt3 (id int);'].join('\n');
    const s = await setup({ '20240101000000_nontx.sql': migration(up, 'drop table nt3, nt2, nt1;', { upOptions: 'transaction:false' }) });

    const running = s.run(['up']);
    const pid = await activeBackend(s.url, 'pg_sleep(30)');
    await query(s.url, 'select pg_terminate_backend($1)', [pid]);
    const r = await running;

    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `^Error: ${DIR}/20240101000000_nontx\\.sql: applying version 20240101000000 failed: ` +
          'connection to the database was lost: terminating connection due to administrator command \\(SQLSTATE 57P01\\)\n' +
          '  transaction:false: 2 statement\\(s\\) before it completed and remain applied: create table nt1 \\(id int\\) \\| create table nt2 \\(id int\\)\n',
      ),
    );
    expect(r.stderr).toContain('no ledger row was written');
    expect(await tables(s.url)).toEqual(['nt1', 'nt2', ...BOOKKEEPING]);
    expect(await ledger(s.url)).toEqual([]);
    expect((await history(s.url)).map((h) => `${h.outcome}:${h.sqlstate}`)).toEqual(['failed:57P01']);

    const fixed = ['create table if not exists nt1 (id int);', 'create table if not exists nt2 (id int);', 'create table if not exists nt3 (id int);'].join('\n');
    await s.write('20240101000000_nontx.sql', migration(fixed, 'drop table nt3, nt2, nt1;', { upOptions: 'transaction:false' }));
    const again = await s.run(['up']);
    expect(again.code).toBe(0);
    expect(await tables(s.url)).toEqual(['nt1', 'nt2', 'nt3', ...BOOKKEEPING]);
    expect(await ledger(s.url)).toEqual(['20240101000000']);
  });
});

describe('statement_timeout', () => {
  it('cancels a statement that runs too long: 57014, a hint about statement_timeout, nothing applied', async () => {
    const s = await setup({ '20240101000000_slow.sql': migration('create table never (id int);\nselect pg_sleep(5);', 'drop table never;') });

    const r = await s.run(['--statement-timeout', '200ms', 'up']);

    expect(r.code).toBe(2);
    expect(r.stdout).toBe('Applying: 20240101000000_slow.sql\n');
    expect(r.stderr).toMatch(
      new RegExp(`^Error: ${DIR}/20240101000000_slow\\.sql(:\\d+:\\d+)?: applying version 20240101000000 failed: canceling statement due to statement timeout \\(SQLSTATE 57014\\)\n`),
    );
    expect(r.stderr).toContain('  hint: the statement ran longer than statement_timeout: raise --statement-timeout, or batch the work\n');
    expect(await tables(s.url)).toEqual(BOOKKEEPING);
    expect(await ledger(s.url)).toEqual([]);
    expect(await history(s.url)).toEqual([expect.objectContaining({ outcome: 'failed', sqlstate: '57014' })]);
    // The server cancelled pg_sleep(5) when the 200 ms ran out: the attempt lasted at least that
    // long and ended far sooner than the sleep or a timeout ten times longer would have.
    const [{ ms }] = await query<{ ms: number }>(s.url, 'select duration_ms as ms from schema_migrations_history');
    expect(ms).toBeGreaterThanOrEqual(200);
    expect(ms).toBeLessThan(1500);
  });

  it('does not replay a section that timed out to find the statement: nothing in it runs twice', async () => {
    // A sequence is not transactional: a replay of the section would advance it a second time.
    const up = "create table never (id int);\nselect nextval('probe_seq');\nselect pg_sleep(5);";
    const s = await setup({ '20240101000000_slow.sql': migration(up, 'drop table never;') });
    await query(s.url, 'create sequence probe_seq');

    const r = await s.run(['--statement-timeout', '200ms', 'up']);

    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: \S+: applying version 20240101000000 failed: canceling statement due to statement timeout \(SQLSTATE 57014\)\n/);
    expect(await history(s.url)).toEqual([expect.objectContaining({ outcome: 'failed', sqlstate: '57014' })]);
    expect(await query(s.url, 'select last_value::int as last_value, is_called from probe_seq')).toEqual([{ last_value: 1, is_called: true }]);
    expect(await tables(s.url)).toEqual(BOOKKEEPING);
  });

  it('applies to transaction:false statements too', async () => {
    const up = 'create table kept (id int);\nselect pg_sleep(5);';
    const s = await setup({ '20240101000000_slow.sql': migration(up, '', { upOptions: 'transaction:false' }) });

    const r = await s.run(['--statement-timeout', '200ms', 'up']);

    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: db\/migrations\/20240101000000_slow\.sql:3:1: applying version 20240101000000 failed: canceling statement due to statement timeout \(SQLSTATE 57014\)\n/);
    expect(r.stderr).toContain('  statement: select pg_sleep(5)\n');
    expect(r.stderr).toContain('the statement ran longer than statement_timeout');
    expect(await tables(s.url)).toEqual(['kept', ...BOOKKEEPING]);
    expect(await ledger(s.url)).toEqual([]);
  });

  it('an SQL error that quotes the database password stores it masked in the history row, and never prints it', async () => {
    const s = await setup({});
    const password = decodeURIComponent(new URL(s.url).password);
    expect(password.length).toBeGreaterThan(3);
    await s.write('1_leak.sql', migration(`select '${password}'::int;`, ''));
    await s.write('2_leak_nontx.sql', migration(`create table kept_leak (id int);\nselect '${password}'::int;`, '', { upOptions: 'transaction:false' }));
    const first = await s.run(['up']);
    expect(first.code).toBe(2);
    expect(first.stderr).toContain('invalid input syntax for type integer: "********"');
    await s.write('1_leak.sql', migration('select 1;', ''));
    const second = await s.run(['up']);
    expect(second.code).toBe(2);
    const rows = await history(s.url);
    expect(rows.filter((r) => r.outcome === 'failed').map((r) => r.version)).toEqual(['1', '2']);
    for (const r of rows) expect(r.error ?? '').not.toContain(password);
    expect(rows.filter((r) => r.outcome === 'failed').map((r) => r.error)).toEqual([
      expect.stringContaining('invalid input syntax for type integer: "********"'),
      expect.stringContaining('invalid input syntax for type integer: "********"'),
    ]);
    expect(`${first.stdout}${first.stderr}${second.stdout}${second.stderr}`).not.toContain(password);
  });
});
