/**
 * Busy tables and timeouts on a real PostgreSQL (issue 14): the escalating lock schedule keeps a
 * concurrent reader's stalls short and still lands the migration when the blocker ends; the
 * budget ends a hopeless wait with the session that blocked it; `lock-timeout: 0` waits as dbmate
 * does; statement_timeout is the role's unless one is given, and a role's lock_timeout caps the
 * schedule unless lock-timeout is.
 */
import { describe, it, expect, afterEach } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { usePostgres, query, waitFor, openClient } from './helpers/pg.js';
import { runCli, startCli, project, migration, type CliRun } from './helpers/cli.js';

const server = usePostgres();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const DIR = 'db/migrations';
const ALTER = 'alter table t add column added int';
const FILE = `${DIR}/20240102000000_alter.sql`;

/**
 * A database owned by a role of its own (so `alter role … set` applies to every session of the
 * run), with migration files; `run` runs the CLI to completion, `start` in the background.
 */
async function setup(files: Record<string, string>, roleSettings: string[] = []) {
  const admin = server();
  const role = `r_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(8).toString('hex');
  await query(admin.adminUrl, `create role ${role} login password '${password}'`);
  for (const setting of roleSettings) await query(admin.adminUrl, `alter role ${role} set ${setting}`);
  const adminDbUrl = await admin.createDatabase();
  const db = new URL(adminDbUrl).pathname.slice(1);
  await query(admin.adminUrl, `alter database ${db} owner to ${role}`);
  const u = new URL(adminDbUrl);
  u.username = role;
  u.password = password;
  const url = u.toString();
  const p = await project(Object.fromEntries(Object.entries(files).map(([name, body]) => [`${DIR}/${name}`, body])));
  cleanups.push(async () => {
    await p.cleanup();
    await admin.dropDatabase(db).catch(() => undefined);
    await query(admin.adminUrl, `drop role if exists ${role}`).catch(() => undefined);
  });
  const env = { DATABASE_URL: url };
  return {
    url,
    role,
    run: (args: string[]): Promise<CliRun> => runCli(['--no-dump-schema', ...args], { env, cwd: p.dir }),
    start: (args: string[], signal?: AbortSignal) => startCli(['--no-dump-schema', ...args], { env, cwd: p.dir, ...(signal ? { signal } : {}) }),
  };
}

/** A client of our own, closed after the test. */
const client = (url: string, applicationName: string): Promise<pg.Client> => openClient(url, applicationName, cleanups);

const ledger = async (url: string) => (await query<{ version: string }>(url, 'select version from schema_migrations order by 1')).map((r) => r.version);
const columns = async (url: string) =>
  (await query<{ c: string }>(url, "select column_name as c from information_schema.columns where table_name = 't' order by ordinal_position")).map((r) => r.c);

/** Table `t` applied, then a long transaction holding ACCESS SHARE on it (which conflicts with the ALTER's ACCESS EXCLUSIVE). */
async function lockedTable(roleSettings: string[] = [], upOptions?: string) {
  const s = await setup(
    {
      '20240101000000_t.sql': migration('create table t (id int);\ninsert into t values (1), (2);', 'drop table t;'),
      '20240102000000_alter.sql': migration(`${ALTER};`, 'alter table t drop column added;', upOptions ? { upOptions } : {}),
    },
    roleSettings,
  );
  expect((await s.run(['up', '--steps', '1'])).code).toBe(0);
  const blocker = await client(s.url, 'long-reader');
  await blocker.query('begin; lock table t in access share mode');
  const [{ pid }] = (await blocker.query<{ pid: number }>('select pg_backend_pid() as pid')).rows;
  return { s, blocker, blockerPid: pid };
}

/**
 * A reader on its own connection that selects from `t` in a loop until stopped, and the
 * longest time one of its queries took (ms): how long the application stalled at worst.
 */
async function reader(url: string) {
  const c = await client(url, 'app-reader');
  let stop = false;
  let longest = 0;
  let count = 0;
  const loop = (async () => {
    while (!stop) {
      const t0 = performance.now();
      await c.query('select count(*) from t');
      longest = Math.max(longest, performance.now() - t0);
      count++;
    }
  })();
  return {
    stop: async () => {
      stop = true;
      await loop;
      return { longest, count };
    },
  };
}

/** Retry warnings with their jittered pause and the budget left replaced, so the rest can be compared exactly. */
function normalised(stderr: string): string {
  return stderr
    .replace(/ in \d+ ms with/g, ' in N ms with')
    .replace(/\d+\.\d s of the lock-retry budget left/g, 'S s of the lock-retry budget left')
    .replace(/ \d+ attempts in \d+\.\d s/g, ' K attempts in S s');
}

describe('busy tables: the lock schedule at defaults', () => {
  it('lands the migration once the blocker commits, and a concurrent reader never stalls 0.5 s', async () => {
    const { s, blocker } = await lockedTable();
    const r = await reader(s.url);

    const run = s.start(['--json', 'up']);
    // Let the schedule reach its cap (attempt 5 waits 400 ms) before the blocker lets go.
    await waitFor(() => run.out.stderr.includes('retry 4/30'), 15_000, 'the fourth retry');
    await blocker.query('commit');
    const { code } = await run.done;
    const { longest, count } = await r.stop();

    expect(code).toBe(0);
    expect(count).toBeGreaterThan(5);
    expect(longest).toBeLessThan(500);
    const warnings = run.out.stderr.split('\n').filter((l) => l.startsWith('Warning: '));
    expect(warnings.slice(0, 4).map((l) => l.replace(/ in \d+ ms with/, ' in N ms with').replace(/\d+\.\d s of/, 'S s of'))).toEqual([
      `Warning: ${FILE}: lock_timeout (50 ms) reached waiting for a lock on attempt 1; retry 1/30 in N ms with lock_timeout 100 ms, S s of the lock-retry budget left`,
      `Warning: ${FILE}: lock_timeout (100 ms) reached waiting for a lock on attempt 2; retry 2/30 in N ms with lock_timeout 200 ms, S s of the lock-retry budget left`,
      `Warning: ${FILE}: lock_timeout (200 ms) reached waiting for a lock on attempt 3; retry 3/30 in N ms with lock_timeout 400 ms, S s of the lock-retry budget left`,
      `Warning: ${FILE}: lock_timeout (400 ms) reached waiting for a lock on attempt 4; retry 4/30 in N ms with lock_timeout 400 ms, S s of the lock-retry budget left`,
    ]);
    // Pauses grow and stay within half and all of 100, 200, 400, 800 ms.
    const pauses = warnings.map((l) => Number(/ in (\d+) ms with/.exec(l)![1]));
    [100, 200, 400, 800].forEach((nominal, i) => {
      expect(pauses[i]).toBeGreaterThanOrEqual(nominal / 2);
      expect(pauses[i]).toBeLessThanOrEqual(nominal);
    });
    const json = JSON.parse(run.out.stdout) as { status: string; steps: { attempts: number }[] };
    expect(json.status).toBe('success');
    expect(json.steps[0].attempts).toBeGreaterThanOrEqual(5);
    expect(await columns(s.url)).toEqual(['id', 'added']);
    expect(await ledger(s.url)).toEqual(['20240101000000', '20240102000000']);
  });

  it('gives up when the budget is spent, names the session holding the lock, and applies nothing', async () => {
    const { s, blockerPid } = await lockedTable();

    const run = s.start(['--lock-retry-budget', '1s', 'up']);
    const { code, ms } = await run.done;

    expect(code).toBe(2);
    expect(ms).toBeLessThan(3000);
    const lines = normalised(run.out.stderr).split('\n');
    const warnings = lines.filter((l) => l.startsWith('Warning: '));
    // Whether a shortened fourth attempt still fits depends on the jitter: three or four attempts.
    expect(warnings.slice(0, 2)).toEqual([
      `Warning: ${FILE}: lock_timeout (50 ms) reached waiting for a lock on attempt 1; retry 1/30 in N ms with lock_timeout 100 ms, S s of the lock-retry budget left`,
      `Warning: ${FILE}: lock_timeout (100 ms) reached waiting for a lock on attempt 2; retry 2/30 in N ms with lock_timeout 200 ms, S s of the lock-retry budget left`,
    ]);
    expect(warnings.slice(2)).toEqual(
      warnings.length === 2 ? [] : [expect.stringMatching(new RegExp(`^Warning: ${FILE}: lock_timeout \\(200 ms\\) reached waiting for a lock on attempt 3; retry 3/30 in N ms with lock_timeout ([5-9]\\d|[1-3]\\d\\d|400) ms, S s of the lock-retry budget left$`))],
    );
    expect(lines.filter((l) => !l.startsWith('Warning: ')).join('\n')).toBe(
      `Error: ${FILE}:2:1: applying version 20240102000000 failed: canceling statement due to lock timeout (SQLSTATE 55P03)\n` +
        `  statement: ${ALTER}\n` +
        '  nothing from this up section was applied (it ran in one transaction that was rolled back)\n' +
        '  hint: no attempt got the lock within the lock-retry budget (1.0 s: K attempts in S s, lock_timeout up to 400 ms); ' +
        `the oldest open transaction holding a table lock in this database is pid ${blockerPid} (idle in transaction, user ${s.role}, application long-reader): ` +
        `end it (select pg_terminate_backend(${blockerPid})) or run when it is done; ` +
        "or raise --lock-retry-budget to keep trying longer (each attempt stalls the table's queries for at most its lock_timeout)\n",
    );
    expect(await columns(s.url)).toEqual(['id']);
    expect(await ledger(s.url)).toEqual(['20240101000000']);
    expect(await query(s.url, "select outcome, sqlstate from schema_migrations_history where version = '20240102000000'")).toEqual([{ outcome: 'failed', sqlstate: '55P03' }]);
  });

  it('a run cancelled while it waits to retry says it was cancelled, records that, and applies nothing', async () => {
    const { s } = await lockedTable();
    const cancel = new AbortController();
    const { out, done } = s.start(['up'], cancel.signal);
    await waitFor(() => out.stderr.includes('retry 2/30'), 15_000, 'the second retry');
    cancel.abort('SIGINT');
    const { code } = await done;

    // 130 is the bin's (src/cli/index.ts) for a cancelled run; main itself reports the failure.
    expect(code).toBe(2);
    const error = out.stderr.split('\n').filter((l) => !l.startsWith('Warning: '));
    expect(error[0]).toBe(`Error: ${FILE}:2:1: applying version 20240102000000 was cancelled by SIGINT: canceling statement due to lock timeout (SQLSTATE 55P03)`);
    expect(out.stderr).toContain('hint: its transaction was rolled back, so nothing of this migration was applied; run again to continue');
    expect(await columns(s.url)).toEqual(['id']);
    expect(await ledger(s.url)).toEqual(['20240101000000']);
    expect(await query(s.url, "select outcome, sqlstate from schema_migrations_history where version = '20240102000000'")).toEqual([{ outcome: 'cancelled', sqlstate: '55P03' }]);
  });

  it('with lock-timeout 0 makes one attempt that waits as long as the blocker holds on, as dbmate', async () => {
    const { s, blocker } = await lockedTable();

    const run = s.start(['--lock-timeout', '0', '--json', 'up']);
    // Waiting for the lock well past every attempt of the default schedule.
    await waitFor(
      async () =>
        (
          await query(
            s.url,
            "select 1 from pg_stat_activity where wait_event_type = 'Lock' and position($1 in query) > 0 and now() - query_start > interval '1.5 s'",
            [ALTER],
          )
        ).length > 0,
      10_000,
      'the ALTER waiting for 1.5 s',
    );
    await blocker.query('commit');
    const { code } = await run.done;

    expect(code).toBe(0);
    expect(run.out.stderr).toMatch(/^Applying: 20240102000000_alter\.sql\nApplied: 20240102000000_alter\.sql in \S+\n$/);
    expect((JSON.parse(run.out.stdout) as { steps: { attempts: number }[] }).steps[0].attempts).toBe(1);
    expect(await columns(s.url)).toEqual(['id', 'added']);
  });

  it("keeps a role's shorter lock_timeout unless lock-timeout is given", async () => {
    const { s } = await lockedTable(["lock_timeout = '100ms'"]);

    const capped = await s.run(['--lock-retry-budget', '1s', 'up']);
    expect(capped.code).toBe(2);
    const timeouts = (text: string) => [...text.matchAll(/lock_timeout \((\d+) ms\) reached/g)].map((m) => Number(m[1]));
    expect(timeouts(capped.stderr).slice(0, 3)).toEqual([50, 100, 100]);
    expect(Math.max(...timeouts(capped.stderr))).toBe(100);
    expect(capped.stderr).toContain('lock_timeout up to 100 ms)');

    const chosen = await s.run(['--lock-timeout', '300ms', '--lock-retry-budget', '2s', 'up']);
    expect(chosen.code).toBe(2);
    expect(timeouts(chosen.stderr).slice(0, 3)).toEqual([50, 100, 200]);
    expect(Math.max(...timeouts(chosen.stderr))).toBeLessThanOrEqual(300);
    expect(chosen.stderr).toContain('lock_timeout up to 300 ms)');
    expect(await ledger(s.url)).toEqual(['20240101000000']);
  });

  it('gives each transaction:false statement its own budget, and lands it once the blocker commits', async () => {
    const { s, blocker } = await lockedTable([], 'transaction:false');

    const run = s.start(['--json', 'up']);
    await waitFor(() => run.out.stderr.includes('retry 2/30'), 10_000, 'the second retry');
    await blocker.query('commit');

    expect((await run.done).code).toBe(0);
    expect((JSON.parse(run.out.stdout) as { steps: { attempts: number; transaction: boolean }[] }).steps[0]).toMatchObject({ transaction: false });
    expect(await ledger(s.url)).toEqual(['20240101000000', '20240102000000']);
  });
});

describe("statement_timeout: the role's unless one is given", () => {
  const SLOW = migration('create table slow (id int);\nselect pg_sleep(2);', 'drop table slow;');

  it("a role's statement_timeout of 1s fails a 2 s migration at defaults; an explicit 5s or 0 lets it through", async () => {
    const s = await setup({ '20240101000000_slow.sql': SLOW }, ["statement_timeout = '1s'"]);

    const inherited = await s.run(['up']);
    expect(inherited.code).toBe(2);
    expect(inherited.stderr).toMatch(/^Error: db\/migrations\/20240101000000_slow\.sql(:\d+:\d+)?: applying version 20240101000000 failed: canceling statement due to statement timeout \(SQLSTATE 57014\)\n/);
    expect(await ledger(s.url)).toEqual([]);
    expect(await query(s.url, "select outcome, sqlstate from schema_migrations_history where version = '20240101000000'")).toEqual([{ outcome: 'failed', sqlstate: '57014' }]);

    expect((await s.run(['--statement-timeout', '5s', 'up'])).code).toBe(0);
    expect(await ledger(s.url)).toEqual(['20240101000000']);
    expect((await s.run(['rollback'])).code).toBe(0);
    expect((await s.run(['--statement-timeout', '0', 'up'])).code).toBe(0);
    expect(await ledger(s.url)).toEqual(['20240101000000']);
  });

  it("the RESET after a transaction:false section returns to the role's statement_timeout, not to none", async () => {
    const s = await setup(
      {
        // Changes the session's statement_timeout itself; the RESET after the section must undo it.
        '20240101000000_nontx.sql': migration("set statement_timeout = '3s';\nselect 1;", '', { upOptions: 'transaction:false' }),
        '20240102000000_seen.sql': migration("create table seen as select current_setting('statement_timeout') as statement_timeout, current_setting('lock_timeout') as lock_timeout;", 'drop table seen;'),
      },
      ["statement_timeout = '1s'"],
    );

    const r = await s.run(['up']);

    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    // The transactional migration after it ran under the role's 1s and its own first attempt's lock_timeout.
    expect(await query(s.url, 'select statement_timeout, lock_timeout from seen')).toEqual([{ statement_timeout: '1s', lock_timeout: '50ms' }]);
  });
});
