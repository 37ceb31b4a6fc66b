import { describe, it, expect, afterEach } from '@jest/globals';
import { usePostgres, tables, query } from './helpers/pg.js';
import { runCli, project, migration } from './helpers/cli.js';

/**
 * The CLI agrees with the action: `up`, `migrate` and `plan` lint the migrations they would apply
 * and print the findings on stderr as warnings (stdout stays dbmate's), and stop only under
 * `--lint-fail-on`, with the action's LINT_FAILED message and nothing applied.
 */

const server = usePostgres();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

// accounts exists before the run (created by hand, as a table of an existing project would be)
// and is large: the index is built on it, an error; users is created in the same run, so nothing.
const FILES = {
  'db/migrations/20240101000000_users.sql': migration('create table users (id int, email text);', 'drop table if exists users;'),
  'db/migrations/20240102000000_idx.sql': migration('create index accounts_email on accounts (email);', 'drop index if exists accounts_email;'),
};

async function setup(): Promise<{ url: string; dir: string; env: Record<string, string> }> {
  const url = await server().createDatabase();
  // Large by its statistics (what the planner and the lint read): 12 M rows, as loading them would take minutes.
  await query(url, "create table accounts (id int, email text); insert into accounts select g, 'a' || g from generate_series(1, 1000) g; analyze accounts");
  await query(url, "update pg_class set reltuples = 12e6 where oid = 'accounts'::regclass");
  const p = await project(FILES);
  cleanups.push(p.cleanup);
  return { url, dir: p.dir, env: { DATABASE_URL: url } };
}

const FINDING = /^Warning: db\/migrations\/20240102000000_idx\.sql:2:1: error require-concurrent-index: .*$/m;

describe('db-migrate up/plan lint what they apply', () => {
  it('up prints the findings as warnings on stderr and applies (default --lint-fail-on none)', async () => {
    const { url, dir, env } = await setup();
    const up = await runCli(['--no-dump-schema', 'up'], { env, cwd: dir });
    expect(up.code).toBe(0);
    expect(up.stderr).toMatch(FINDING);
    expect(up.stderr).toMatch(/^Warning: Lint \(pending, --lint-fail-on none\b.*\): 1 error/m);
    // stdout is dbmate's, nothing else.
    expect(up.stdout).toMatch(/^Applying: 20240101000000_users\.sql\nApplied: 20240101000000_users\.sql in \S+\nApplying: 20240102000000_idx\.sql\nApplied: 20240102000000_idx\.sql in \S+\n$/);
    expect(await query(url, 'select version from schema_migrations order by version')).toEqual([{ version: '20240101000000' }, { version: '20240102000000' }]);
  });

  it('--lint-fail-on error stops up with exit 2, the LINT_FAILED message and nothing applied', async () => {
    const { url, dir, env } = await setup();
    const t0 = Date.now();
    const up = await runCli(['--no-dump-schema', 'up', '--lint-fail-on', 'error'], { env, cwd: dir });
    expect(up.code).toBe(2);
    expect(up.stdout).toBe('');
    expect(up.stderr).toMatch(FINDING);
    expect(up.stderr).toMatch(/^Error: migration lint failed, so nothing was applied: 1 finding at or above lint-fail-on: error \(1 error, 0 warnings in 2 files\)\n {2}hint: /m);
    expect(await tables(url)).not.toContain('users');
    const ledger = (await tables(url)).includes('schema_migrations') ? await query(url, 'select version from schema_migrations') : [];
    expect(ledger).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(10_000);
    // Warnings only: --lint-fail-on warning does not stop on a file with none in its up sections.
    const onlyUsers = await runCli(['--no-dump-schema', 'up', '--lint-fail-on', 'warning', '--steps', '1'], { env, cwd: dir });
    expect(onlyUsers).toMatchObject({ code: 0, stderr: '' });
  });

  it('an empty down section is quiet by default and stops up under --lint-fail-on warning (it could not be rolled back)', async () => {
    const { url, env } = await setup();
    const p = await project({ 'db/migrations/20240101000000_users.sql': migration('create table users (id int);') });
    cleanups.push(p.cleanup);
    const gated = await runCli(['--no-dump-schema', 'up', '--lint-fail-on', 'warning'], { env, cwd: p.dir });
    expect(gated.code).toBe(2);
    expect(gated.stderr).toMatch(/^Warning: db\/migrations\/20240101000000_users\.sql:4:1: warning missing-down: the down section is empty: this migration cannot be rolled back$/m);
    expect(gated.stderr).toMatch(/^Error: migration lint failed, so nothing was applied: 1 finding at or above lint-fail-on: warning /m);
    expect(await tables(url)).not.toContain('users');
    const quiet = await runCli(['--no-dump-schema', 'up'], { env, cwd: p.dir });
    expect(quiet).toMatchObject({ code: 0, stderr: '' });
    expect(await tables(url)).toContain('users');
  });

  it('plan prints the same warnings after the plan; --lint-fail-on makes it exit 2', async () => {
    const { dir, env } = await setup();
    const plan = await runCli(['plan'], { env, cwd: dir });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^Plan: 2 pending migration\(s\)/);
    expect(plan.stdout).not.toContain('Warning');
    expect(plan.stderr).toMatch(FINDING);
    const gated = await runCli(['plan', '--lint-fail-on', 'error'], { env, cwd: dir });
    expect(gated.code).toBe(2);
    expect(gated.stdout).toMatch(/^Plan: 2 pending migration\(s\)/);
    expect(gated.stderr).toMatch(/^Error: migration lint failed: 1 finding at or above lint-fail-on: error/m);
    // up --dry-run is plan.
    expect((await runCli(['up', '--dry-run'], { env, cwd: dir })).stderr).toMatch(FINDING);
  });

  it('nothing pending: no lint, no warning', async () => {
    const { dir, env } = await setup();
    await runCli(['--no-dump-schema', 'up'], { env, cwd: dir });
    const again = await runCli(['--no-dump-schema', 'up', '--lint-fail-on', 'warning'], { env, cwd: dir });
    expect(again).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});

describe('db-migrate lint: every section, offline', () => {
  it('a flag written after the files is named as such, not as a missing file (exit 2)', async () => {
    const p = await project({ 'db/migrations/1_a.sql': migration('create table a (id int);', 'drop table if exists a;') });
    cleanups.push(p.cleanup);
    const r = await runCli(['lint', 'db/migrations/1_a.sql', '--disable', 'rename'], { cwd: p.dir });
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'Error: lint: --disable comes after a file, where it is read as a file name, and no such file exists\n  hint: put the flags before the files: db-migrate-action lint --disable … FILES\n',
    });
    expect((await runCli(['lint', '--disable', 'rename', 'db/migrations/1_a.sql'], { cwd: p.dir })).code).toBe(0);
  });

  it('a down-section error fails lint (exit 1) though up would apply it; --lint-runner other adds lock-timeout', async () => {
    const p = await project({ 'db/migrations/1_a.sql': migration('alter table accounts add column note text;', 'create index accounts_note on accounts (note);') });
    cleanups.push(p.cleanup);
    const lint = await runCli(['lint'], { cwd: p.dir });
    expect(lint.code).toBe(1);
    expect(lint.stdout).toMatch(/^db\/migrations\/1_a\.sql:5:1: error require-concurrent-index: /m);
    const other = await runCli(['lint', '--lint-runner', 'other', '--pg-version', '16', '--json'], { cwd: p.dir });
    expect(JSON.parse(other.stdout).map((f: { rule: string }) => f.rule)).toContain('lock-timeout');
  });
});
