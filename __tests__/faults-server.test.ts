/**
 * Faults on the server side (issue 13: a run never lies, never hangs, never half-runs), against
 * the bundled CLI (`node dist/cli/index.js up`) as a child process on a real PostgreSQL of this
 * file's own: a terminated backend, a server restart, ten concurrent runs, and a network cut that
 * leaves the run's backend alive. After every fault the invariants of helpers/invariants.ts are
 * checked once no backend of the run remains.
 */
import { describe, it, expect, afterEach, afterAll, beforeAll } from '@jest/globals';
import pg from 'pg';
import { usePostgres, query, waitFor } from './helpers/pg.js';
import { faultSetup, MIGRATIONS, TABLES, withParam } from './helpers/faults.js';
import { startCli, exited, markFault, killLeftovers, type Running } from './helpers/processes.js';
import { ledger, history, lockHolders, backendsOf, backendsGone, ledgerMatchesSchema, type HistoryRow } from './helpers/invariants.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';

const server = usePostgres({ embedded: true });
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await killLeftovers();
  while (cleanups.length) await cleanups.pop()!();
});

/**
 * A fresh database and project. `url` is the checker's (admin) URL of the database; `runUrl` the
 * same database with an application_name of this test's own, so its backends can be found.
 */
async function setup(files: Record<string, string> = MIGRATIONS) {
  const { url, app, runUrl, dir, cleanup } = await faultSetup(() => server().createDatabase(), files, 'fault');
  cleanups.push(cleanup);
  /** `db-migrate [global options] up`, global options first as dbmate wants them. */
  const up = (u: string = runUrl, extra: string[] = []): Running =>
    startCli(['--url', u, '--migrations-dir', 'db/migrations', '--no-dump-schema', ...extra, 'up'], { cwd: dir });
  /** A run whose second migration sleeps `seconds`. */
  const slowUp = (seconds: number, u: string = runUrl, extra: string[] = []) => up(withParam(u, 'fault.sleep_s', String(seconds)), extra);
  return { url, app, runUrl, dir, up, slowUp };
}

/** The run's backend while it sits in `pg_sleep`. */
async function sleepingBackend(url: string, app: string, run: Running): Promise<number> {
  let pid: number | undefined;
  await waitFor(
    async () => {
      if (run.child.exitCode !== null) throw new Error(`the run exited before reaching pg_sleep:\n${run.stdout}\n${run.stderr}`);
      pid = (await backendsOf(url, { applicationName: app, query: 'pg_sleep' }))[0]?.pid;
      return pid !== undefined;
    },
    15_000,
    'the run to be inside pg_sleep',
  );
  return pid!;
}

const rowsOf = (rows: HistoryRow[] | undefined, version: string) => (rows ?? []).filter((r) => r.version === version);

/** What holds after any fault, once the run has exited and none of its backends remains. */
async function expectConsistentAfterFault(url: string, app: string): Promise<void> {
  await backendsGone(url, app);
  expect(await ledgerMatchesSchema(url, TABLES)).toEqual([]);
  expect(await lockHolders(url)).toEqual([]);
}

/** A second `up` finishes the job: exit 0, every migration applied, each with one `applied` row. */
async function expectRerunConverges(s: Awaited<ReturnType<typeof setup>>): Promise<void> {
  const rerun = await exited(s.up(), 20_000);
  expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
  expect(await ledger(s.url)).toEqual(['1', '2', '3']);
  expect(await ledgerMatchesSchema(s.url, TABLES)).toEqual([]);
  const rows = await history(s.url);
  for (const v of ['1', '2', '3']) expect(rowsOf(rows, v).filter((r) => r.outcome === 'applied')).toHaveLength(1);
  expect(await lockHolders(s.url)).toEqual([]);
}

describe('faults on the server side (bundled CLI, real PostgreSQL)', () => {
  it('pg_terminate_backend during a transactional migration: exit 2 promptly, nothing of it applied, a failed row, no lock; a rerun converges', async () => {
    const s = await setup();
    const run = s.slowUp(5);
    const pid = await sleepingBackend(s.url, s.app, run);
    await query(s.url, 'select pg_terminate_backend($1)', [pid]);
    markFault(run);
    const exit = await exited(run, 10_000);
    expect(exit.code).toBe(2);
    expect(exit.msFromSignal).toBeLessThan(3_000);
    expect(exit.stderr).toMatch(/db\/migrations\/2_slow\.sql.*connection to the database was lost: terminating connection due to administrator command/);
    await expectConsistentAfterFault(s.url, s.app);
    expect(await ledger(s.url)).toEqual(['1']);
    const rows = await history(s.url);
    expect(rowsOf(rows, '1').map((r) => r.outcome)).toEqual(['applied']);
    // The lost step's row is written through a fresh connection (engine/outcome.ts).
    expect(rowsOf(rows, '2').map((r) => r.outcome)).toEqual(['failed']);
    expect(rowsOf(rows, '2')[0].error).toMatch(/connection to the database was lost/);
    expect(rowsOf(rows, '2')[0].invocation_id).toBe(rowsOf(rows, '1')[0].invocation_id);
    expect(rowsOf(rows, '3')).toEqual([]);
    await expectRerunConverges(s);
  });

  it('a server restart during a transactional migration: the run exits within a deadline and tells the truth; a rerun converges', async () => {
    const s = await setup();
    const run = s.slowUp(5);
    await sleepingBackend(s.url, s.app, run);
    markFault(run);
    // A fast shutdown (every session terminated) and a start of the same cluster on the same port.
    await server().restart();
    const exit = await exited(run, 15_000);
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/db\/migrations\/2_slow\.sql.*connection to the database was lost/);
    await expectConsistentAfterFault(s.url, s.app);
    expect(await ledger(s.url)).toEqual(['1']);
    const failed = rowsOf(await history(s.url), '2');
    // The run keeps looking through fresh connections while the server restarts (seconds), so
    // the attempt gets its row; the run says it does not know only if the server stays away.
    expect(failed.map((r) => r.outcome)).toEqual(['failed']);
    expect(exit.stderr).not.toMatch(/unknown/);
    await expectRerunConverges(s);
  });

  it('10 concurrent runs of the same 3 migrations: each exits 0 (or with the lock-timeout error), each version applied exactly once, no lock left', async () => {
    const s = await setup();
    // The second migration takes a moment, so the others are sure to find the lock taken.
    const runs = Array.from({ length: 10 }, () => s.slowUp(0.2, s.runUrl, ['--lock-wait-timeout', '30s']));
    const exits = await Promise.all(runs.map((r) => exited(r, 40_000)));
    for (const e of exits) {
      if (e.code === 0) expect(e.stderr).not.toMatch(/Error/);
      else expect({ code: e.code, stderr: e.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/another migration run holds the migration lock/) });
    }
    expect(exits.filter((e) => e.code === 0).length).toBeGreaterThanOrEqual(1);
    await backendsGone(s.url, s.app);
    expect(await ledger(s.url)).toEqual(['1', '2', '3']);
    expect(await ledgerMatchesSchema(s.url, TABLES)).toEqual([]);
    const rows = (await history(s.url))!;
    for (const v of ['1', '2', '3']) expect(rowsOf(rows, v).map((r) => `${r.direction} ${r.outcome}`)).toEqual(['up applied']);
    expect(await lockHolders(s.url)).toEqual([]);
  });

  describe('through the fault proxy', () => {
    let proxy: FaultProxy;
    beforeAll(async () => {
      proxy = await startFaultProxy(server().port);
    });
    afterAll(() => proxy.close());
    afterEach(() => proxy.heal());

    it('the proxy itself: cut fails a query with a lost connection, blackhole leaves it unanswered with the socket open, heal serves new connections', async () => {
      const direct = await server().createDatabase();
      const url = proxy.url(direct);
      const client = async () => {
        const c = new pg.Client({ connectionString: url });
        c.on('error', () => undefined);
        await c.connect();
        cleanups.push(() => c.end().catch(() => undefined));
        return c;
      };
      const before = proxy.accepted;
      const a = await client();
      expect((await a.query('select 1 as x')).rows).toEqual([{ x: 1 }]);
      expect([proxy.accepted - before, proxy.open]).toEqual([1, 1]);
      const pending = a.query('select pg_sleep(5)');
      proxy.cut();
      await expect(pending).rejects.toThrow(/Connection terminated unexpectedly|ECONNRESET/);
      await waitFor(() => proxy.open === 0, 5_000, 'the cut connection to close');

      const b = await client();
      const bPid = (await b.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
      proxy.blackhole();
      const droppedBefore = proxy.dropped;
      let answered = false;
      const stuck = b.query("select 'never seen' as x").then(
        () => (answered = true),
        () => (answered = true),
      );
      // Swallowed by the proxy, so the server never saw it, and the socket stays open.
      await waitFor(() => proxy.dropped > droppedBefore, 5_000, 'the query to be swallowed');
      const [seen] = await query<{ state: string; query: string }>(direct, 'select state, query from pg_stat_activity where pid = $1', [bPid]);
      expect(seen).toMatchObject({ state: 'idle', query: 'select pg_backend_pid() as pid' });
      expect([answered, proxy.open]).toEqual([false, 1]);
      // A connection accepted during the blackhole is held open and never forwarded.
      const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 300 });
      c.on('error', () => undefined);
      await expect(c.connect()).rejects.toThrow(/timeout/i);
      proxy.heal();
      const d = await client();
      expect((await d.query('select 2 as x')).rows).toEqual([{ x: 2 }]);
      proxy.cut();
      await stuck;

      proxy.delay(150);
      const e = await client();
      const t1 = Date.now();
      await e.query('select 1');
      expect(Date.now() - t1).toBeGreaterThanOrEqual(280); // one chunk each way
    });

    // The cut leaves the run's backend alive inside pg_sleep: unless the run ends it (by pid, and
    // waits) before reading the ledger, it would report `failed` and the orphan commit moments later.
    it('a cut network during a transactional migration: once the orphaned backend is gone, ledger, history and the run\'s own report agree', async () => {
      const s = await setup();
      const run = s.slowUp(3, proxy.url(s.runUrl), ['--json']);
      await sleepingBackend(s.url, s.app, run);
      expect(proxy.cut()).toBeGreaterThanOrEqual(1);
      markFault(run);
      const exit = await exited(run, 15_000);
      expect(exit.code).toBe(2);
      // Whatever the run left running must end by itself; only then is the outcome final.
      await backendsGone(s.url, s.app, 15_000);
      expect(await ledgerMatchesSchema(s.url, TABLES)).toEqual([]);
      expect(await lockHolders(s.url)).toEqual([]);
      const committed = (await ledger(s.url)).includes('2');
      if (committed) expect(exit.stderr).not.toMatch(/nothing from this up section was applied/);
      // One row per attempt, and it says what the ledger says.
      expect(rowsOf(await history(s.url), '2').map((r) => r.outcome)).toEqual([committed ? 'applied' : 'failed']);
      // The run's final words: its JSON document must not call a committed migration failed.
      const report = JSON.parse(exit.stdout) as { steps: { version: string; outcome: string }[]; currentVersion: string | null };
      expect({ step2: report.steps.find((x) => x.version === '2')?.outcome, currentVersion: report.currentVersion }).toEqual({
        step2: committed ? 'applied' : 'failed',
        currentVersion: committed ? '2' : '1',
      });
    });
  });
});
