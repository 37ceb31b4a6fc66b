/**
 * dbmate compatibility: every scenario runs through the real dbmate 2.36.0 binary and through our
 * `db-migrate` (in-process) on twin databases of one PostgreSQL 15 server (pg_dump on PATH is 15),
 * and the observable results are compared: stdout/stderr, exit codes, ledger rows and DDL, tables,
 * schema.sql bytes. Deliberate differences (DBMATE_COMPAT.md §0) are asserted side by side so they
 * stay pinned down. Reference: /work/shared/DBMATE_COMPAT.md.
 */
import { describe, it, expect, afterEach, afterAll } from '@jest/globals';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { usePostgres, query, withClient } from './helpers/pg.js';
import type pg from 'pg';
import { runCli, runDbmate, project, migration, type CliRun } from './helpers/cli.js';

/**
 * CREATE DATABASE takes ~200 ms and the server runs them one at a time, so fresh databases are
 * created ahead, while the previous test runs. Declared before usePostgres so that this hook
 * (which waits for the ones still being created) runs before the server stops.
 */
const dbPool: Promise<string>[] = [];
afterAll(async () => {
  await Promise.allSettled(dbPool);
});
const server = usePostgres({ version: 15 });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A fresh, empty database (never used by another test); the pool keeps two more coming. */
function freshDatabase(): Promise<string> {
  const fill = () => {
    const p = server().createDatabase();
    p.catch(() => undefined);
    dbPool.push(p);
  };
  while (dbPool.length < 2) fill();
  const next = dbPool.shift()!;
  fill();
  return next;
}

type Env = Record<string, string | undefined>;
type Tool = 'dbmate' | 'ours';

/** One half of a twin: a tool, its own database and its own project directory. */
interface Side {
  tool: Tool;
  url: string;
  db: string;
  dir: string;
  run(args: string[], env?: Env): Promise<CliRun>;
  write(files: Record<string, string>): Promise<void>;
  read(path: string): string;
}

const dbName = (url: string): string => decodeURIComponent(new URL(url).pathname.slice(1));
const withParams = (url: string, params: string): string => `${url}${url.includes('?') ? '&' : '?'}${params}`;

function runTool(tool: Tool, args: string[], env: Env, cwd: string): Promise<CliRun> {
  return tool === 'dbmate' ? runDbmate(args, { env, cwd }) : runCli(args, { env, cwd });
}

/** A side for `tool` on `url` in project `dir`; `DATABASE_URL` is set unless `env` says otherwise. */
function side(tool: Tool, url: string, p: { dir: string; write(f: Record<string, string>): Promise<void> }): Side {
  return {
    tool,
    url,
    db: dbName(url),
    dir: p.dir,
    run: (args, env = {}) => runTool(tool, args, 'DATABASE_URL' in env ? env : { DATABASE_URL: url, ...env }, p.dir),
    write: p.write,
    read: (path) => readFileSync(join(p.dir, path), 'utf8'),
  };
}

/** Two fresh databases and two project directories with the same files: dbmate's and ours. */
async function twins(files: Record<string, string>, opts: { urlParams?: string } = {}): Promise<{ d: Side; o: Side }> {
  const [ud, uo] = await Promise.all([freshDatabase(), freshDatabase()]);
  const [pd, po] = await Promise.all([project(files), project(files)]);
  cleanups.push(pd.cleanup, po.cleanup);
  const u = (x: string) => (opts.urlParams ? withParams(x, opts.urlParams) : x);
  return { d: side('dbmate', u(ud), pd), o: side('ours', u(uo), po) };
}

/** One database and one project directory that both tools work on, taking turns. */
async function shared(files: Record<string, string>): Promise<{ d: Side; o: Side; url: string; dir: string }> {
  const url = await freshDatabase();
  const p = await project(files);
  cleanups.push(p.cleanup);
  return { d: side('dbmate', url, p), o: side('ours', url, p), url, dir: p.dir };
}

/** Run the same command on both sides. */
function both(t: { d: Side; o: Side }, args: string[], env?: (s: Side) => Env): Promise<[CliRun, CliRun]> {
  return Promise.all([t.d.run(args, env?.(t.d)), t.o.run(args, env?.(t.o))]);
}

/** A Go time.Duration as dbmate prints it (`9.357206ms`, `812.5µs`, `1.2s`, `1m2.5s`). */
const GO_DURATION = String.raw`(?:\d+h)?(?:\d+m)?\d+(?:\.\d+)?(?:ns|µs|ms|s)`;

/** Output with durations and the side's database name replaced, so twins can be compared. */
function norm(text: string, s?: Side): string {
  let out = text.replace(new RegExp(` in ${GO_DURATION}$`, 'gm'), ' in <duration>');
  if (s) out = out.split(s.db).join('<db>');
  return out;
}

/** Both runs printed the same thing (modulo durations and database names) and exited alike. */
function expectSameRun([d, o]: [CliRun, CliRun], t?: { d: Side; o: Side }): void {
  expect({ code: o.code, stdout: norm(o.stdout, t?.o), stderr: norm(o.stderr, t?.o) }).toEqual({
    code: d.code,
    stdout: norm(d.stdout, t?.d),
    stderr: norm(d.stderr, t?.d),
  });
}

/** The first line of stderr, which is dbmate's `Error: <message>`; ours may add detail lines below. */
const firstLine = (s: string): string => s.split('\n')[0]!;

/** Versions in a ledger table (quoted name), or null when it does not exist. */
function ledger(url: string, table?: string): Promise<string[] | null> {
  return withClient(url, (c) => ledgerOn(c, table));
}

async function ledgerOn(c: pg.Client, table = 'public.schema_migrations'): Promise<string[] | null> {
  const { rows } = await c.query<{ reg: string | null }>('select to_regclass($1)::text as reg', [table]);
  if (!rows[0]!.reg) return null;
  return (await c.query<{ version: string }>(`select version from ${table} order by version`)).rows.map((r) => r.version);
}

/** `schema.table` of every user table, except our audit table unless asked. */
function objects(url: string, withHistory = false): Promise<string[]> {
  return withClient(url, (c) => objectsOn(c, withHistory));
}

async function objectsOn(c: pg.Client, withHistory = false): Promise<string[]> {
  const { rows } = await c.query<{ t: string }>(
    `select table_schema || '.' || table_name as t from information_schema.tables
      where table_schema not in ('pg_catalog', 'information_schema') order by 1`,
  );
  return rows.map((r) => r.t).filter((t) => withHistory || !t.endsWith('.schema_migrations_history'));
}

/** Ledger rows and user tables of a database (one connection). */
function state(url: string, table?: string): Promise<{ ledger: string[] | null; objects: string[] }> {
  return withClient(url, async (c) => ({ ledger: await ledgerOn(c, table), objects: await objectsOn(c) }));
}

async function expectSameState(t: { d: Side; o: Side }, table?: string): Promise<{ ledger: string[] | null; objects: string[] }> {
  const [sd, so] = await Promise.all([state(t.d.url, table), state(t.o.url, table)]);
  expect(so).toEqual(sd);
  return sd;
}

const mk = (name: string) => migration(`create table ${name} (id int);`, `drop table ${name};`);
const NO_DUMP = ['--no-dump-schema'];

describe('file discovery and order', () => {
  const files = {
    'db/migrations/001_d.sql': mk('t_001_d'),
    'db/migrations/0x_l.sql': mk('t_0x_l'),
    'db/migrations/10_c.sql': mk('t_10_c'),
    'db/migrations/123abc.sql': mk('t_123abc'),
    'db/migrations/1_a.sql': mk('t_1_a'),
    'db/migrations/2_b.sql': mk('t_2_b'),
    'db/migrations/9.sql': mk('t_9'),
    // Ignored, silently:
    'db/migrations/V5__g.sql': mk('t_v5'),
    'db/migrations/.sql': mk('t_dot'),
    'db/migrations/README.md': 'not a migration',
    'db/migrations/7_upper.SQL': mk('t_upper'),
    'db/migrations/8_bak.sql.bak': mk('t_bak'),
    'db/migrations/5_sub/6_nested.sql': mk('t_nested'),
    'db/migrations/4_dir.sql/keep': 'a directory named like a migration',
  };
  const order = ['001_d.sql', '0x_l.sql', '10_c.sql', '123abc.sql', '1_a.sql', '2_b.sql', '9.sql'];

  it('lists, applies and records the same files in byte-wise filename order', async () => {
    const t = await twins(files);
    const st = await both(t, ['status']);
    expectSameRun(st);
    expect(st[1]).toEqual({ code: 0, stdout: `${order.map((f) => `[ ] ${f}\n`).join('')}\nApplied: 0\nPending: 7\n`, stderr: '' });

    const up = await both(t, [...NO_DUMP, 'up']);
    expectSameRun(up, t);
    expect(norm(up[1].stdout)).toBe(order.map((f) => `Applying: ${f}\nApplied: ${f} in <duration>\n`).join(''));
    const s = await expectSameState(t);
    expect(s.ledger).toEqual(['0', '001', '1', '10', '123', '2', '9']);
    expect(s.objects).toEqual(['public.schema_migrations', ...order.map((f) => `public.t_${f.replace('.sql', '')}`)].sort());

    const st2 = await both(t, ['status']);
    expectSameRun(st2);
    expect(st2[1].stdout).toBe(`${order.map((f) => `[X] ${f}\n`).join('')}\nApplied: 7\nPending: 0\n`);
  });

  it('merges several --migrations-dir values (flags and DBMATE_MIGRATIONS_DIR) sorted by filename', async () => {
    const t = await twins({
      'a/1_one.sql': mk('one'),
      'b/2_two.sql': mk('two'),
      'a/3_three.sql': mk('three'),
      'b/10_ten.sql': mk('ten'),
    });
    const st = await both(t, ['-d', './a', '-d=./b', 'status']);
    expectSameRun(st);
    expect(st[1].stdout).toBe('[ ] 10_ten.sql\n[ ] 1_one.sql\n[ ] 2_two.sql\n[ ] 3_three.sql\n\nApplied: 0\nPending: 4\n');
    const stEnv = await both(t, ['status'], () => ({ DBMATE_MIGRATIONS_DIR: './a,./b' }));
    expectSameRun(stEnv);
    expect(stEnv[1].stdout).toBe(st[1].stdout);

    expectSameRun(await both(t, [...NO_DUMP, 'up'], () => ({ DBMATE_MIGRATIONS_DIR: './b,./a' })), t);
    const s = await expectSameState(t);
    expect(s.ledger).toEqual(['1', '10', '2', '3']);

    // urfave/cli rejects two forms of one flag; so do we (same message, exit 2, help on stdout)
    const mixed = await both(t, ['-d', './a', '--migrations-dir', './b', 'status']);
    expect(mixed.map((x) => x.code)).toEqual([2, 2]);
    expect(mixed[0].stderr).toBe('Error: Cannot use two forms of the same flag: d migrations-dir\n');
    expect(firstLine(mixed[1].stderr)).toBe(firstLine(mixed[0].stderr));
    for (const x of mixed) expect(x.stdout).toMatch(/^Incorrect Usage: Cannot use two forms of the same flag: d migrations-dir\n\nNAME:\n/);
  });
});

describe('status', () => {
  it('on an empty database with no ledger: all pending, nothing created', async () => {
    const t = await twins({ 'db/migrations/20240101000000_a.sql': mk('a'), 'db/migrations/20240102000000_b.sql': mk('b') });
    const st = await both(t, ['status']);
    expectSameRun(st);
    expect(st[1]).toEqual({
      code: 0,
      stdout: '[ ] 20240101000000_a.sql\n[ ] 20240102000000_b.sql\n\nApplied: 0\nPending: 2\n',
      stderr: '',
    });
    expect(await objects(t.d.url, true)).toEqual([]);
    expect(await objects(t.o.url, true)).toEqual([]);
  });

  it('partially applied, with orphan ledger rows, --exit-code and --quiet', async () => {
    const t = await twins({ 'db/migrations/20240101000000_a.sql': mk('a'), 'db/migrations/20240102000000_b.sql': mk('b') });
    expectSameRun(await both(t, [...NO_DUMP, 'up']), t);
    await Promise.all([t.d, t.o].map((s) => s.write({ 'db/migrations/20240103000000_c.sql': mk('c') })));
    // Orphans: versions with no file, older and newer than the files.
    for (const s of [t.d, t.o]) await query(s.url, "insert into schema_migrations values ('19990101000000'), ('20990101000000')");

    const st = await both(t, ['status']);
    expectSameRun(st);
    expect(st[1]).toEqual({
      code: 0,
      stdout: '[X] 20240101000000_a.sql\n[X] 20240102000000_b.sql\n[ ] 20240103000000_c.sql\n\nApplied: 2\nPending: 1\n',
      stderr: '',
    });

    const ec = await both(t, ['status', '--exit-code']);
    expectSameRun(ec);
    expect(ec[1]).toEqual({ ...st[1], code: 1 });
    const q = await both(t, ['status', '--quiet']);
    expectSameRun(q);
    expect(q[1]).toEqual({ code: 1, stdout: '', stderr: '' });

    // Orphans never block and are never rolled back; after `up` nothing is pending.
    expectSameRun(await both(t, [...NO_DUMP, 'up']), t);
    const ec0 = await both(t, ['status', '--exit-code']);
    expectSameRun(ec0);
    expect(ec0[1].code).toBe(0);
    expect(ec0[1].stdout).toMatch(/\nApplied: 3\nPending: 0\n$/);
    const q0 = await both(t, ['status', '--quiet']);
    expectSameRun(q0);
    expect(q0[1]).toEqual({ code: 0, stdout: '', stderr: '' });
    const s = await expectSameState(t);
    expect(s.ledger).toEqual(['19990101000000', '20240101000000', '20240102000000', '20240103000000', '20990101000000']);
  });

  it('with no migration files, and with no migrations directory', async () => {
    const t = await twins({ 'db/migrations/README.md': 'nothing here' });
    const st = await both(t, ['status']);
    expectSameRun(st);
    expect(st[1]).toEqual({ code: 0, stdout: '\nApplied: 0\nPending: 0\n', stderr: '' });

    const up = await both(t, [...NO_DUMP, 'migrate']);
    expect(up[0]).toEqual({ code: 2, stdout: '', stderr: 'Error: no migration files found\n' });
    expect(up[1].code).toBe(2);
    expect(up[1].stdout).toBe('');
    expect(firstLine(up[1].stderr)).toBe('Error: no migration files found');

    const missing = await both(t, ['-d', './nope', 'status']);
    expect(missing[0]).toEqual({ code: 2, stdout: '', stderr: 'Error: could not find migrations directory `./nope`\n' });
    expect(missing[1].code).toBe(2);
    expect(firstLine(missing[1].stderr)).toBe('Error: could not find migrations directory `./nope`');
  });
});

describe('schema_migrations', () => {
  const ddl = async (url: string, schema: string, table: string) => ({
    columns: await query(
      url,
      `select column_name, data_type, character_maximum_length, is_nullable, column_default, ordinal_position
         from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position`,
      [schema, table],
    ),
    constraints: await query(
      url,
      `select c.conname, c.contype, pg_get_constraintdef(c.oid) as def from pg_constraint c
         where c.conrelid = to_regclass(quote_ident($1) || '.' || quote_ident($2)) order by 1`,
      [schema, table],
    ),
    indexes: await query(url, 'select indexname, indexdef from pg_indexes where schemaname = $1 and tablename = $2 order by 1', [schema, table]),
  });

  it('has the same DDL, constraint names and rows', async () => {
    const t = await twins({ 'db/migrations/20240101000000_a.sql': mk('a') });
    expectSameRun(await both(t, [...NO_DUMP, 'up']), t);
    const [dd, od] = await Promise.all([ddl(t.d.url, 'public', 'schema_migrations'), ddl(t.o.url, 'public', 'schema_migrations')]);
    expect(od).toEqual(dd);
    expect(od.columns).toEqual([
      {
        column_name: 'version',
        data_type: 'character varying',
        character_maximum_length: null,
        is_nullable: 'NO',
        column_default: null,
        ordinal_position: 1,
      },
    ]);
    expect(od.constraints).toEqual([{ conname: 'schema_migrations_pkey', contype: 'p', def: 'PRIMARY KEY (version)' }]);
    expect((await expectSameState(t)).ledger).toEqual(['20240101000000']);
  });

  it('--migrations-table custom name and DBMATE_MIGRATIONS_TABLE', async () => {
    const t = await twins({ 'db/migrations/20240101000000_a.sql': mk('a') });
    expectSameRun(await both(t, [...NO_DUMP, '--migrations-table', 'my_migrations', 'up']), t);
    const [dd, od] = await Promise.all([ddl(t.d.url, 'public', 'my_migrations'), ddl(t.o.url, 'public', 'my_migrations')]);
    expect(od).toEqual(dd);
    expect(od.constraints.map((c) => c.conname)).toEqual(['my_migrations_pkey']);
    expect(await expectSameState(t, 'public.my_migrations')).toEqual({ ledger: ['20240101000000'], objects: ['public.a', 'public.my_migrations'] });
    const st = await both(t, ['status'], () => ({ DBMATE_MIGRATIONS_TABLE: 'my_migrations' }));
    expectSameRun(st);
    expect(st[1].stdout).toBe('[X] 20240101000000_a.sql\n\nApplied: 1\nPending: 0\n');
  });

  it('--migrations-table schema.table creates the schema (Creating schema: line)', async () => {
    const t = await twins({ 'db/migrations/20240101000000_a.sql': mk('a') });
    const up = await both(t, ['--migrations-table', 'audit.my_migrations', 'up']);
    expectSameRun(up, t);
    expect(norm(up[1].stdout)).toBe(
      'Creating schema: audit\nApplying: 20240101000000_a.sql\nApplied: 20240101000000_a.sql in <duration>\nWriting: ./db/schema.sql\n',
    );
    const [dd, od] = await Promise.all([ddl(t.d.url, 'audit', 'my_migrations'), ddl(t.o.url, 'audit', 'my_migrations')]);
    expect(od).toEqual(dd);
    expect(await expectSameState(t, 'audit.my_migrations')).toEqual({ ledger: ['20240101000000'], objects: ['audit.my_migrations', 'public.a'] });
    expect(t.o.read('db/schema.sql')).toBe(t.d.read('db/schema.sql'));
    expect(t.o.read('db/schema.sql')).toContain("INSERT INTO audit.my_migrations (version) VALUES\n    ('20240101000000');\n");
    expectSameRun(await both(t, ['--migrations-table', 'audit.my_migrations', 'status']));
  });

  it('quotes identifiers like the server (Weird Name)', async () => {
    const t = await twins({ 'db/migrations/20240101000000_a.sql': mk('a') });
    expectSameRun(await both(t, ['--migrations-table', 'Weird Name', 'up']), t);
    const [dd, od] = await Promise.all([ddl(t.d.url, 'public', 'Weird Name'), ddl(t.o.url, 'public', 'Weird Name')]);
    expect(od).toEqual(dd);
    expect(od.constraints.map((c) => c.conname)).toEqual(['Weird Name_pkey']);
    expect((await expectSameState(t, 'public."Weird Name"')).ledger).toEqual(['20240101000000']);
    expect(t.o.read('db/schema.sql')).toBe(t.d.read('db/schema.sql'));
    expect(t.o.read('db/schema.sql')).toContain(`INSERT INTO public."Weird Name" (version) VALUES\n    ('20240101000000');\n`);
    const st = await both(t, ['--migrations-table', 'Weird Name', 'status']);
    expectSameRun(st);
    expect(st[1].stdout).toBe('[X] 20240101000000_a.sql\n\nApplied: 1\nPending: 0\n');
  });

  it('search_path=myschema in the URL: ledger and objects land in that schema', async () => {
    const t = await twins(
      { 'db/migrations/20240101000000_a.sql': migration('create table t1 (id int primary key);\ncreate view v1 as select id from t1;', 'drop view v1;\ndrop table t1;') },
      { urlParams: 'search_path=myschema' },
    );
    const up = await both(t, ['up']);
    expectSameRun(up, t);
    expect(norm(up[1].stdout)).toBe(
      'Creating schema: myschema\nApplying: 20240101000000_a.sql\nApplied: 20240101000000_a.sql in <duration>\nWriting: ./db/schema.sql\n',
    );
    expect(await expectSameState(t, 'myschema.schema_migrations')).toEqual({
      ledger: ['20240101000000'],
      objects: ['myschema.schema_migrations', 'myschema.t1', 'myschema.v1'],
    });
    expect(t.o.read('db/schema.sql')).toBe(t.d.read('db/schema.sql'));
    expect(t.o.read('db/schema.sql')).toContain("INSERT INTO myschema.schema_migrations (version) VALUES\n    ('20240101000000');\n");
    const st = await both(t, ['status']);
    expectSameRun(st);
    expect(st[1].stdout).toBe('[X] 20240101000000_a.sql\n\nApplied: 1\nPending: 0\n');
    expectSameRun(await both(t, ['rollback']), t);
    expect(await expectSameState(t, 'myschema.schema_migrations')).toEqual({ ledger: [], objects: ['myschema.schema_migrations'] });
    expect(t.o.read('db/schema.sql')).toBe(t.d.read('db/schema.sql'));
  });
});

describe('schema dump', () => {
  const files = {
    'db/migrations/20240101000000_users.sql': migration(
      'create type mood as enum (\'ok\', \'sad\');\ncreate table users (id bigserial primary key, email text not null unique, mood mood);\ncreate index users_mood on users (mood);',
      'drop table users;\ndrop type mood;',
    ),
    'db/migrations/20240102000000_posts.sql': migration(
      // Indexed foreign key: the lint has nothing to say, so stderr is as empty as dbmate's.
      'create table posts (id serial primary key, user_id bigint references users (id), body text);\ncreate index posts_user_id on posts (user_id);\ncomment on table posts is \'posts   \';',
      'drop table posts;',
    ),
  };

  it('up and rollback write identical db/schema.sql (Writing: line, trailer, excluded audit table)', async () => {
    const t = await twins(files);
    const up = await both(t, ['up']);
    expectSameRun(up, t);
    expect(up[1].stdout).toMatch(/\nWriting: \.\/db\/schema\.sql\n$/);
    const schema = t.o.read('db/schema.sql');
    expect(schema).toBe(t.d.read('db/schema.sql'));
    expect(schema).toMatch(/^\\restrict dbmate\n/);
    expect(schema).toContain('\\unrestrict dbmate\n');
    expect(schema).not.toContain('schema_migrations_history');
    expect(schema.endsWith("\n--\n-- Dbmate schema migrations\n--\n\nINSERT INTO public.schema_migrations (version) VALUES\n    ('20240101000000'),\n    ('20240102000000');\n")).toBe(true);
    // ours really has its audit table; the dump leaves it out
    expect(await objects(t.o.url, true)).toContain('public.schema_migrations_history');

    // `up` with nothing pending still dumps, on both
    const again = await both(t, ['up']);
    expectSameRun(again, t);
    expect(again[1].stdout).toBe('Writing: ./db/schema.sql\n');

    const down = await both(t, ['rollback']);
    expectSameRun(down, t);
    expect(norm(down[1].stdout)).toBe('Rolling back: 20240102000000_posts.sql\nRolled back: 20240102000000_posts.sql in <duration>\nWriting: ./db/schema.sql\n');
    expect(t.o.read('db/schema.sql')).toBe(t.d.read('db/schema.sql'));
    const down2 = await both(t, ['rollback']);
    expectSameRun(down2, t);
    // zero rows: no INSERT, the file ends with the trailer header
    expect(t.o.read('db/schema.sql')).toBe(t.d.read('db/schema.sql'));
    expect(t.o.read('db/schema.sql').endsWith('\n--\n-- Dbmate schema migrations\n--\n\n')).toBe(true);

    const dump = await both(t, ['dump']);
    expectSameRun(dump, t);
    expect(dump[1]).toEqual({ code: 0, stdout: 'Writing: ./db/schema.sql\n', stderr: '' });
  });

  it('--no-dump-schema / DBMATE_NO_DUMP_SCHEMA write nothing; -s / DBMATE_SCHEMA_FILE choose the path', async () => {
    const t = await twins(files);
    const up = await both(t, ['--no-dump-schema', 'migrate']);
    expectSameRun(up, t);
    expect(up[1].stdout).not.toContain('Writing:');
    expect(existsSync(join(t.d.dir, 'db/schema.sql'))).toBe(false);
    expect(existsSync(join(t.o.dir, 'db/schema.sql'))).toBe(false);

    const envNoDump = await both(t, ['rollback'], () => ({ DBMATE_NO_DUMP_SCHEMA: 'true' }));
    expectSameRun(envNoDump, t);
    expect(existsSync(join(t.o.dir, 'db/schema.sql'))).toBe(false);

    const custom = await both(t, ['-s', './out/nested/schema.sql', 'up']);
    expectSameRun(custom, t);
    expect(custom[1].stdout).toMatch(/\nWriting: \.\/out\/nested\/schema\.sql\n$/);
    expect(t.o.read('out/nested/schema.sql')).toBe(t.d.read('out/nested/schema.sql'));

    const viaEnv = await both(t, ['dump'], () => ({ DBMATE_SCHEMA_FILE: 'other.sql' }));
    expectSameRun(viaEnv, t);
    expect(viaEnv[1].stdout).toBe('Writing: other.sql\n');
    expect(t.o.read('other.sql')).toBe(t.d.read('other.sql'));
    expect(t.o.read('other.sql')).toBe(t.o.read('out/nested/schema.sql'));
  });
});

describe('load and dump -- args', () => {
  it('load reads schema.sql into a fresh database the same way; a missing file is the same error', async () => {
    const files = {
      'db/migrations/20240101000000_a.sql': migration('create table a (id serial primary key, name text);\ncreate view av as select name from a;', 'drop view av;\ndrop table a;'),
    };
    const src = await twins(files);
    expectSameRun(await both(src, ['up']), src);
    expect(src.o.read('db/schema.sql')).toBe(src.d.read('db/schema.sql'));
    const schema = src.d.read('db/schema.sql');
    expect(schema).toContain('\\restrict dbmate');

    const t = await twins({ ...files, 'db/schema.sql': schema });
    const missing = await both(t, ['-s', './nope.sql', 'load']);
    expect(missing[0]).toEqual({ code: 2, stdout: '', stderr: 'Error: stat ./nope.sql: no such file or directory\n' });
    expect(missing[1].code).toBe(2);
    expect(missing[1].stdout).toBe('');
    expect(firstLine(missing[1].stderr)).toBe(firstLine(missing[0].stderr));

    const r = await both(t, ['load']);
    expectSameRun(r, t);
    expect(r[1]).toEqual({ code: 0, stdout: 'Reading: ./db/schema.sql\n', stderr: '' });
    expect(await expectSameState(t)).toEqual({ ledger: ['20240101000000'], objects: ['public.a', 'public.av', 'public.schema_migrations'] });
    const st = await both(t, ['status']);
    expectSameRun(st);
    expect(st[1].stdout).toBe('[X] 20240101000000_a.sql\n\nApplied: 1\nPending: 0\n');
  });

  it('dump -- <pg_dump args>: extra arguments passed through, pg_dump errors verbatim', async () => {
    const t = await twins({ 'db/migrations/1_a.sql': mk('a') });
    expectSameRun(await both(t, [...NO_DUMP, 'up']), t);
    const r = await both(t, ['dump', '--', '--exclude-table=a', '--no-tablespaces']);
    expectSameRun(r, t);
    expect(t.o.read('db/schema.sql')).toBe(t.d.read('db/schema.sql'));
    expect(t.o.read('db/schema.sql')).toContain('CREATE TABLE public.schema_migrations');
    expect(t.o.read('db/schema.sql')).not.toContain('CREATE TABLE public.a');
    const bad = await both(t, ['dump', '--', '--bogus-flag']);
    expect(bad[0].code).toBe(2);
    expect(bad[0].stderr).toMatch(/^Error: \S*pg_dump: unrecognized option '--bogus-flag'\n/);
    expectSameRun(bad, t);
  });
});

describe('rollback', () => {
  it('picks the last applied file in filename order: 1_a, 2_b, 10_c → 2_b, 1_a, 10_c', async () => {
    const t = await twins({ 'db/migrations/1_a.sql': mk('a'), 'db/migrations/2_b.sql': mk('b'), 'db/migrations/10_c.sql': mk('c') });
    expectSameRun(await both(t, [...NO_DUMP, 'up']), t);
    expect((await expectSameState(t)).ledger).toEqual(['1', '10', '2']);
    const expected: [string, string[], string[]][] = [
      ['2_b.sql', ['1', '10'], ['public.a', 'public.c']],
      ['1_a.sql', ['10'], ['public.c']],
      ['10_c.sql', [], []],
    ];
    for (const [file, rows, tbls] of expected) {
      const r = await both(t, [...NO_DUMP, 'down']);
      expectSameRun(r, t);
      expect(norm(r[1].stdout)).toBe(`Rolling back: ${file}\nRolled back: ${file} in <duration>\n`);
      expect(await expectSameState(t)).toEqual({ ledger: rows, objects: [...tbls, 'public.schema_migrations'].sort() });
    }
  });

  it('with nothing applied: same error, exit 2, ledger created by both', async () => {
    const t = await twins({ 'db/migrations/1_a.sql': mk('a') });
    const r = await both(t, [...NO_DUMP, 'rollback']);
    expect(r[0]).toEqual({ code: 2, stdout: '', stderr: "Error: can't rollback: no migrations have been applied\n" });
    expect(r[1].code).toBe(2);
    expect(r[1].stdout).toBe('');
    expect(firstLine(r[1].stderr)).toBe("Error: can't rollback: no migrations have been applied");
    expect(await expectSameState(t)).toEqual({ ledger: [], objects: ['public.schema_migrations'] });
    // orphan rows are never rolled back either
    for (const s of [t.d, t.o]) await query(s.url, "insert into schema_migrations values ('999')");
    const r2 = await both(t, [...NO_DUMP, 'rollback']);
    expect(r2[0].stderr).toBe("Error: can't rollback: no migrations have been applied\n");
    expect(firstLine(r2[1].stderr)).toBe(firstLine(r2[0].stderr));
    expect(r2.map((x) => x.code)).toEqual([2, 2]);
    expect((await expectSameState(t)).ledger).toEqual(['999']);
  });
});

describe('up / migrate', () => {
  it('--strict: out-of-order pending migration, same message, exit 2, nothing applied', async () => {
    const t = await twins({ 'db/migrations/20240101000000_a.sql': mk('a'), 'db/migrations/20240103000000_c.sql': mk('c') });
    expectSameRun(await both(t, [...NO_DUMP, 'up']), t);
    await Promise.all([t.d, t.o].map((s) => s.write({ 'db/migrations/20240102000000_b.sql': mk('b'), 'db/migrations/20240104000000_d.sql': mk('d') })));
    const r = await both(t, [...NO_DUMP, 'up', '--strict']);
    const msg =
      'Error: migration `20240102000000` is out of order with already applied migrations, the version number has to be higher than the applied migration `20240103000000` in --strict mode';
    expect(r[0]).toEqual({ code: 2, stdout: '', stderr: `${msg}\n` });
    expect(r[1].code).toBe(2);
    expect(r[1].stdout).toBe('');
    expect(firstLine(r[1].stderr)).toBe(msg);
    // DBMATE_STRICT too
    const r2 = await both(t, [...NO_DUMP, 'migrate'], () => ({ DBMATE_STRICT: 'true' }));
    expect(r2.map((x) => x.code)).toEqual([2, 2]);
    expect(firstLine(r2[1].stderr)).toBe(msg);
    expect(await expectSameState(t)).toEqual({
      ledger: ['20240101000000', '20240103000000'],
      objects: ['public.a', 'public.c', 'public.schema_migrations'],
    });
    // the global form is a usage error in both
    const g = await both(t, ['--strict', 'up']);
    expect(g.map((x) => x.code)).toEqual([2, 2]);
    expect(firstLine(g[1].stderr)).toBe(firstLine(g[0].stderr));
    // without --strict the older file is applied silently
    const ok = await both(t, [...NO_DUMP, 'up']);
    expectSameRun(ok, t);
    expect((await expectSameState(t)).ledger).toEqual(['20240101000000', '20240102000000', '20240103000000', '20240104000000']);
  });

  it('up creates a missing database (Creating: line); migrate does not', async () => {
    const [nd, no] = [`cdb_d_${process.pid}_${Date.now()}`, `cdb_o_${process.pid}_${Date.now()}`];
    const p = await Promise.all([project({ 'db/migrations/1_a.sql': mk('a') }), project({ 'db/migrations/1_a.sql': mk('a') })]);
    cleanups.push(p[0].cleanup, p[1].cleanup, () => server().dropDatabase(nd), () => server().dropDatabase(no));
    const t = { d: side('dbmate', server().url(nd), p[0]), o: side('ours', server().url(no), p[1]) };

    const mig = await both(t, [...NO_DUMP, 'migrate']);
    expect(mig[0]).toEqual({ code: 2, stdout: '', stderr: `Error: pq: database "${nd}" does not exist (3D000)\n` });
    expect(mig[1].code).toBe(2);
    expect(mig[1].stdout).toBe('');
    // ours has no Go driver prefix `pq: `; the rest of the message is dbmate's
    expect(firstLine(mig[1].stderr)).toMatch(new RegExp(`^Error: .*database "${no}" does not exist \\(3D000\\)$`));
    const st = await both(t, ['status']);
    expect(st.map((x) => x.code)).toEqual([2, 2]);
    expect(st[0].stderr).toBe(`Error: pq: database "${nd}" does not exist (3D000)\n`);
    expect(firstLine(st[1].stderr)).toMatch(new RegExp(`^Error: .*database "${no}" does not exist \\(3D000\\)$`));
    expect(await query(server().adminUrl, 'select datname from pg_database where datname in ($1, $2)', [nd, no])).toEqual([]);

    const up = await both(t, [...NO_DUMP, 'up']);
    expectSameRun(up, t);
    expect(norm(up[1].stdout, t.o)).toBe('Creating: <db>\nApplying: 1_a.sql\nApplied: 1_a.sql in <duration>\n');
    expect(await expectSameState(t)).toEqual({ ledger: ['1'], objects: ['public.a', 'public.schema_migrations'] });
  });

  /** Two database names that do not exist yet, dropped after the test. */
  const newNames = (tag: string): [string, string] => {
    const stamp = `${process.pid}_${Date.now()}`;
    const names: [string, string] = [`${tag}_d_${stamp}`, `${tag}_o_${stamp}`];
    cleanups.push(() => server().dropDatabase(names[0]), () => server().dropDatabase(names[1]));
    return names;
  };

  it('up with no migrations directory: same error, exit 2, and dbmate still creates the database', async () => {
    const [nd, no] = newNames('nodir');
    const p = await Promise.all([project(), project()]);
    cleanups.push(p[0].cleanup, p[1].cleanup);
    const t = { d: side('dbmate', server().url(nd), p[0]), o: side('ours', server().url(no), p[1]) };
    const r = await both(t, ['up']);
    const msg = 'Error: could not find migrations directory `./db/migrations`';
    expect(r[0]).toEqual({ code: 2, stdout: `Creating: ${nd}\n`, stderr: `${msg}\n` });
    expect(r[1].code).toBe(2);
    expect(firstLine(r[1].stderr)).toBe(msg);
    expect(await query(server().adminUrl, 'select datname from pg_database where datname = $1', [nd])).toEqual([{ datname: nd }]);
  });

  // dbmate creates the database before it reads the migrations directory (DBMATE_COMPAT.md §5).
  it('up with no migrations directory creates the database, as dbmate does', async () => {
    const [, no] = newNames('nodir2');
    const p = await project();
    cleanups.push(p.cleanup);
    const r = await side('ours', server().url(no), p).run(['up']);
    expect(r.stdout).toBe(`Creating: ${no}\n`);
    expect(await query(server().adminUrl, 'select datname from pg_database where datname = $1', [no])).toEqual([{ datname: no }]);
  });

  it('create and drop: same lines, drop twice is fine, create twice fails', async () => {
    const [nd, no] = newNames('cd');
    const p = await Promise.all([project(), project()]);
    cleanups.push(p[0].cleanup, p[1].cleanup);
    const t = { d: side('dbmate', server().url(nd), p[0]), o: side('ours', server().url(no), p[1]) };
    const c = await both(t, ['create']);
    expectSameRun(c, t);
    expect(c[1]).toEqual({ code: 0, stdout: `Creating: ${no}\n`, stderr: '' });
    const c2 = await both(t, ['create']);
    expect(c2[0]).toEqual({ code: 2, stdout: `Creating: ${nd}\n`, stderr: `Error: pq: database "${nd}" already exists (42P04)\n` });
    expect(c2[1].code).toBe(2);
    expect(c2[1].stdout).toBe(`Creating: ${no}\n`);
    expect(firstLine(c2[1].stderr)).toMatch(new RegExp(`^Error: .*database "${no}" already exists \\(42P04\\)$`));
    for (let i = 0; i < 2; i++) {
      const d = await both(t, ['drop']);
      expectSameRun(d, t);
      expect(d[1]).toEqual({ code: 0, stdout: `Dropping: ${no}\n`, stderr: '' });
    }
    expect(await query(server().adminUrl, 'select datname from pg_database where datname in ($1, $2)', [nd, no])).toEqual([]);
    // an unknown command is urfave's help error, exit 3
    const u = await both(t, ['frobnicate']);
    expect(u[0]).toEqual({ code: 3, stdout: '', stderr: "No help topic for 'frobnicate'\n" });
    expect(u[1].code).toBe(3);
    expect(firstLine(u[1].stderr)).toBe("No help topic for 'frobnicate'");
  });

  it('--wait on an unreachable server: Waiting for database... then the same error prefix, exit 2', async () => {
    const p = await Promise.all([project(), project()]);
    cleanups.push(p[0].cleanup, p[1].cleanup);
    const dead = 'postgres://u:secret@127.0.0.1:1/x?sslmode=disable';
    const t = { d: side('dbmate', dead, p[0]), o: side('ours', dead, p[1]) };
    const r = await both(t, ['--wait', '--wait-timeout=200ms', '--wait-interval=50ms', 'status']);
    expect(r.map((x) => x.code)).toEqual([2, 2]);
    // dbmate prints one dot per interval in the timeout (4 here); ours is time-based, see the report
    expect(r[0].stdout).toBe('Waiting for database....\n');
    expect(r[1].stdout).toMatch(/^Waiting for database\.+\n$/);
    expect(r[0].stderr).toBe('Error: unable to connect to database: dial tcp 127.0.0.1:1: connect: connection refused\n');
    expect(firstLine(r[1].stderr)).toMatch(/^Error: unable to connect to database: .*ECONNREFUSED/);
    // the password never shows
    expect(r[1].stderr).not.toContain('secret');
  });

  it('prints Applying/Applied lines with a Go duration', async () => {
    const t = await twins({ 'db/migrations/20240101000000_a.sql': mk('a'), 'db/migrations/20240102000000_b.sql': mk('b') });
    const up = await both(t, [...NO_DUMP, 'up']);
    expectSameRun(up, t);
    for (const r of up) {
      expect(r.stdout).toMatch(
        new RegExp(
          `^Applying: 20240101000000_a\\.sql\\nApplied: 20240101000000_a\\.sql in ${GO_DURATION}\\nApplying: 20240102000000_b\\.sql\\nApplied: 20240102000000_b\\.sql in ${GO_DURATION}\\n$`,
          'u',
        ),
      );
    }
    const lines = up[1].stdout.split('\n').filter((l) => l.startsWith('Applied: '));
    for (const l of lines) expect(l).toMatch(new RegExp(`^Applied: \\d+_[ab]\\.sql in ${GO_DURATION}$`, 'u'));
    const down = await both(t, [...NO_DUMP, 'rollback']);
    for (const r of down) expect(r.stdout).toMatch(new RegExp(`^Rolling back: 20240102000000_b\\.sql\\nRolled back: 20240102000000_b\\.sql in ${GO_DURATION}\\n$`, 'u'));
  });

  const verboseFiles = {
    'db/migrations/1_a.sql': migration('create table a (id int);\ninsert into a values (1), (2), (3);', 'delete from a where id > 1;'),
    'db/migrations/2_b.sql': migration('', ''),
  };
  const verboseOut = 'Applying: 1_a.sql\nRows affected: 3\nApplied: 1_a.sql in <duration>\nApplying: 2_b.sql\nApplied: 2_b.sql in <duration>\n';

  it('-v prints the same Rows affected lines as dbmate (nothing for an empty body)', async () => {
    const t = await twins(verboseFiles);
    const up = await both(t, [...NO_DUMP, 'up', '-v']);
    expect(norm(up[0].stdout)).toBe(verboseOut);
    expect(up.map((x) => x.code)).toEqual([0, 0]);
    // the same lines; their order is pinned by the known-failing test below
    expect(norm(up[1].stdout).split('\n').sort()).toEqual(verboseOut.split('\n').sort());
    expect(await expectSameState(t)).toEqual({ ledger: ['1', '2'], objects: ['public.a', 'public.schema_migrations'] });
    const down = await both(t, [...NO_DUMP, 'rollback', '--verbose']);
    expect(norm(down[0].stdout)).toBe('Rolling back: 2_b.sql\nRolled back: 2_b.sql in <duration>\n');
    expectSameRun(down, t);
  });

  // dbmate prints `Rows affected:` right after the Exec, before `Applied:`/`Rolled back:`, and 0 for DDL.
  it('-v output is identical to dbmate (Rows affected before Applied:, 0 for DDL)', async () => {
    const t = await twins({ ...verboseFiles, 'db/migrations/3_c.sql': migration('create table c (id int);', 'drop table c;') });
    const up = await both(t, [...NO_DUMP, 'up', '-v']);
    expect(norm(up[0].stdout)).toBe(`${verboseOut}Applying: 3_c.sql\nRows affected: 0\nApplied: 3_c.sql in <duration>\n`);
    expectSameRun(up, t);
  });
});

describe('new', () => {
  it('writes the same file name shape and 33-byte template, and prints Creating migration:', async () => {
    const [pd, po] = await Promise.all([project(), project()]);
    cleanups.push(pd.cleanup, po.cleanup);
    // `new` never connects: the URL is not used
    const unused = server().url('not_used');
    const t = { d: side('dbmate', unused, pd), o: side('ours', unused, po) };
    const before = Date.now();
    const r = await both(t, ['new', 'create_users']);
    for (const x of r) {
      expect(x.code).toBe(0);
      expect(x.stderr).toBe('');
      expect(x.stdout).toMatch(/^Creating migration: db\/migrations\/\d{14}_create_users\.sql\n$/);
    }
    const made = [t.d, t.o].map((s) => readdirSync(join(s.dir, 'db/migrations')));
    expect(made[0]).toHaveLength(1);
    expect(made[1]).toHaveLength(1);
    for (const [i, s] of [t.d, t.o].entries()) {
      expect(r[i]!.stdout).toBe(`Creating migration: db/migrations/${made[i]![0]}\n`);
      const content = s.read(`db/migrations/${made[i]![0]}`);
      expect(content).toBe('-- migrate:up\n\n\n-- migrate:down\n\n');
      expect(Buffer.byteLength(content)).toBe(33);
      // UTC timestamp of now
      const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})_/.exec(made[i]![0])!;
      const ts = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
      expect(ts).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(ts).toBeLessThanOrEqual(Date.now());
    }
    expect(t.o.read(`db/migrations/${made[1]![0]}`)).toBe(t.d.read(`db/migrations/${made[0]![0]}`));

    // -d is cleaned (no leading ./), the directory is created
    const custom = await both(t, ['-d', './sql//migs/', 'new', 'x']);
    for (const x of custom) expect(x.stdout).toMatch(/^Creating migration: sql\/migs\/\d{14}_x\.sql\n$/);

    const none = await both(t, ['new']);
    expect(none[0]).toEqual({ code: 2, stdout: '', stderr: 'Error: please specify a name for the new migration\n' });
    expect(none[1].code).toBe(2);
    expect(firstLine(none[1].stderr)).toBe('Error: please specify a name for the new migration');
  });
});

describe('environment and .env', () => {
  it('DBMATE_* and DATABASE_URL from .env, process environment wins', async () => {
    const t = await twins({ 'migs/1_a.sql': mk('a') });
    for (const s of [t.d, t.o]) {
      await s.write({
        '.env': [
          `DATABASE_URL=${s.url}`,
          'DBMATE_MIGRATIONS_DIR=./migs',
          'DBMATE_MIGRATIONS_TABLE=from_file',
          'DBMATE_SCHEMA_FILE=./out/schema.sql',
          '',
        ].join('\n'),
      });
    }
    // URL only from .env; the table from the process environment
    const r = await both(t, ['up'], () => ({ DATABASE_URL: undefined, DBMATE_MIGRATIONS_TABLE: 'from_process' }));
    expectSameRun(r, t);
    expect(norm(r[1].stdout)).toBe('Applying: 1_a.sql\nApplied: 1_a.sql in <duration>\nWriting: ./out/schema.sql\n');
    expect(await expectSameState(t, 'public.from_process')).toEqual({ ledger: ['1'], objects: ['public.a', 'public.from_process'] });
    expect(t.o.read('out/schema.sql')).toBe(t.d.read('out/schema.sql'));

    // process DATABASE_URL wins over .env: point .env at a server that is not there
    for (const s of [t.d, t.o]) await s.write({ '.env': 'DATABASE_URL=postgres://u:p@127.0.0.1:1/nope?sslmode=disable\nDBMATE_MIGRATIONS_DIR=./migs\n' });
    const st = await both(t, ['status'], (s) => ({ DATABASE_URL: s.url, DBMATE_MIGRATIONS_TABLE: 'from_process' }));
    expectSameRun(st);
    expect(st[1]).toEqual({ code: 0, stdout: '[X] 1_a.sql\n\nApplied: 1\nPending: 0\n', stderr: '' });

    // --env-file picks another file
    for (const s of [t.d, t.o]) await s.write({ 'other.env': `DATABASE_URL=${s.url}\nDBMATE_MIGRATIONS_TABLE=from_process\nDBMATE_MIGRATIONS_DIR=./migs\n` });
    const ef = await both(t, ['--env-file', 'other.env', 'status'], () => ({ DATABASE_URL: undefined }));
    expectSameRun(ef);
    expect(ef[1].stdout).toBe(st[1].stdout);
  });

  it('--env NAME reads the URL from that variable; no URL is the same error', async () => {
    const t = await twins({ 'db/migrations/1_a.sql': mk('a') });
    const r = await both(t, [...NO_DUMP, '--env', 'MY_DB_URL', 'up'], (s) => ({ DATABASE_URL: undefined, MY_DB_URL: s.url }));
    expectSameRun(r, t);
    expect((await expectSameState(t)).ledger).toEqual(['1']);
    const st = await both(t, ['-e', 'MY_DB_URL', 'status'], (s) => ({ DATABASE_URL: 'postgres://u:p@127.0.0.1:1/nope?sslmode=disable', MY_DB_URL: s.url }));
    expectSameRun(st);
    expect(st[1].stdout).toBe('[X] 1_a.sql\n\nApplied: 1\nPending: 0\n');

    const none = await both(t, ['status'], () => ({ DATABASE_URL: undefined }));
    const msg = 'Error: invalid url, have you set your --url flag or DATABASE_URL environment variable?';
    expect(none[0]).toEqual({ code: 2, stdout: '', stderr: `${msg}\n` });
    expect(none[1].code).toBe(2);
    expect(firstLine(none[1].stderr)).toBe(msg);

    // --url wins over the environment
    const bogus = { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/nope?sslmode=disable' };
    const viaUrl = await Promise.all([t.d.run(['--url', t.d.url, 'status'], bogus), t.o.run(['-u', t.o.url, 'status'], bogus)]);
    expectSameRun(viaUrl as [CliRun, CliRun]);
    expect(viaUrl[1].stdout).toBe(st[1].stdout);
  });
});

describe('migration file parsing', () => {
  it('CRLF files', async () => {
    const crlf = '-- migrate:up\r\ncreate table a (id int);\r\ncreate table b (id int);\r\n\r\n-- migrate:down\r\ndrop table b;\r\ndrop table a;\r\n';
    const t = await twins({ 'db/migrations/1_crlf.sql': crlf });
    expectSameRun(await both(t, [...NO_DUMP, 'up']), t);
    expect(await expectSameState(t)).toEqual({ ledger: ['1'], objects: ['public.a', 'public.b', 'public.schema_migrations'] });
    expectSameRun(await both(t, [...NO_DUMP, 'rollback']), t);
    expect(await expectSameState(t)).toEqual({ ledger: [], objects: ['public.schema_migrations'] });
  });

  it('transaction:FALSE still runs in a transaction; transaction:false does not', async () => {
    const t = await twins({
      'db/migrations/1_t.sql': migration('create table t (id int);', 'drop table t;'),
      'db/migrations/2_upper.sql': migration('create index concurrently t_upper on t (id);', 'drop index t_upper;', { upOptions: 'transaction:FALSE foo:bar bad' }),
    });
    const r = await both(t, [...NO_DUMP, 'up']);
    expect(r.map((x) => x.code)).toEqual([2, 2]);
    expect(r[0].stderr).toBe('Error: pq: CREATE INDEX CONCURRENTLY cannot run inside a transaction block (25001)\n');
    // Ours warns first, as lint sees the failure coming (stdout and the error are dbmate's).
    expect(r[1].stderr).toMatch(/^Warning: db\/migrations\/2_upper\.sql:2:1: error concurrently-in-transaction: /);
    expect(firstLine(r[1].stderr.replace(/^Warning: .*\n/gm, ''))).toMatch(/^Error: db\/migrations\/2_upper\.sql\b.*CREATE INDEX CONCURRENTLY cannot run inside a transaction block.*25001/);
    expect(await expectSameState(t)).toEqual({ ledger: ['1'], objects: ['public.schema_migrations', 'public.t'] });

    for (const s of [t.d, t.o]) {
      await s.write({
        'db/migrations/2_upper.sql': migration('create index concurrently if not exists t_lower on t (id);', 'drop index concurrently t_lower;', {
          upOptions: 'transaction:false',
          downOptions: 'transaction:false',
        }),
      });
    }
    expectSameRun(await both(t, [...NO_DUMP, 'up']), t);
    expect((await expectSameState(t)).ledger).toEqual(['1', '2']);
    for (const s of [t.d, t.o]) expect(await query(s.url, "select indexname from pg_indexes where tablename = 't'")).toEqual([{ indexname: 't_lower' }]);
    expectSameRun(await both(t, [...NO_DUMP, 'rollback']), t);
    for (const s of [t.d, t.o]) expect(await query(s.url, "select indexname from pg_indexes where tablename = 't'")).toEqual([]);
    expect((await expectSameState(t)).ledger).toEqual(['1']);
  });

  it('empty up and down bodies', async () => {
    const t = await twins({ 'db/migrations/1_empty.sql': '-- migrate:up\n-- migrate:down\n', 'db/migrations/2_blank.sql': migration('', '') });
    const up = await both(t, [...NO_DUMP, 'up']);
    expectSameRun(up, t);
    expect(await expectSameState(t)).toEqual({ ledger: ['1', '2'], objects: ['public.schema_migrations'] });
    expectSameRun(await both(t, [...NO_DUMP, 'rollback']), t);
    expectSameRun(await both(t, [...NO_DUMP, 'rollback']), t);
    expect(await expectSameState(t)).toEqual({ ledger: [], objects: ['public.schema_migrations'] });
  });

  it('marker variants: --migrate:up, tab, trailing options, leading comments', async () => {
    const t = await twins({
      'db/migrations/1_a.sql': '-- a comment\n\n  -- indented comment\n--migrate:up\ncreate table a (id int);\n--\tmigrate:down   \ndrop table a;\n',
      'db/migrations/2_b.sql': '-- migrate:up foo:bar\ncreate table b (id int);\n  -- migrate:down\n-- Migrate:Down\n-- migrate:downx\n-- migrate:down transaction:true\ndrop table b;\n',
    });
    expectSameRun(await both(t, [...NO_DUMP, 'up']), t);
    expect(await expectSameState(t)).toEqual({ ledger: ['1', '2'], objects: ['public.a', 'public.b', 'public.schema_migrations'] });
    expectSameRun(await both(t, [...NO_DUMP, 'rollback']), t);
    expect(await expectSameState(t)).toEqual({ ledger: ['1'], objects: ['public.a', 'public.schema_migrations'] });
  });

  const malformed: [string, string, string][] = [
    ['no up marker', 'create table x (id int);\n-- migrate:down\n', "dbmate requires each migration to define an up block with '-- migrate:up'"],
    ['empty file', '', "dbmate requires each migration to define an up block with '-- migrate:up'"],
    ['no down marker', '-- migrate:up\ncreate table x (id int);\n', "dbmate requires each migration to define a down block with '-- migrate:down'"],
    ['statements before up', 'select 1;\n-- migrate:up\ncreate table x (id int);\n-- migrate:down\n', "dbmate does not support statements preceding the '-- migrate:up' block"],
    ['down before up', '-- migrate:down\ndrop table x;\n-- migrate:up\ncreate table x (id int);\n', "dbmate does not support statements preceding the '-- migrate:up' block"],
    ['two downs', '-- migrate:up\ncreate table x (id int);\n-- migrate:down\ndrop table x;\n-- migrate:down\n', "dbmate requires every '-- migrate:down' to be preceded by a '-- migrate:up'"],
  ];

  // The malformed-file cases share one pair of databases (each case has its own ledger table and
  // objects, and ours never creates anything in them): CREATE DATABASE is the slowest step here.
  let malformedDbs: Promise<[string, string]> | undefined;
  it.each(malformed.map(([name, bad, msg], i) => [name, bad, msg, i] as const))(
    'malformed file (%s): message contains dbmate\'s, exit 2; ours parses everything first',
    async (_name, bad, msg, i) => {
      malformedDbs ??= Promise.all([freshDatabase(), freshDatabase()]);
      const [ud, uo] = await malformedDbs;
      const files = { 'db/migrations/1_ok.sql': mk(`ok_${i}`), 'db/migrations/2_bad.sql': bad };
      const [pd, po] = await Promise.all([project(files), project(files)]);
      cleanups.push(pd.cleanup, po.cleanup);
      const t = { d: side('dbmate', ud, pd), o: side('ours', uo, po) };
      const r = await both(t, [...NO_DUMP, '--migrations-table', `ledger_${i}`, 'up']);
      // dbmate: parses lazily, applies 1_ok and fails after `Applying: 2_bad.sql`
      expect(norm(r[0].stdout)).toBe('Applying: 1_ok.sql\nApplied: 1_ok.sql in <duration>\nApplying: 2_bad.sql\n');
      expect(r[0].stderr).toBe(`Error: ${msg}\n`);
      expect(r[0].code).toBe(2);
      expect(await ledger(t.d.url, `public.ledger_${i}`)).toEqual(['1']);
      expect(await objects(t.d.url)).toEqual(expect.arrayContaining([`public.ok_${i}`, `public.ledger_${i}`]));
      // ours (documented difference): every pending file is parsed first, nothing runs, the path is named
      expect(r[1].code).toBe(2);
      expect(r[1].stdout).toBe('');
      expect(firstLine(r[1].stderr)).toBe(`Error: db/migrations/2_bad.sql: ${msg}`);
      expect(r[1].stderr).toContain(msg);
      expect(await objects(t.o.url, true)).toEqual([]);
    },
  );

  it('malformed down section: rollback fails with the same message after Rolling back:', async () => {
    const t = await twins({ 'db/migrations/1_a.sql': mk('a') });
    expectSameRun(await both(t, [...NO_DUMP, 'up']), t);
    for (const s of [t.d, t.o]) await s.write({ 'db/migrations/1_a.sql': '-- migrate:up\ncreate table a (id int);\n' });
    const r = await both(t, [...NO_DUMP, 'rollback']);
    const msg = "dbmate requires each migration to define a down block with '-- migrate:down'";
    expect(r[0]).toEqual({ code: 2, stdout: 'Rolling back: 1_a.sql\n', stderr: `Error: ${msg}\n` });
    expect(r[1].code).toBe(2);
    expect(r[1].stderr).toContain(msg);
    expect(await expectSameState(t)).toEqual({ ledger: ['1'], objects: ['public.a', 'public.schema_migrations'] });
  });
});

describe('documented differences (DBMATE_COMPAT.md §0), pinned side by side', () => {
  it('duplicate versions: dbmate half-applies and shows both [X]; ours rejects them up front', async () => {
    const t = await twins({ 'db/migrations/1_a.sql': mk('a'), 'db/migrations/1_e.sql': mk('e') });
    const r = await both(t, [...NO_DUMP, 'up']);
    expect(r[0].code).toBe(2);
    expect(norm(r[0].stdout)).toBe('Applying: 1_a.sql\nApplied: 1_a.sql in <duration>\nApplying: 1_e.sql\nApplied: 1_e.sql in <duration>\n');
    expect(r[0].stderr).toContain('schema_migrations_pkey');
    expect(await state(t.d.url)).toEqual({ ledger: ['1'], objects: ['public.a', 'public.schema_migrations'] });
    const ds = await t.d.run(['status']);
    expect(ds).toEqual({ code: 0, stdout: '[X] 1_a.sql\n[X] 1_e.sql\n\nApplied: 2\nPending: 0\n', stderr: '' });

    expect(r[1].code).toBe(2);
    expect(r[1].stdout).toBe('');
    expect(firstLine(r[1].stderr)).toBe('Error: duplicate migration version `1`: db/migrations/1_a.sql and db/migrations/1_e.sql');
    expect(await objects(t.o.url, true)).toEqual([]);
    const os = await t.o.run(['status']);
    expect(os.code).toBe(2);
    expect(firstLine(os.stderr)).toBe(firstLine(r[1].stderr));
  });

  it('SQL error: dbmate prints Applied: anyway and a section-relative position; ours only Applying: and the file line', async () => {
    const t = await twins({
      'db/migrations/1_ok.sql': mk('ok'),
      'db/migrations/2_bad.sql': '-- migrate:up\ncreate table bad1 (id int);\nselect * from  nonexistent;\n\n-- migrate:down\ndrop table bad1;\n',
    });
    const r = await both(t, [...NO_DUMP, 'up']);
    expect(r.map((x) => x.code)).toEqual([2, 2]);
    expect(norm(r[0].stdout)).toBe('Applying: 1_ok.sql\nApplied: 1_ok.sql in <duration>\nApplying: 2_bad.sql\nApplied: 2_bad.sql in <duration>\n');
    expect(r[0].stderr).toBe('Error: line: 3, column: 16, position: 58: pq: relation "nonexistent" does not exist at position 3:16 (42P01)\n');
    expect(norm(r[1].stdout)).toBe('Applying: 1_ok.sql\nApplied: 1_ok.sql in <duration>\nApplying: 2_bad.sql\n');
    // ours: the file, line and column in the file, the server's message and SQLSTATE (our own format)
    expect(firstLine(r[1].stderr)).toMatch(/^Error: db\/migrations\/2_bad\.sql:3:16: .*relation "nonexistent" does not exist.*42P01/);
    // same state: the failed file is rolled back entirely in both
    expect(await expectSameState(t)).toEqual({ ledger: ['1'], objects: ['public.ok', 'public.schema_migrations'] });

    // down section: dbmate counts from the `-- migrate:down` line, ours gives the file line
    for (const s of [t.d, t.o]) {
      await s.write({ 'db/migrations/2_bad.sql': '-- migrate:up\ncreate table bad1 (id int);\n\n-- migrate:down\ndrop table bad1;\nselect * from  nonexistent;\n' });
    }
    expectSameRun(await both(t, [...NO_DUMP, 'up']), t);
    const d = await both(t, [...NO_DUMP, 'rollback']);
    expect(d.map((x) => x.code)).toEqual([2, 2]);
    expect(d[0].stderr).toMatch(/^Error: line: 3, column: 16, position: \d+: pq: relation "nonexistent" does not exist at position 3:16 \(42P01\)\n$/);
    expect(firstLine(d[1].stderr)).toMatch(/^Error: db\/migrations\/2_bad\.sql:6:16: .*relation "nonexistent" does not exist.*42P01/);
    expect(norm(d[0].stdout)).toBe('Rolling back: 2_bad.sql\nRolled back: 2_bad.sql in <duration>\n');
    expect(d[1].stdout).toBe('Rolling back: 2_bad.sql\n');
    expect(await expectSameState(t)).toEqual({ ledger: ['1', '2'], objects: ['public.bad1', 'public.ok', 'public.schema_migrations'] });
  });

  it('transaction:false: dbmate sends one implicit transaction; ours runs statement by statement', async () => {
    const t = await twins({
      'db/migrations/1_nt.sql': migration('create table y1 (id int);\ninsert into nonexistent values (1);\ncreate table y2 (id int);', 'drop table y2;\ndrop table y1;', {
        upOptions: 'transaction:false',
      }),
    });
    const r = await both(t, [...NO_DUMP, 'up']);
    expect(r.map((x) => x.code)).toEqual([2, 2]);
    expect(r[0].stderr).toMatch(/pq: relation "nonexistent" does not exist .*\(42P01\)\n$/);
    // Ours first warns, as the action's log does, about what lint finds in the up section it is about to run.
    expect(r[1].stderr).toMatch(/^Warning: db\/migrations\/1_nt\.sql:2:1: warning non-idempotent-ddl: /);
    expect(firstLine(r[1].stderr.replace(/^Warning: .*\n/gm, ''))).toMatch(/^Error: db\/migrations\/1_nt\.sql:3:13: .*relation "nonexistent" does not exist.*42P01/);
    // dbmate: statement 1 rolled back with the implicit transaction; ours: statement 1 stays
    expect(await state(t.d.url)).toEqual({ ledger: [], objects: ['public.schema_migrations'] });
    expect(await state(t.o.url)).toEqual({ ledger: [], objects: ['public.schema_migrations', 'public.y1'] });

    // several CREATE INDEX CONCURRENTLY: dbmate fails with 25001, ours applies them
    const t2 = await twins({
      'db/migrations/1_t.sql': mk('t'),
      'db/migrations/2_idx.sql': migration('create index concurrently i1 on t (id);\ncreate index concurrently i2 on t (id);', 'drop index i1;\ndrop index i2;', {
        upOptions: 'transaction:false',
      }),
    });
    const r2 = await both(t2, [...NO_DUMP, 'up']);
    expect(r2[0].code).toBe(2);
    expect(r2[0].stderr).toBe('Error: pq: CREATE INDEX CONCURRENTLY cannot run inside a transaction block (25001)\n');
    expect(await ledger(t2.d.url)).toEqual(['1']);
    expect(r2[1].code).toBe(0);
    expect(await ledger(t2.o.url)).toEqual(['1', '2']);
    expect(await query(t2.o.url, "select indexname from pg_indexes where tablename = 't' order by 1")).toEqual([{ indexname: 'i1' }, { indexname: 'i2' }]);
  });

  it('URL without sslmode: dbmate requires SSL (fails here); ours follows libpq prefer (connects)', async () => {
    const t = await shared({ 'db/migrations/1_a.sql': mk('a') });
    // The one place a URL without sslmode is used: this is the difference being pinned.
    const noSsl = (s: Side) => ({ DATABASE_URL: s.url.replace(/[?&]sslmode=disable/, '') });
    const r = await both(t, ['status'], noSsl);
    expect(r[0]).toEqual({ code: 2, stdout: '', stderr: 'Error: pq: SSL is not enabled on the server\n' });
    expect(r[1]).toEqual({ code: 0, stdout: '[ ] 1_a.sql\n\nApplied: 0\nPending: 1\n', stderr: '' });
  });
});

describe('interchange: either tool continues where the other stopped', () => {
  const files = (n: number[]) =>
    Object.fromEntries(n.map((i) => [`db/migrations/2024010${i}000000_m${i}.sql`, mk(`m${i}`)]));
  const status = (applied: number[], all: number[]) =>
    `${all.map((i) => `[${applied.includes(i) ? 'X' : ' '}] 2024010${i}000000_m${i}.sql\n`).join('')}\nApplied: ${applied.length}\nPending: ${all.length - applied.length}\n`;

  async function expectStep(s: { d: Side; o: Side; url: string }, applied: number[], all: number[]): Promise<void> {
    expect(await ledger(s.url)).toEqual(applied.map((i) => `2024010${i}000000`));
    expect(await objects(s.url)).toEqual([...applied.map((i) => `public.m${i}`), 'public.schema_migrations'].sort());
    const [d, o] = await Promise.all([s.d.run(['status']), s.o.run(['status'])]);
    expect(o).toEqual(d);
    expect(o).toEqual({ code: 0, stdout: status(applied, all), stderr: '' });
  }

  it('dbmate applies half, ours the rest, dbmate rolls back (schema dumps identical at each step)', async () => {
    const s = await shared(files([1, 2]));
    const all = [1, 2, 3, 4];
    // No audit table here (--history-table=), so both tools must dump this one database identically:
    // after each step the other tool dumps too, and its file must equal the one just written.
    const O = ['--history-table='];
    const sameDump = async (other: Side) => {
      const r = await other.run([...(other.tool === 'ours' ? O : []), '-s', './other.sql', 'dump']);
      expect(r).toEqual({ code: 0, stdout: 'Writing: ./other.sql\n', stderr: '' });
      expect(other.read('other.sql')).toBe(other.read('db/schema.sql'));
    };

    const a = await s.d.run(['up']);
    expect(norm(a.stdout)).toBe(
      'Applying: 20240101000000_m1.sql\nApplied: 20240101000000_m1.sql in <duration>\nApplying: 20240102000000_m2.sql\nApplied: 20240102000000_m2.sql in <duration>\nWriting: ./db/schema.sql\n',
    );
    await s.d.write(files([3, 4]));
    await expectStep(s, [1, 2], all);
    await sameDump(s.o);

    const b = await s.o.run([...O, 'up']);
    expect(b.code).toBe(0);
    expect(norm(b.stdout)).toBe(
      'Applying: 20240103000000_m3.sql\nApplied: 20240103000000_m3.sql in <duration>\nApplying: 20240104000000_m4.sql\nApplied: 20240104000000_m4.sql in <duration>\nWriting: ./db/schema.sql\n',
    );
    await expectStep(s, [1, 2, 3, 4], all);
    await sameDump(s.d);
    expect(s.o.read('db/schema.sql')).toContain("    ('20240103000000'),\n    ('20240104000000');\n");

    for (const [n, left] of [[4, [1, 2, 3]], [3, [1, 2]], [2, [1]]] as [number, number[]][]) {
      const dump = n === 2; // dump after the last of these only
      const r = await s.d.run([...(dump ? [] : NO_DUMP), 'rollback']);
      expect(r.code).toBe(0);
      expect(norm(r.stdout)).toBe(`Rolling back: 2024010${n}000000_m${n}.sql\nRolled back: 2024010${n}000000_m${n}.sql in <duration>\n${dump ? 'Writing: ./db/schema.sql\n' : ''}`);
      await expectStep(s, left, all);
    }
    await sameDump(s.o);
    // ours rolls back the last one; both agree on the empty state
    const last = await s.o.run([...O, 'rollback']);
    expect(norm(last.stdout)).toBe('Rolling back: 20240101000000_m1.sql\nRolled back: 20240101000000_m1.sql in <duration>\nWriting: ./db/schema.sql\n');
    await expectStep(s, [], all);
    await sameDump(s.d);
    expect(s.d.read('db/schema.sql').endsWith('\n--\n-- Dbmate schema migrations\n--\n\n')).toBe(true);
  });

  it('ours applies half (with its audit table), dbmate the rest, ours rolls back', async () => {
    const s = await shared(files([1, 2]));
    const all = [1, 2, 3, 4];
    const a = await s.o.run([...NO_DUMP, 'up']);
    expect(a.code).toBe(0);
    await s.o.write(files([3, 4]));
    await expectStep(s, [1, 2], all);

    const b = await s.d.run([...NO_DUMP, 'up']);
    expect(b).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^Applying: 20240103000000_m3\.sql\nApplied: .*\nApplying: 20240104000000_m4\.sql\nApplied: .*\n$/),
      stderr: '',
    });
    await expectStep(s, [1, 2, 3, 4], all);

    // ours rolls back what dbmate applied, and further
    for (const [n, left] of [[4, [1, 2, 3]], [3, [1, 2]], [2, [1]]] as [number, number[]][]) {
      const r = await s.o.run([...NO_DUMP, 'rollback']);
      expect(r.code).toBe(0);
      expect(norm(r.stdout)).toBe(`Rolling back: 2024010${n}000000_m${n}.sql\nRolled back: 2024010${n}000000_m${n}.sql in <duration>\n`);
      await expectStep(s, left, all);
    }
    // our audit table recorded only our own runs; dbmate ignores it
    expect(await query(s.url, 'select version, direction, outcome from schema_migrations_history order by id')).toEqual([
      { version: '20240101000000', direction: 'up', outcome: 'applied' },
      { version: '20240102000000', direction: 'up', outcome: 'applied' },
      { version: '20240104000000', direction: 'down', outcome: 'rolled-back' },
      { version: '20240103000000', direction: 'down', outcome: 'rolled-back' },
      { version: '20240102000000', direction: 'down', outcome: 'rolled-back' },
    ]);
    // dbmate rolls back the rest and re-applies everything; ours agrees on status
    const d = await s.d.run([...NO_DUMP, 'rollback']);
    expect(d.code).toBe(0);
    await expectStep(s, [], all);
    expect((await s.d.run([...NO_DUMP, 'up'])).code).toBe(0);
    await expectStep(s, all, all);
  });
});
