/**
 * Locks on a real PostgreSQL: lock_timeout with retries (and the readers it protects), and the
 * advisory lock that keeps two runs from applying the same migration.
 */
import { describe, it, expect, afterEach } from '@jest/globals';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { usePostgres, query, tables, waitFor, openClient } from './helpers/pg.js';
import { runCli, startCli, project, migration, type CliRun } from './helpers/cli.js';
import { lockKey } from '../src/engine/lock.js';

const server = usePostgres();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const DIR = 'db/migrations';

async function setup(files: Record<string, string>) {
  const url = await server().createDatabase();
  const p = await project(Object.fromEntries(Object.entries(files).map(([name, body]) => [`${DIR}/${name}`, body])));
  cleanups.push(p.cleanup);
  const env = { DATABASE_URL: url };
  return {
    url,
    run: (args: string[]): Promise<CliRun> => runCli(['--no-dump-schema', ...args], { env, cwd: p.dir }),
    /** The in-process CLI with its output observable while it runs. */
    start: (args: string[]) => {
      const { out, done } = startCli(['--no-dump-schema', ...args], { env, cwd: p.dir });
      return { out, done: done.then((r) => r.code) };
    },
  };
}

/** A client of our own, closed after the test. */
const client = (url: string, applicationName: string): Promise<pg.Client> => openClient(url, applicationName, cleanups);

/** Backends waiting for a heavyweight lock while running SQL that contains `marker`. */
async function waitingBackends(url: string, marker: string): Promise<number[]> {
  const rows = await query<{ pid: number }>(
    url,
    "select pid from pg_stat_activity where pid <> pg_backend_pid() and wait_event_type = 'Lock' and position($1 in query) > 0",
    [marker],
  );
  return rows.map((r) => r.pid);
}

/** Time a query on its own connection. */
async function timed(url: string, sql: string): Promise<number> {
  const c = await client(url, 'reader');
  const t0 = Date.now();
  await c.query(sql);
  return Date.now() - t0;
}

const LOCK_TIMEOUT_MS = 200;
const ALTER = 'alter table t add column added int';

describe('lock_timeout with retries', () => {
  async function lockedTable(alterOptions: { upOptions?: string } = {}) {
    const s = await setup({
      '20240101000000_t.sql': migration('create table t (id int);\ninsert into t values (1), (2);', 'drop table t;'),
      '20240102000000_alter.sql': migration(`${ALTER};`, 'alter table t drop column added;', alterOptions),
    });
    expect((await s.run(['up', '--steps', '1'])).code).toBe(0);
    // A long read transaction: its ACCESS SHARE lock conflicts with the ALTER's ACCESS EXCLUSIVE.
    const blocker = await client(s.url, 'long-reader');
    await blocker.query('begin; lock table t in access share mode');
    return { s, blocker };
  }

  it('gives up after every lock_timeout, retries, and fails with 55P03 when the lock never comes; readers never wait longer than lock_timeout', async () => {
    const { s, blocker } = await lockedTable();
    const [{ pid, me }] = (await blocker.query<{ pid: number; me: string }>('select pg_backend_pid() as pid, current_user as me')).rows;

    const run = s.start(['--lock-timeout', `${LOCK_TIMEOUT_MS}ms`, '--lock-retries', '2', '--json', 'up']);
    // While our ALTER waits in the lock queue, a plain reader queues behind it: it must be let
    // through when our lock_timeout fires, not when the blocker ends.
    // Measure one reader per attempt we catch waiting (at least one must be caught).
    const latencies: number[] = [];
    let finished = false;
    void run.done.finally(() => (finished = true));
    let measuredAttempt = 0;
    await waitFor(
      async () => {
        const attempt = (run.out.stderr.match(/reached waiting for a lock/g) ?? []).length + 1;
        if (attempt > measuredAttempt && (await waitingBackends(s.url, ALTER)).length > 0) {
          measuredAttempt = attempt;
          latencies.push(await timed(s.url, 'select * from t'));
        }
        return finished;
      },
      20_000,
      'the migration to give up',
    );
    const code = await run.done;

    expect(latencies.length).toBeGreaterThanOrEqual(1);
    for (const ms of latencies) expect(ms).toBeLessThan(LOCK_TIMEOUT_MS + 1000);
    expect(code).toBe(2);
    const file = `${DIR}/20240102000000_alter.sql`;
    // In --json mode progress goes to stderr too; stdout holds only the JSON document.
    // The pauses are jittered and the budget left is a measurement: those numbers are masked.
    const masked = run.out.stderr.replace(/ in \d+ ms with/g, ' in N ms with').replace(/\d+\.\d s/g, 'S s');
    expect(masked).toBe(
      'Applying: 20240102000000_alter.sql\n' +
        `Warning: ${file}: lock_timeout (50 ms) reached waiting for a lock on attempt 1; retry 1/2 in N ms with lock_timeout 100 ms, S s of the lock-retry budget left\n` +
        `Warning: ${file}: lock_timeout (100 ms) reached waiting for a lock on attempt 2; retry 2/2 in N ms with lock_timeout 200 ms, S s of the lock-retry budget left\n` +
        `Error: ${file}:2:1: applying version 20240102000000 failed: canceling statement due to lock timeout (SQLSTATE 55P03)\n` +
        `  statement: ${ALTER}\n` +
        '  nothing from this up section was applied (it ran in one transaction that was rolled back)\n' +
        '  hint: no attempt got the lock in 3 attempts (lock-retries 2: S s, lock_timeout up to 200 ms); ' +
        `the oldest open transaction holding a table lock in this database is pid ${pid} (idle in transaction, user ${me}, application long-reader): ` +
        `end it (select pg_terminate_backend(${pid})) or run when it is done; ` +
        "or raise --lock-retries to keep trying longer (each attempt stalls the table's queries for at most its lock_timeout)\n",
    );
    const json = JSON.parse(run.out.stdout) as { status: string; steps: { version: string; outcome: string; attempts: number; error?: { sqlstate: string } }[] };
    expect(json.status).toBe('failed');
    expect(json.steps).toEqual([expect.objectContaining({ version: '20240102000000', outcome: 'failed', attempts: 3, error: expect.objectContaining({ sqlstate: '55P03' }) })]);

    expect(await query(s.url, "select column_name from information_schema.columns where table_name = 't' order by ordinal_position")).toEqual([{ column_name: 'id' }]);
    expect((await query<{ version: string }>(s.url, 'select version from schema_migrations')).map((r) => r.version)).toEqual(['20240101000000']);
    expect(await query(s.url, "select outcome, sqlstate from schema_migrations_history where version = '20240102000000'")).toEqual([{ outcome: 'failed', sqlstate: '55P03' }]);
  });

  it('succeeds on a retry once the blocker lets go', async () => {
    const { s, blocker } = await lockedTable();

    const run = s.start(['--lock-timeout', `${LOCK_TIMEOUT_MS}ms`, '--lock-retries', '2', '--json', 'up']);
    await waitFor(() => run.out.stderr.includes('retry 1/2'), 10_000, 'the first retry warning');
    await blocker.query('commit');
    const code = await run.done;

    expect(code).toBe(0);
    const json = JSON.parse(run.out.stdout) as { status: string; steps: { version: string; outcome: string; attempts: number }[] };
    expect(json.status).toBe('success');
    expect(json.steps).toEqual([expect.objectContaining({ version: '20240102000000', outcome: 'applied' })]);
    expect(json.steps[0].attempts).toBeGreaterThan(1);
    expect(run.out.stderr).toMatch(
      /^Warning: db\/migrations\/20240102000000_alter\.sql: lock_timeout \(50 ms\) reached waiting for a lock on attempt 1; retry 1\/2 in \d+ ms with lock_timeout 100 ms, \d+\.\d s of the lock-retry budget left\n/m,
    );
    expect(run.out.stderr).not.toMatch(/Error/);
    expect(await query(s.url, "select column_name from information_schema.columns where table_name = 't' order by ordinal_position")).toEqual([
      { column_name: 'id' },
      { column_name: 'added' },
    ]);
    expect(await query(s.url, 'select version, outcome from schema_migrations_history order by id')).toEqual([
      { version: '20240101000000', outcome: 'applied' },
      { version: '20240102000000', outcome: 'applied' },
    ]);
  });

  it('retries a transaction:false statement the same way', async () => {
    const { s, blocker } = await lockedTable({ upOptions: 'transaction:false' });

    const run = s.start(['--lock-timeout', `${LOCK_TIMEOUT_MS}ms`, '--lock-retries', '2', '--json', 'up']);
    await waitFor(() => run.out.stderr.includes('retry 1/2'), 10_000, 'the first retry warning');
    await blocker.query('commit');

    expect(await run.done).toBe(0);
    const json = JSON.parse(run.out.stdout) as { steps: { outcome: string; transaction: boolean; attempts: number }[] };
    expect(json.steps).toEqual([expect.objectContaining({ outcome: 'applied', transaction: false })]);
    expect(json.steps[0].attempts).toBeGreaterThan(1);
    expect((await query<{ version: string }>(s.url, 'select version from schema_migrations order by 1')).map((r) => r.version)).toEqual(['20240101000000', '20240102000000']);
  });
});

describe('advisory lock', () => {
  const twenty = Object.fromEntries(
    Array.from({ length: 20 }, (_, i) => {
      const v = `202401010000${String(i).padStart(2, '0')}`;
      return [`${v}_m${i}.sql`, migration(`create table m${i} (id int);\ninsert into m${i} values (${i});`, `drop table m${i};`)];
    }),
  );

  it('lets two concurrent runs apply each of 20 migrations exactly once: the second waits for the first', async () => {
    // The first migration waits at a gate we hold, so run A is provably inside its run, holding the
    // migration lock, when run B starts.
    const GATE = 4242;
    const gated = migration(`select pg_advisory_xact_lock(${GATE});\ncreate table m0 (id int);\ninsert into m0 values (0);`, 'drop table m0;');
    const s = await setup({ ...twenty, '20240101000000_m0.sql': gated });
    const gate = await client(s.url, 'gate');
    await gate.query('select pg_advisory_lock($1)', [GATE]);

    const a = s.start(['--lock-timeout', '30s', 'up']);
    let aPid: number | undefined;
    await waitFor(
      async () => {
        [aPid] = await waitingBackends(s.url, `pg_advisory_xact_lock(${GATE})`);
        return aPid !== undefined;
      },
      10_000,
      'run A blocked at the gate in its first migration',
    );
    const key = lockKey('public.schema_migrations').toString();
    const holders = await query<{ pid: number }>(
      s.url,
      `select pid from pg_locks where locktype = 'advisory' and granted and objsubid = 1
          and classid = (($1::bigint >> 32) & x'ffffffff'::bigint)::bigint::oid and objid = ($1::bigint & x'ffffffff'::bigint)::oid`,
      [key],
    );
    expect(holders).toEqual([{ pid: aPid }]);

    const b = s.start(['up']);
    await waitFor(
      () => b.out.stderr.includes(`Waiting for another migration run to finish (advisory lock held by backend pid ${aPid}`),
      10_000,
      'run B waiting for the migration lock run A holds',
    );
    expect(a.out.stdout).toBe('Applying: 20240101000000_m0.sql\n');
    await gate.query('select pg_advisory_unlock($1)', [GATE]);

    expect([await a.done, await b.done]).toEqual([0, 0]);
    const appliedLines = (out: string) => out.split('\n').filter((l) => l.startsWith('Applied: ')).length;
    expect([appliedLines(a.out.stdout), appliedLines(b.out.stdout)]).toEqual([20, 0]);
    expect(b.out.stdout).not.toContain('Applying: ');
    for (const r of [a.out, b.out]) expect(r.stderr).not.toMatch(/Error/);
    expect(await query(s.url, 'select count(*)::int as n from schema_migrations')).toEqual([{ n: 20 }]);
    expect(await query(s.url, "select count(*)::int as n, count(distinct version)::int as versions from schema_migrations_history where outcome = 'applied'")).toEqual([
      { n: 20, versions: 20 },
    ]);
    expect(await query(s.url, "select count(*)::int as n from schema_migrations_history where outcome <> 'applied'")).toEqual([{ n: 0 }]);
    expect((await tables(s.url)).filter((t) => /^m\d+$/.test(t))).toHaveLength(20);
  });

  it('fails after --lock-wait-timeout when another session holds the lock, naming the holder', async () => {
    const s = await setup(twenty);
    // The key, derived independently of lock.ts: sha256("db-migrate:<quoted ledger>"), first 8 bytes, signed big-endian.
    const key = createHash('sha256').update('db-migrate:public.schema_migrations').digest().readBigInt64BE(0);
    expect(key).toBe(lockKey('public.schema_migrations'));
    const holder = await client(s.url, 'deploy-in-progress');
    await holder.query('select pg_advisory_lock($1::bigint)', [key.toString()]);
    const { rows } = await holder.query<{ pid: number }>('select pg_backend_pid() as pid');

    const t0 = Date.now();
    const r = await s.run(['--lock-wait-timeout', '300ms', 'up']);
    const elapsed = Date.now() - t0;

    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `Warning: Waiting for another migration run to finish (advisory lock held by backend pid ${rows[0].pid} (deploy-in-progress)); giving up after 300 ms\n` +
        `Error: another migration run holds the migration lock (backend pid ${rows[0].pid} (deploy-in-progress)); waited 300 ms\n` +
        '  hint: wait for the other run to finish, or raise --lock-wait-timeout / lock-wait-timeout\n',
    );
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(3000);
    expect(await tables(s.url)).toEqual([]);

    // Once the holder lets go, the same command goes through.
    await holder.query('select pg_advisory_unlock($1::bigint)', [key.toString()]);
    const again = await s.run(['--lock-wait-timeout', '300ms', 'up']);
    expect(again.code).toBe(0);
    expect(await query(s.url, 'select count(*)::int as n from schema_migrations')).toEqual([{ n: 20 }]);
  });
});
