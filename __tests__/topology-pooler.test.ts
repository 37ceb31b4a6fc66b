/**
 * Poolers (issue 14): a real PgBouncer in front of a real PostgreSQL. Transaction mode is refused
 * before anything is locked or set (also for a lone client, and for five runs at once); session
 * mode works for the whole normal flow. And the guard's idle_session_timeout only ever lowers
 * the server's value.
 */
import { describe, it, expect, afterEach, afterAll, beforeAll } from '@jest/globals';
import { usePostgres, query, tables } from './helpers/pg.js';
import { runCli, project, migration, type CliRun } from './helpers/cli.js';
import { startPgBouncer, type PgBouncer } from './helpers/pgbouncer.js';
import { idleSessionTimeoutToSet } from '../src/engine/guard.js';

const server = usePostgres();
const bouncers: PgBouncer[] = [];
let transaction: PgBouncer;
let session: PgBouncer;
beforeAll(async () => {
  [transaction, session] = await Promise.all([startPgBouncer(server(), { mode: 'transaction' }), startPgBouncer(server(), { mode: 'session' })]);
  bouncers.push(transaction, session);
}, 30_000);
afterAll(async () => {
  await Promise.all(bouncers.map((b) => b.stop()));
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const FILES = {
  'db/migrations/20240101000000_one.sql': migration('create table one (id int);', 'drop table one;'),
  'db/migrations/20240102000000_two.sql': migration('create table two (id int);', 'drop table two;'),
};

/** A fresh database; `direct` is its URL on the server, `via(b)` the same through a pooler. */
async function setup(files: Record<string, string> = FILES) {
  const direct = await server().createDatabase();
  const db = decodeURIComponent(new URL(direct).pathname.slice(1));
  const p = await project(files);
  cleanups.push(p.cleanup);
  const run = (url: string, args: string[]): Promise<CliRun> => runCli(['--url', url, '--no-dump-schema', ...args], { cwd: p.dir });
  return { direct, db, via: (b: PgBouncer) => b.url(db), run };
}

const refusal = (port: number) =>
  `Error: 127.0.0.1:${port} is a connection pooler in transaction or statement mode (such as PgBouncer pool_mode = transaction, or the Supabase and Neon pooler URLs), ` +
  `and migrations need a session of their own: use the direct database URL or the pooler's session mode ` +
  `(Supabase: port 5432 of the pooler, not 6543; Neon: the host name without -pooler)\n`;

/** Advisory locks held anywhere on the server. */
async function advisoryLocks(): Promise<number> {
  const rows = await query<{ n: number }>(server().adminUrl, "select count(*)::int as n from pg_locks where locktype = 'advisory'");
  return rows[0].n;
}

describe('a pooler in transaction mode is refused before anything is locked or set', () => {
  it('up: one sentence with the fix, exit 2, nothing applied, no advisory lock left in the pool', async () => {
    const s = await setup();
    const up = await s.run(s.via(transaction), ['up']);
    expect(up.code).toBe(2);
    expect(up.stdout).toBe('');
    expect(up.stderr.split('\n')[0] + '\n').toBe(refusal(transaction.port));
    expect(up.stderr).toMatch(/^ {2}hint: found: a second connection was handed the session's server process \(pid \d+\); behind a transaction pooler/m);
    // Not even the ledger: nothing ran before the check.
    expect(await tables(s.direct)).toEqual([]);
    expect(await advisoryLocks()).toBe(0);
    // No session setting reached the pool's server processes either.
    const last = await query<{ query: string }>(s.direct, 'select query from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    expect(last.filter((r) => /^\s*set\b/i.test(r.query))).toEqual([]);
  });

  it('five concurrent runs all refuse and none applies anything', async () => {
    const s = await setup();
    const runs = await Promise.all(Array.from({ length: 5 }, () => s.run(s.via(transaction), ['up'])));
    for (const r of runs) {
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0] + '\n').toBe(refusal(transaction.port));
    }
    expect(await tables(s.direct)).toEqual([]);
    expect(await advisoryLocks()).toBe(0);
  });

  it('status and plan refuse too, after up on the direct URL', async () => {
    const s = await setup();
    expect((await s.run(s.direct, ['up'])).code).toBe(0);
    for (const cmd of [['status'], ['plan'], ['rollback']]) {
      const r = await s.run(s.via(transaction), cmd);
      expect({ cmd, code: r.code, stdout: r.stdout, first: r.stderr.split('\n')[0] + '\n' }).toEqual({ cmd, code: 2, stdout: '', first: refusal(transaction.port) });
    }
    // The refused rollback changed nothing.
    expect(await query(s.direct, 'select version from schema_migrations order by 1')).toEqual([{ version: '20240101000000' }, { version: '20240102000000' }]);
  });
});

describe('a pooler in session mode works like a direct connection', () => {
  it('up, status and rollback through it', async () => {
    const s = await setup();
    const url = s.via(session);
    const up = await s.run(url, ['up']);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(await tables(s.direct)).toEqual(['one', 'schema_migrations', 'schema_migrations_history', 'two']);

    const status = await s.run(url, ['status']);
    expect(status).toEqual({ code: 0, stdout: '[X] 20240101000000_one.sql\n[X] 20240102000000_two.sql\n\nApplied: 2\nPending: 0\n', stderr: '' });

    const down = await s.run(url, ['rollback']);
    expect(down.stderr).toBe('');
    expect(down.code).toBe(0);
    expect(await tables(s.direct)).toEqual(['one', 'schema_migrations', 'schema_migrations_history']);
    expect(await query(s.direct, 'select version from schema_migrations')).toEqual([{ version: '20240101000000' }]);
    expect(await advisoryLocks()).toBe(0);
  });

  it('two runs at once through a full pool (default_pool_size = 2): one applies, the other finds nothing to do', async () => {
    const s = await setup();
    const url = s.via(session);
    const runs = await Promise.all([s.run(url, ['up']), s.run(url, ['up'])]);
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    // Both server connections of the pool are owned by the two sessions: each check's second
    // connection waits for one in vain, and the run says what it could not check.
    const late =
      "Warning: the second connection that checks for a transaction pooler did not answer within 3000 ms (a pooler with no free server connection?); only the session's own server process id was compared\n";
    for (const r of runs) expect(r.stderr.startsWith(late)).toBe(true);
    const applying = runs.map((r) => (r.stdout.match(/^Applying: /gm) ?? []).length).sort();
    expect(applying).toEqual([0, 2]);
    expect(await query(s.direct, 'select count(*)::int as n from schema_migrations')).toEqual([{ n: 2 }]);
  });
});

describe('idle_session_timeout: only ever lowered', () => {
  it('the rule', () => {
    // Default liveness 20 s: ours is 40 s.
    expect(idleSessionTimeoutToSet(20_000, 0)).toBe(40_000);
    expect(idleSessionTimeoutToSet(20_000, 600_000)).toBe(40_000);
    expect(idleSessionTimeoutToSet(20_000, 5_000)).toBeUndefined();
    expect(idleSessionTimeoutToSet(20_000, 40_000)).toBeUndefined();
    expect(idleSessionTimeoutToSet(100, 0)).toBe(1000);
    // Liveness off, or a server without the setting (before PostgreSQL 14): never set.
    expect(idleSessionTimeoutToSet(0, 0)).toBeUndefined();
    expect(idleSessionTimeoutToSet(20_000, null)).toBeUndefined();
  });

  /** What the migration's own session saw: it records its idle_session_timeout in a table. */
  const SEEN = { 'db/migrations/20240101000000_seen.sql': migration("create table seen as select current_setting('idle_session_timeout') as v;", 'drop table seen;') };

  it.each([
    ['no server value', '40s', undefined],
    ['a longer server value (10min)', '40s', '10min'],
    ["a DBA's shorter value", '5s', '5s'],
  ])('%s: the run sees %s', async (_what, expected, dbValue) => {
    const s = await setup(SEEN);
    if (dbValue) await query(server().adminUrl, `alter database "${s.db}" set idle_session_timeout = '${dbValue}'`);
    const up = await s.run(s.direct, ['up']);
    expect(up.code).toBe(0);
    expect(await query(s.direct, 'select v from seen')).toEqual([{ v: expected }]);
  });

  it('set through a session-mode pooler as well (the session owns its server process)', async () => {
    const s = await setup(SEEN);
    const up = await s.run(s.via(session), ['up']);
    expect(up.code).toBe(0);
    expect(await query(s.direct, 'select v from seen')).toEqual([{ v: '40s' }]);
  });
});
