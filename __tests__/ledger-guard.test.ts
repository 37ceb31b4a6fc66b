/**
 * What the engine refuses before anything runs (issue 14, parts 6–8), through the in-process CLI
 * against real PostgreSQL: another tool's table where the ledger or the history table should be,
 * migration files that are not UTF-8 (or hold a NUL), and table names outside the one rule of
 * engine/identifiers.ts. Each case checks the exact message, the exit code and that the database
 * is unchanged.
 */
import { describe, it, expect, afterEach } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { usePostgres, query, tables } from './helpers/pg.js';
import { runCli, project, migration, type CliRun } from './helpers/cli.js';

const server = usePostgres();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const DIR = 'db/migrations';
const A = '20240101000000_a.sql';
const B = '20240102000000_b.sql';
const C = '20240103000000_c.sql';

/** A project whose files are given as text or raw bytes. */
async function proj(files: Record<string, string | Buffer>) {
  const p = await project();
  cleanups.push(p.cleanup);
  await p.write({ [`${DIR}/.keep`]: '' });
  for (const [name, body] of Object.entries(files)) await writeFile(join(p.dir, DIR, name), body);
  return p;
}

function run(args: string[], url: string, cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(['--no-dump-schema', ...args], { env: { DATABASE_URL: url, ...env }, cwd });
}

const THREE = {
  [A]: migration('create table a (id int);', 'drop table a;'),
  [B]: migration('create table b (id int);', 'drop table b;'),
  [C]: migration('create table c (id int);', 'drop table c;'),
};

/** The hint every LEDGER_FOREIGN error ends with, after the tool-specific part. */
const LEDGER_HINT_START =
  "  hint: dbmate records applied migrations in a table with a text version column (it creates version varchar primary key). Give dbmate's ledger a name of its own with migrations-table (action input), --migrations-table or DBMATE_MIGRATIONS_TABLE (CLI), e.g. dbmate_migrations";

describe('another tool’s table where the ledger should be', () => {
  const GOLANG_MIGRATE = [
    // golang-migrate's postgres driver, verbatim.
    'create table if not exists public.schema_migrations (version bigint not null primary key, dirty boolean not null)',
    'insert into public.schema_migrations (version, dirty) values (20240101000000, false)',
  ];
  const GOLANG_MESSAGE =
    "Error: public.schema_migrations is not a dbmate ledger: it looks like golang-migrate's migrations table (version bigint, dirty boolean)\n" +
    `${LEDGER_HINT_START}, or move golang-migrate's history out of public.schema_migrations first (one row per applied version in a dbmate ledger); nothing was changed\n`;

  it.each(['up', 'migrate', 'status', 'rollback', 'up --dry-run', 'plan', 'dump'])(
    'golang-migrate’s schema_migrations: `%s` refuses with one message, changing nothing',
    async (command) => {
      const url = await server().createDatabase();
      for (const sql of GOLANG_MIGRATE) await query(url, sql);
      const p = await proj(THREE);

      const r = await run(command.split(' '), url, p.dir);

      expect(r.stderr).toBe(GOLANG_MESSAGE);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(2);
      expect(await tables(url)).toEqual(['schema_migrations']);
      expect(await query(url, 'select version::text, dirty from schema_migrations')).toEqual([{ version: '20240101000000', dirty: false }]);
    },
  );

  it('Rails’ schema_migrations (the same shape as dbmate’s) is used as it is', async () => {
    const url = await server().createDatabase();
    await query(url, 'create table schema_migrations (version character varying not null primary key)');
    await query(url, "create table ar_internal_metadata (key varchar primary key, value varchar, created_at timestamp(6) not null, updated_at timestamp(6) not null)");
    await query(url, "insert into schema_migrations values ('20240101000000')");
    const p = await proj(THREE);

    const r = await run(['up'], url, p.dir);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(A);
    expect(await query(url, 'select version from schema_migrations order by 1')).toEqual([
      { version: '20240101000000' },
      { version: '20240102000000' },
      { version: '20240103000000' },
    ]);
    const status = await run(['status'], url, p.dir);
    expect(status.stdout).toBe(`[X] ${A}\n[X] ${B}\n[X] ${C}\n\nApplied: 3\nPending: 0\n`);
  });

  it('a ledger with extra nullable or defaulted columns is still a ledger', async () => {
    const url = await server().createDatabase();
    await query(url, 'create table schema_migrations (version text primary key, applied_at timestamptz not null default now(), note text)');
    const p = await proj({ [A]: THREE[A] });

    const r = await run(['up'], url, p.dir);

    expect(r.code).toBe(0);
    expect(await query(url, 'select version from schema_migrations')).toEqual([{ version: '20240101000000' }]);
  });

  it.each([
    [
      'a view',
      ['create table versions (version varchar primary key)', 'create view schema_migrations as select version from versions'],
      'it is a view, not a table',
      ['schema_migrations', 'versions'],
    ],
    [
      'a table without a version column',
      ['create table schema_migrations (id serial primary key, name text not null)'],
      'it has no version column (columns: id integer, name text)',
      ['schema_migrations'],
    ],
    [
      'a numeric version',
      ['create table schema_migrations (version integer primary key)'],
      'its version column is integer, not text (columns: version integer)',
      ['schema_migrations'],
    ],
    [
      'a required column dbmate cannot fill',
      ['create table schema_migrations (version varchar primary key, applied_by text not null)'],
      'column applied_by is NOT NULL without a default, so dbmate cannot insert a version (columns: version character varying, applied_by text)',
      ['schema_migrations'],
    ],
    [
      'Ecto’s schema_migrations',
      ['create table schema_migrations (version bigint primary key, inserted_at timestamp(0) without time zone)'],
      "it looks like Ecto (Phoenix)'s migrations table (version bigint, inserted_at timestamp(0) without time zone)",
      ['schema_migrations'],
    ],
    [
      'Sequel’s schema_migrations',
      ['create table schema_migrations (filename text primary key)'],
      "it looks like Sequel's migrations table (filename text)",
      ['schema_migrations'],
    ],
  ])('%s named schema_migrations: `up` refuses, naming it', async (_what, ddl, why, after) => {
    const url = await server().createDatabase();
    for (const sql of ddl) await query(url, sql);
    const p = await proj(THREE);

    const r = await run(['up'], url, p.dir);

    expect(r.stderr.split('\n')[0]).toBe(`Error: public.schema_migrations is not a dbmate ledger: ${why}`);
    expect(r.stderr.split('\n')[1]).toMatch(/^ {2}hint: dbmate records applied migrations in a table with a text version column .*; nothing was changed$/);
    expect(r.code).toBe(2);
    expect(await tables(url)).toEqual(after);
  });

  it('--migrations-table gives dbmate’s ledger its own name beside golang-migrate’s', async () => {
    const url = await server().createDatabase();
    for (const sql of GOLANG_MIGRATE) await query(url, sql);
    const p = await proj(THREE);

    const r = await run(['--migrations-table', 'dbmate_migrations', 'up'], url, p.dir);

    expect(r.code).toBe(0);
    expect(await query(url, 'select count(*)::int as n from dbmate_migrations')).toEqual([{ n: 3 }]);
    expect(await query(url, 'select version::text, dirty from schema_migrations')).toEqual([{ version: '20240101000000', dirty: false }]);
  });

  it('a foreign table named like the history table is refused before the ledger is created', async () => {
    const url = await server().createDatabase();
    await query(url, 'create table schema_migrations_history (id int primary key, version text, note text not null)');
    const p = await proj(THREE);

    for (const args of [['up'], ['status'], ['rollback']]) {
      const r = await run(args, url, p.dir);
      expect(r.stderr).toBe(
        'Error: public.schema_migrations_history is not db-migrate-action\'s history table: it has no columns direction, outcome, file_name, checksum, started_at, finished_at, duration_ms, environment, actor, git_sha, run_id, run_url, tool_version, sqlstate, error (columns: id, version, note)\n' +
          '  hint: give the history table another name with history-table (action input) or --history-table (CLI), or disable it with an empty value; nothing was changed\n',
      );
      expect(r.code).toBe(2);
    }
    expect(await tables(url)).toEqual(['schema_migrations_history']);
    expect(await query(url, "select count(*)::int as n from information_schema.columns where table_name = 'schema_migrations_history'")).toEqual([{ n: 3 }]);
  });
});

describe('migration files that are not UTF-8', () => {
  const bad = (sql: Buffer) => Buffer.concat([Buffer.from('-- migrate:up\n'), sql, Buffer.from('\n\n-- migrate:down\ndrop table c;\n')]);

  it.each([
    ["a Latin-1 é ('caf\\xe9')", Buffer.from("insert into a values ('caf\xe9');", 'latin1'), 40, 'byte 0xe9'],
    ['an overlong encoding of /', Buffer.from([0x2d, 0x2d, 0x20, 0xc0, 0xaf]), 17, 'byte 0xc0'],
    ['a UTF-16 surrogate', Buffer.from([0x2d, 0x2d, 0x20, 0xed, 0xa0, 0x80]), 17, 'byte 0xed'],
  ])('%s in the last of three pending files: nothing is applied', async (_what, sql, offset, bytes) => {
    const url = await server().createDatabase();
    const p = await proj({ [A]: THREE[A] });
    expect((await run(['up'], url, p.dir)).code).toBe(0);
    await writeFile(join(p.dir, DIR, B), THREE[B]);
    await writeFile(join(p.dir, DIR, C), THREE[C]);
    await writeFile(join(p.dir, DIR, '20240104000000_d.sql'), bad(sql));

    const r = await run(['up'], url, p.dir);

    expect(r.stderr).toBe(
      `Error: ${DIR}/20240104000000_d.sql: not valid UTF-8 at byte offset ${offset} (line 2): ${bytes}\n` +
        '  hint: Save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`); PostgreSQL refuses other bytes (SQLSTATE 22021), so dbmate fails on this file too. Nothing was run.\n',
    );
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
    expect(await query(url, 'select version from schema_migrations')).toEqual([{ version: '20240101000000' }]);
    expect(await tables(url)).toEqual(['a', 'schema_migrations', 'schema_migrations_history']);
    expect(await query(url, 'select count(*)::int as n from schema_migrations_history')).toEqual([{ n: 1 }]);
  });

  it('a 3-byte sequence cut short at the end of the file, on a fresh database: not even the ledger is created', async () => {
    const url = await server().createDatabase();
    const body = Buffer.concat([Buffer.from('-- migrate:up\ncreate table z (id int);\n-- migrate:down\n-- \u20ac'), Buffer.from([0xe2, 0x82])]);
    const p = await proj({ [A]: THREE[A], [B]: body });

    const r = await run(['up'], url, p.dir);

    expect(r.stderr.split('\n')[0]).toBe(`Error: ${DIR}/${B}: not valid UTF-8 at byte offset ${body.length - 2} (line 4): bytes 0xe2 0x82 at the end of the file`);
    expect(r.code).toBe(2);
    expect(await tables(url)).toEqual([]);
  });

  it('plan, rollback and lint refuse the file too', async () => {
    const url = await server().createDatabase();
    const latin1 = Buffer.from("-- migrate:up\nselect 'caf\xe9';\n-- migrate:down\n", 'latin1');
    const p = await proj({ [A]: THREE[A], [B]: latin1 });
    const first = `Error: ${DIR}/${B}: not valid UTF-8 at byte offset 25 (line 2): byte 0xe9`;

    const plan = await run(['plan'], url, p.dir);
    expect(plan.stderr.split('\n')[0]).toBe(first);
    expect(plan.code).toBe(2);

    // A applies alone (--steps 1 parses only A); then A's bytes go bad and rollback refuses it.
    expect((await run(['up', '--steps', '1'], url, p.dir)).code).toBe(0);
    await writeFile(join(p.dir, DIR, A), Buffer.concat([Buffer.from('-- migrate:up\n'), Buffer.from([0xff]), Buffer.from('\n-- migrate:down\ndrop table a;\n')]));
    const rollback = await run(['rollback'], url, p.dir);
    expect(rollback.stderr.split('\n')[0]).toBe(`Error: ${DIR}/${A}: not valid UTF-8 at byte offset 14 (line 2): byte 0xff`);
    expect(rollback.code).toBe(2);
    expect(await query(url, 'select version from schema_migrations')).toEqual([{ version: '20240101000000' }]);

    const lint = await run(['lint'], url, p.dir);
    expect(lint.code).not.toBe(0);
    expect(lint.stdout + lint.stderr).toContain(`${DIR}/${B}: not valid UTF-8 at byte offset 25 (line 2): byte 0xe9`);
  });

  it('a NUL byte is refused before anything runs (PostgreSQL cannot take it in a query)', async () => {
    const url = await server().createDatabase();
    const p = await proj({ [A]: THREE[A], [B]: Buffer.from("-- migrate:up\nselect 'a\0b';\n-- migrate:down\n") });

    const r = await run(['up'], url, p.dir);

    expect(r.stderr).toBe(
      `Error: ${DIR}/${B}: contains a NUL byte at byte offset 23 (line 2)\n` +
        "  hint: PostgreSQL cannot take a NUL character in a query (a file saved as UTF-16 has one in every other byte): remove it, or write it as an escape in a bytea literal (e.g. '\\x00'::bytea). Nothing was run.\n",
    );
    expect(r.code).toBe(2);
    expect(await tables(url)).toEqual([]);
  });
});

describe('table names (--migrations-table, DBMATE_MIGRATIONS_TABLE, --history-table)', () => {
  const MIGRATIONS_FORMAT =
    "a table name, optionally schema-qualified (schema.table), of letters, digits, '_', '$', '-' or inner spaces, at most 63 bytes per part, e.g. schema_migrations";
  const HISTORY_FORMAT =
    "a table name (it lives in the migrations table's schema) of letters, digits, '_', '$', '-' or inner spaces, at most 63 bytes, e.g. schema_migrations_history, or empty to disable the history table";
  const long64 = 'x'.repeat(64);

  it.each([
    [['--migrations-table', 'x; drop table y'], {}, `invalid value "x; drop table y" for flag -migrations-table: expected ${MIGRATIONS_FORMAT} (";" is not allowed)`],
    [['--migrations-table=a.b.c'], {}, `invalid value "a.b.c" for flag -migrations-table: expected ${MIGRATIONS_FORMAT} (it has 2 dots, at most one is allowed: schema.table)`],
    [['--migrations-table', long64], {}, `invalid value "${long64}" for flag -migrations-table: expected ${MIGRATIONS_FORMAT} (the name is 64 bytes long; PostgreSQL truncates names longer than 63 bytes)`],
    [['--migrations-table', `app.${'é'.repeat(32)}`], {}, `invalid value "app.${'é'.repeat(32)}" for flag -migrations-table: expected ${MIGRATIONS_FORMAT} (the table name is 64 bytes long; PostgreSQL truncates names longer than 63 bytes)`],
    [['--migrations-table', 'my\tmigrations'], {}, `invalid value "my\tmigrations" for flag -migrations-table: expected ${MIGRATIONS_FORMAT} (the character U+0009 is not allowed)`],
    [['--migrations-table', 'app. ledger'], {}, `invalid value "app. ledger" for flag -migrations-table: expected ${MIGRATIONS_FORMAT} (the table name starts or ends with a space)`],
    [['--migrations-table', '.schema_migrations'], {}, `invalid value ".schema_migrations" for flag -migrations-table: expected ${MIGRATIONS_FORMAT} (the schema is empty)`],
    [[], { DBMATE_MIGRATIONS_TABLE: 'x"; drop table y; --' }, `invalid value "x"; drop table y; --" from environment variable "DBMATE_MIGRATIONS_TABLE" for flag migrations-table: expected ${MIGRATIONS_FORMAT} ('"' is not allowed)`],
    [['--history-table', "h'); drop table t; --"], {}, `invalid value "h'); drop table t; --" for flag -history-table: expected ${HISTORY_FORMAT} ("'" is not allowed)`],
    [['--history-table', 'audit.runs'], {}, `invalid value "audit.runs" for flag -history-table: expected ${HISTORY_FORMAT} ("." is not allowed: the history table is always in the migrations table's schema)`],
    [['--history-table', 'schema_migrations'], {}, 'invalid value "schema_migrations" for flag -history-table: the history table must not be the migrations table ("schema_migrations")'],
    [['--migrations-table', 'app.ledger', '--history-table', 'ledger'], {}, 'invalid value "ledger" for flag -history-table: the history table must not be the migrations table ("app.ledger")'],
  ])('%j %j is refused before connecting', async (flags, env, message) => {
    const url = await server().createDatabase();
    const p = await proj(THREE);

    const r = await run([...flags, 'up'], url, p.dir, env);

    expect(r.stderr.split('\n')[0]).toBe(`Error: ${message}`);
    expect(r.stdout).toMatch(/^Incorrect Usage: /);
    expect(r.code).toBe(2);
    expect(await tables(url)).toEqual([]);
  });

  it('a 63-byte name, a schema-qualified name, non-ASCII letters, $ and - are accepted and used exactly', async () => {
    const url = await server().createDatabase();
    const p = await proj(THREE);
    const long63 = `${'é'.repeat(31)}x`;
    expect(Buffer.byteLength(long63)).toBe(63);

    const r = await run(['--migrations-table', `audit.${long63}`, '--history-table', 'run$log-2', 'up'], url, p.dir);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Creating schema: audit\n');
    expect((await tables(url, 'audit')).sort()).toEqual([long63, 'run$log-2'].sort());
    expect(await query(url, `select count(*)::int as n from audit."${long63}"`)).toEqual([{ n: 3 }]);
    expect(await query(url, 'select count(*)::int as n from audit."run$log-2"')).toEqual([{ n: 3 }]);
    const status = await run(['--migrations-table', `audit.${long63}`, 'status'], url, p.dir);
    expect(status.stdout).toContain('Applied: 3\n');
  });
});
