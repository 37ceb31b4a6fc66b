/**
 * Bad input through the in-process CLI: one clear message on stderr naming the culprit, a
 * non-zero exit code, nothing changed in the database, and never the password in any output.
 */
import { describe, it, expect, beforeAll, afterEach } from '@jest/globals';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { usePostgres, query, tables } from './helpers/pg.js';
import { runCli, project, migration, type CliRun } from './helpers/cli.js';

const server = usePostgres();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const PASSWORD = 'S3cr3t-Canary-9z';
const WRONG_PASSWORD = 'Wr0ng-Canary-Pw-7q';
const DIR = 'db/migrations';

beforeAll(async () => {
  await query(server().adminUrl, `create role canary login password '${PASSWORD}'`);
});

/** URL of `db` on the test server as the canary role, with the given password. */
function canaryUrl(db: string, password = PASSWORD): string {
  return `postgres://canary:${password}@127.0.0.1:${server().port}/${db}?sslmode=disable`;
}

/** A fresh database owned by the canary role (so it may create tables in `public`). */
async function canaryDatabase(): Promise<{ db: string; url: string; adminUrl: string }> {
  const adminUrl = await server().createDatabase();
  const db = decodeURIComponent(new URL(adminUrl).pathname.slice(1));
  await query(server().adminUrl, `alter database "${db}" owner to canary`);
  return { db, url: canaryUrl(db), adminUrl };
}

async function proj(files: Record<string, string>) {
  const p = await project(Object.fromEntries(Object.entries(files).map(([name, body]) => [`${DIR}/${name}`, body])));
  cleanups.push(p.cleanup);
  return p;
}

/** Run the CLI and check that no secret leaked into its output. */
async function run(args: string[], opts: { url?: string; cwd: string }): Promise<CliRun> {
  const r = await runCli(['--no-dump-schema', ...args], { env: opts.url === undefined ? {} : { DATABASE_URL: opts.url }, cwd: opts.cwd });
  for (const secret of [PASSWORD, WRONG_PASSWORD, encodeURIComponent(PASSWORD)]) {
    expect(r.stdout).not.toContain(secret);
    expect(r.stderr).not.toContain(secret);
  }
  return r;
}

const OK = migration('create table ok (id int);', 'drop table ok;');

describe('malformed migration files', () => {
  it('a file without an up marker fails the run, naming the file; nothing is created', async () => {
    const { url } = await canaryDatabase();
    const p = await proj({ '20240101000000_no_up.sql': 'create table x (id int);\n\n-- migrate:down\ndrop table x;\n' });

    const r = await run(['up'], { url, cwd: p.dir });

    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`^Error: ${DIR}/20240101000000_no_up\\.sql: dbmate requires each migration to define an up block with '-- migrate:up'\n  hint: [^\n]+\n$`),
    );
    expect(await tables(url)).toEqual([]);
  });

  it('a file without a down marker fails the run, naming the file; nothing is created', async () => {
    const { url } = await canaryDatabase();
    const p = await proj({ '20240101000000_no_down.sql': '-- migrate:up\ncreate table x (id int);\n' });

    const r = await run(['up'], { url, cwd: p.dir });

    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`^Error: ${DIR}/20240101000000_no_down\\.sql: dbmate requires each migration to define a down block with '-- migrate:down'\n  hint: [^\n]+\n$`),
    );
    expect(await tables(url)).toEqual([]);
  });

  it('a malformed SECOND pending file fails the run before the first is applied', async () => {
    const { url } = await canaryDatabase();
    const p = await proj({
      '20240101000000_first.sql': OK,
      '20240102000000_second.sql': '-- migrate:up\ncreate table second (id int);\n',
    });

    const r = await run(['up'], { url, cwd: p.dir });

    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^Error: ${DIR}/20240102000000_second\\.sql: dbmate requires each migration to define a down block`));
    expect(await tables(url)).toEqual([]);

    // Once applied, an earlier file no longer matters, but a malformed pending one still blocks the rest.
    await p.write({ [`${DIR}/20240102000000_second.sql`]: migration('create table second (id int);', 'drop table second;') });
    await p.write({ [`${DIR}/20240103000000_third.sql`]: '-- migrate:down\n-- migrate:up\n' });
    const again = await run(['up'], { url, cwd: p.dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(new RegExp(`^Error: ${DIR}/20240103000000_third\\.sql: `));
    expect(await tables(url)).toEqual([]);
  });

  it('duplicate versions fail before anything runs, naming both files', async () => {
    const { url } = await canaryDatabase();
    const p = await proj({ '20240101000000_a.sql': OK, '20240101000000_b.sql': migration('create table b (id int);', 'drop table b;') });

    const r = await run(['up'], { url, cwd: p.dir });

    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`^Error: duplicate migration version \`20240101000000\`: ${DIR}/20240101000000_a\\.sql and ${DIR}/20240101000000_b\\.sql\n  hint: [^\n]+\n$`),
    );
    expect(await tables(url)).toEqual([]);
  });

  it('ignores files whose names are not migrations, without reading them', async () => {
    const { url } = await canaryDatabase();
    const garbage = 'this is not SQL; -- migrate:nothing\n';
    const p = await proj({
      '20240101000000_ok.sql': OK,
      'README.md': garbage,
      'notes.sql': garbage,
      '_20240102000000_leading_underscore.sql': garbage,
      '20240103000000_wrong_ext.sql.bak': garbage,
      '20240104000000_upper.SQL': garbage,
    });
    await mkdir(join(p.dir, DIR, '20240105000000_a_directory.sql'));

    const r = await run(['up'], { url, cwd: p.dir });

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Applying: 20240101000000_ok\.sql\nApplied: 20240101000000_ok\.sql in \S+\n$/);
    expect(await query(url, 'select version from schema_migrations')).toEqual([{ version: '20240101000000' }]);
  });

  it('a directory with no migration files is an error, not a silent success', async () => {
    const { url } = await canaryDatabase();
    const p = await proj({ 'README.md': 'nothing here' });

    const r = await run(['up'], { url, cwd: p.dir });

    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: no migration files found\n/);
    expect(await tables(url)).toEqual([]);
  });
});

/** A TCP port on 127.0.0.1 that nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

describe('bad database URLs and connections', () => {
  it('an unsupported scheme', async () => {
    const p = await proj({ '20240101000000_ok.sql': OK });
    const r = await run(['up'], { url: `mysql://canary:${PASSWORD}@127.0.0.1:${server().port}/app`, cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Error: unsupported driver: mysql\n  hint: [^\n]+\n$/);
  });

  it('a malformed URL is quoted with its password masked', async () => {
    const p = await proj({ '20240101000000_ok.sql': OK });
    const r = await run(['up'], { url: `postgres://canary:${PASSWORD}@127.0.0.1:99999/app`, cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Error: invalid database url postgres:\/\/canary:\*+@127\.0\.0\.1:99999\/app: [^\n]+\n$/);
  });

  it('a URL without a host whose socket directory has no server', async () => {
    const { db, adminUrl } = await canaryDatabase();
    const socketDir = await mkdtemp(join(tmpdir(), 'dbm-nosock-'));
    cleanups.push(() => rm(socketDir, { recursive: true, force: true }));
    const p = await proj({ '20240101000000_ok.sql': OK });

    const r = await run(['up'], { url: `postgres://canary:${PASSWORD}@/${db}?host=${socketDir}`, cwd: p.dir });

    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`Error: cannot connect to postgres://canary:`);
    expect(r.stderr).toContain(`${socketDir}/.s.PGSQL.5432`);
    expect(r.stderr.split('\n')[0]).toMatch(/ENOENT/);
    expect(await tables(adminUrl)).toEqual([]);
  });

  it('a host and port where nothing listens', async () => {
    const port = await closedPort();
    const p = await proj({ '20240101000000_ok.sql': OK });

    const r = await run(['up'], { url: `postgres://canary:${PASSWORD}@127.0.0.1:${port}/app?sslmode=disable`, cwd: p.dir });

    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`^Error: cannot connect to postgres://canary:[^@\\s]+@127\\.0\\.0\\.1:${port}/app\\?sslmode=disable: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\n  hint: [^\n]+\n$`),
    );
  });

  it('a wrong password', async () => {
    const { db, adminUrl } = await canaryDatabase();
    const p = await proj({ '20240101000000_ok.sql': OK });

    const r = await run(['up'], { url: canaryUrl(db, WRONG_PASSWORD), cwd: p.dir });

    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Error: cannot connect to postgres:\/\/canary:[^@\s]+@127\.0\.0\.1:\d+\/[^?]+\?sslmode=disable: password authentication failed for user "canary" \(28P01\)\n/);
    expect(await tables(adminUrl)).toEqual([]);
  });

  it('the right password works, and a failing migration does not print it either', async () => {
    const { url } = await canaryDatabase();
    const p = await proj({
      '20240101000000_ok.sql': OK,
      // The password in the SQL itself (e.g. creating a role) is not a URL secret, but in an error message it would be.
      '20240102000000_bad.sql': migration(`select 1 from nonexistent where secret = '${PASSWORD}';`, 'select 1;'),
    });

    const r = await runCli(['--no-dump-schema', 'up'], { env: { DATABASE_URL: url }, cwd: p.dir });

    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/Applied: 20240101000000_ok\.sql/);
    // The statement quotes the file; the password it contains is masked like any other occurrence.
    expect(r.stderr).toMatch(/^Error: db\/migrations\/20240102000000_bad\.sql:2:15: applying version 20240102000000 failed: relation "nonexistent" does not exist/);
    expect(r.stderr).not.toContain(PASSWORD);
  });
});

describe('bad command lines', () => {
  it('an unknown flag', async () => {
    const { url } = await canaryDatabase();
    const p = await proj({ '20240101000000_ok.sql': OK });

    const r = await run(['--no-such-flag', 'up'], { url, cwd: p.dir });

    expect(r.code).toBe(2);
    expect(r.stderr).toBe('Error: flag provided but not defined: -no-such-flag\n');
    expect(await tables(url)).toEqual([]);
  });

  it('an unknown command exits 3, as dbmate', async () => {
    const { url } = await canaryDatabase();
    const p = await proj({ '20240101000000_ok.sql': OK });

    const r = await run(['frobnicate'], { url, cwd: p.dir });

    expect(r).toEqual({ code: 3, stdout: '', stderr: "No help topic for 'frobnicate'\n" });
    expect(await tables(url)).toEqual([]);
  });

  it('--steps 0', async () => {
    const { url } = await canaryDatabase();
    const p = await proj({ '20240101000000_ok.sql': OK });

    const r = await run(['up', '--steps', '0'], { url, cwd: p.dir });

    expect(r.code).toBe(2);
    expect(r.stderr).toBe('Error: invalid value "0" for flag -steps: expected a positive integer\n');
    expect(await tables(url)).toEqual([]);
  });
});
