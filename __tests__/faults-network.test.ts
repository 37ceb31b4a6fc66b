/**
 * The network between the run and its database fails (issue 13): packets dropped with the sockets
 * left open (a dead network: no error ever reaches the client), a slow network, a cut inside a
 * `transaction:false` migration. Through our TCP fault proxy on 127.0.0.1, against the bundled CLI.
 * The run must notice within its liveness timeout, say what it knows (and that it does not know the
 * rest), exit, and leave nothing that keeps the lock: the server ends the stale session itself.
 */
import { describe, it, expect, afterEach, afterAll, beforeAll } from '@jest/globals';
import { usePostgres, tables, waitFor } from './helpers/pg.js';
import { migration } from './helpers/cli.js';
import { startCli, exited, markFault, killLeftovers, type Running } from './helpers/processes.js';
import { ledger, history, lockHolders, backendsOf, backendsGone, ledgerMatchesSchema } from './helpers/invariants.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { faultSetup, MIGRATIONS, SLEEP, TABLES, rowsOf, withParam } from './helpers/faults.js';

const server = usePostgres({ embedded: true });
let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await startFaultProxy(server().port);
});
afterAll(() => proxy.close());
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await killLeftovers();
  proxy.heal();
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(files: Record<string, string> = MIGRATIONS) {
  const { url, app, runUrl, dir, cleanup } = await faultSetup(() => server().createDatabase(), files, 'net');
  cleanups.push(cleanup);
  /** `up` through the proxy, the second migration sleeping `seconds`. */
  const slowUp = (seconds: number, extra: string[] = []): Running =>
    startCli(['--url', proxy.url(withParam(runUrl, 'fault.sleep_s', String(seconds))), '--migrations-dir', 'db/migrations', '--no-dump-schema', ...extra, 'up'], { cwd: dir });
  const upDirect = (): Running => startCli(['--url', runUrl, '--migrations-dir', 'db/migrations', '--no-dump-schema', 'up'], { cwd: dir });
  return { url, app, runUrl, dir, slowUp, upDirect };
}
type Setup = Awaited<ReturnType<typeof setup>>;

async function whenSleeping(s: Setup, run: Running): Promise<void> {
  await waitFor(
    async () => {
      if (run.child.exitCode !== null) throw new Error(`the run exited before reaching pg_sleep:\n${run.stdout}\n${run.stderr}`);
      return (await backendsOf(s.url, { applicationName: s.app, query: 'pg_sleep' })).length > 0;
    },
    15_000,
    'the run to be inside pg_sleep',
  );
}

async function expectRerunConverges(s: Setup): Promise<void> {
  const rerun = await exited(s.upDirect(), 20_000);
  expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
  expect(await ledger(s.url)).toEqual(['1', '2', '3']);
  const rows = await history(s.url);
  for (const v of ['1', '2', '3']) expect(rowsOf(rows, v).filter((r) => r === 'up applied')).toHaveLength(1);
  expect(await lockHolders(s.url)).toEqual([]);
}

describe('a network that fails under the run (bundled CLI through the fault proxy)', () => {
  it('a dead network during a transactional migration: reported within the liveness timeout, outcome said to be unknown, and the server frees the lock', async () => {
    const s = await setup();
    const run = s.slowUp(1, ['--liveness-timeout', '3s']);
    await whenSleeping(s, run);
    proxy.blackhole();
    markFault(run);
    const exit = await exited(run, 3_000 + 7_000);
    expect(exit.code).toBe(2);
    expect(exit.msFromSignal).toBeLessThan(3_000 + 6_000);
    expect(exit.stderr).toMatch(/no answer from the database for \d+ s \(liveness-timeout 3 s\)/);
    expect(exit.stderr).toMatch(/whether db\/migrations\/2_slow\.sql was applied is unknown/);
    expect(exit.stderr).toMatch(/run `status` once the database answers/);
    // The backend finished its sleep and committed; its answer went nowhere. Idle and holding the
    // lock, it is ended by the server (idle_session_timeout = 2 × liveness-timeout).
    await backendsGone(s.url, s.app, 20_000);
    expect(await lockHolders(s.url)).toEqual([]);
    expect(await ledgerMatchesSchema(s.url, TABLES)).toEqual([]);
    expect(await ledger(s.url)).toEqual(['1', '2']);
    // Its `applied` row committed with it; the run wrote no `failed` row it could not know to be true.
    expect(rowsOf(await history(s.url), '2')).toEqual(['up applied']);
    proxy.heal();
    await expectRerunConverges(s);
  });

  it('a dead network with the default settings is reported within 30 s', async () => {
    const s = await setup();
    const run = s.slowUp(1);
    await whenSleeping(s, run);
    proxy.blackhole();
    markFault(run);
    const exit = await exited(run, 45_000);
    expect(exit.code).toBe(2);
    expect(exit.msFromSignal).toBeLessThan(30_000);
    expect(exit.stderr).toMatch(/liveness-timeout 20 s/);
    await backendsGone(s.url, s.app, 70_000);
    expect(await lockHolders(s.url)).toEqual([]);
    expect(await ledgerMatchesSchema(s.url, TABLES)).toEqual([]);
  }, 150_000);

  it('a slow network and a statement longer than the liveness timeout: never cut, the run succeeds', async () => {
    const s = await setup();
    proxy.delay(100);
    const run = s.slowUp(5, ['--liveness-timeout', '3s']);
    const exit = await exited(run, 30_000);
    expect({ code: exit.code, stderr: exit.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await ledger(s.url)).toEqual(['1', '2', '3']);
    expect(await lockHolders(s.url)).toEqual([]);
  });

  it('a cut inside statement 2 of a transaction:false migration: statement 1 stays, no ledger row, a failed row naming the lost connection', async () => {
    const s = await setup({
      'db/migrations/1_one.sql': migration('create table one (id int);', 'drop table one;'),
      'db/migrations/2_slow.sql': migration(`create table a_part (id int);\n${SLEEP}\ncreate table slow (id int);`, 'drop table if exists slow;\ndrop table if exists a_part;', {
        upOptions: 'transaction:false',
      }),
      'db/migrations/3_three.sql': migration('create table three (id int);', 'drop table three;'),
    });
    const run = s.slowUp(30);
    await whenSleeping(s, run);
    expect(proxy.cut()).toBeGreaterThanOrEqual(1);
    markFault(run);
    const exit = await exited(run, 15_000);
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/connection to the database was lost/);
    expect(exit.stderr).toMatch(/transaction:false: 1 statement\(s\) before it completed and remain applied: create table a_part \(id int\)/);
    // The orphan inside pg_sleep(30) was ended by the run before it read the ledger.
    expect(await backendsOf(s.url, { applicationName: s.app })).toEqual([]);
    expect(await tables(s.url)).toEqual(['a_part', 'one', 'schema_migrations', 'schema_migrations_history']);
    expect(await ledger(s.url)).toEqual(['1']);
    const rows = (await history(s.url))!;
    expect(rowsOf(rows, '2')).toEqual(['up failed']);
    expect(rows.find((r) => r.version === '2')!.error).toMatch(/connection to the database was lost/);
    expect(await lockHolders(s.url)).toEqual([]);
  });

  it('a dead network while the run waits for the migration lock: it stops waiting within the liveness timeout, not the lock wait', async () => {
    const s = await setup();
    // The first run holds the lock, directly, inside its sleeping migration.
    const first = startCli(['--url', withParam(s.runUrl, 'fault.sleep_s', '12'), '--migrations-dir', 'db/migrations', '--no-dump-schema', 'up'], { cwd: s.dir });
    await whenSleeping(s, first);
    const second = s.slowUp(0, ['--lock-wait-timeout', '60s', '--liveness-timeout', '3s']);
    await waitFor(() => /Waiting for another migration run/.test(second.stderr), 15_000, 'the second run to wait for the lock');
    proxy.blackhole();
    markFault(second);
    const exit = await exited(second, 3_000 + 7_000);
    expect(exit.code).toBe(2);
    expect(exit.msFromSignal).toBeLessThan(3_000 + 6_000);
    expect(exit.stderr).toMatch(/liveness-timeout 3 s/);
    const done = await exited(first, 30_000);
    expect(done.code).toBe(0);
    expect(await ledger(s.url)).toEqual(['1', '2', '3']);
    await backendsGone(s.url, s.app, 20_000);
    expect(await lockHolders(s.url)).toEqual([]);
    const rows = await history(s.url);
    for (const v of ['1', '2', '3']) expect(rowsOf(rows, v)).toEqual(['up applied']);
  });
});
