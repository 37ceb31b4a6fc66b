/**
 * A cancelled job (issue 13): GitHub sends SIGINT, SIGTERM 7.5 s later, and kills 2.5 s after
 * that. The bundled CLI and action get real signals at chosen moments — inside a transactional
 * migration, inside a `transaction:false` one, during the backup, during the automatic rollback —
 * and a SIGKILL nothing can catch. After each: the run exited within the grace period, the ledger
 * equals the schema, history says what happened (a `cancelled` row), no lock is held, and a rerun
 * converges. PostgreSQL 15, so the system's pg_dump 15 can take the backup.
 */
import { describe, it, expect, afterEach } from '@jest/globals';
import { chmod, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { tables, usePostgres, waitFor } from './helpers/pg.js';
import { migration } from './helpers/cli.js';
import { startCli, startAction, actionResult, signalWhen, exited, killLeftovers, type Running } from './helpers/processes.js';
import { ledger, history, lockHolders, backendsOf, backendsGone, ledgerMatchesSchema } from './helpers/invariants.js';
import { faultSetup, MIGRATIONS, SLEEP, TABLES, rowsOf, withParam } from './helpers/faults.js';

const server = usePostgres({ version: 15, embedded: true });
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await killLeftovers();
  while (cleanups.length) await cleanups.pop()!();
});

/** GitHub's grace period between SIGINT and SIGTERM: a cancelled run must be done by then. */
const GRACE_MS = 7_500;

async function setup(files: Record<string, string> = MIGRATIONS) {
  const { url, app, runUrl, dir, cleanup } = await faultSetup(() => server().createDatabase(), files, 'sig');
  cleanups.push(cleanup);
  const slowUrl = (seconds: number) => withParam(runUrl, 'fault.sleep_s', String(seconds));
  const cli = (u: string, command = 'up', extra: string[] = []): Running =>
    startCli(['--url', u, '--migrations-dir', 'db/migrations', '--no-dump-schema', ...extra, command], { cwd: dir });
  const action = (inputs: Record<string, string>) =>
    startAction({ command: 'up', environment: 'staging', 'create-issue-on-failure': 'false', 'lint-fail-on': 'none', backup: 'never', ...inputs }, { cwd: dir });
  return { url, app, runUrl, dir, slowUrl, cli, action };
}
type Setup = Awaited<ReturnType<typeof setup>>;

/** True once a backend of the run is inside `pg_sleep` (the moment to send the signal). */
function sleeping(s: Setup): () => Promise<boolean> {
  return async () => (await backendsOf(s.url, { applicationName: s.app, query: 'pg_sleep' })).length > 0;
}

async function expectConsistent(s: Setup, tables: Record<string, string> = TABLES): Promise<void> {
  await backendsGone(s.url, s.app);
  expect(await ledgerMatchesSchema(s.url, tables)).toEqual([]);
  expect(await lockHolders(s.url)).toEqual([]);
}

async function expectRerunConverges(s: Setup, versions = ['1', '2', '3']): Promise<void> {
  const rerun = await exited(s.cli(s.runUrl), 20_000);
  expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
  expect(await ledger(s.url)).toEqual(versions);
  const rows = await history(s.url);
  for (const v of versions) expect(rowsOf(rows, v).filter((r) => r === 'up applied')).toHaveLength(1);
  expect(await lockHolders(s.url)).toEqual([]);
}

describe('the CLI, cancelled', () => {
  it('SIGINT inside a transactional migration: the statement is cancelled, its transaction rolled back, a cancelled row, exit 130 within the grace period', async () => {
    const s = await setup();
    const run = s.cli(s.slowUrl(30));
    await signalWhen(run, sleeping(s), 'SIGINT');
    const exit = await exited(run, GRACE_MS + 2_500);
    expect(exit.code).toBe(130);
    expect(exit.msFromSignal).toBeLessThan(GRACE_MS);
    expect(exit.stderr).toMatch(/db\/migrations\/2_slow\.sql: applying version 2 was cancelled by SIGINT: canceling statement due to user request/);
    expect(exit.stderr).toMatch(/nothing from this up section was applied/);
    expect(exit.stdout).not.toMatch(/Applied: 2_slow/);
    await expectConsistent(s);
    expect(await ledger(s.url)).toEqual(['1']);
    const rows = await history(s.url);
    expect([rowsOf(rows, '1'), rowsOf(rows, '2'), rowsOf(rows, '3')]).toEqual([['up applied'], ['up cancelled'], []]);
    expect(rows!.find((r) => r.version === '2')!.error).toMatch(/cancelled by SIGINT/);
    await expectRerunConverges(s);
  });

  it('SIGTERM inside statement 2 of a transaction:false migration: statement 1 stays, 3 never starts, no ledger row, exit 143', async () => {
    const files = {
      'db/migrations/1_one.sql': migration('create table one (id int);', 'drop table one;'),
      'db/migrations/2_slow.sql': migration(`create table a_part (id int);\n${SLEEP}\ncreate table slow (id int);`, 'drop table if exists slow;\ndrop table if exists a_part;', {
        upOptions: 'transaction:false',
      }),
      'db/migrations/3_three.sql': migration('create table three (id int);', 'drop table three;'),
    };
    const s = await setup(files);
    const run = s.cli(s.slowUrl(30));
    await signalWhen(run, sleeping(s), 'SIGTERM');
    const exit = await exited(run, GRACE_MS + 2_500);
    expect(exit.code).toBe(143);
    expect(exit.msFromSignal).toBeLessThan(GRACE_MS);
    expect(exit.stderr).toMatch(/applying version 2 was cancelled by SIGTERM/);
    expect(exit.stderr).toMatch(/transaction:false: 1 statement\(s\) before it completed and remain applied: create table a_part \(id int\)/);
    await expectConsistent(s, { '1': 'one', '2': 'slow', '3': 'three' });
    expect(await ledger(s.url)).toEqual(['1']);
    // Statement 1 completed in autocommit and stays; version 2 is not applied: what the row says.
    expect(await tables(s.url)).toEqual(['a_part', 'one', 'schema_migrations', 'schema_migrations_history']);
    expect(rowsOf(await history(s.url), '2')).toEqual(['up cancelled']);
    // The file is not idempotent: the rerun fails on a_part, as the message said it would.
    const rerun = await exited(s.cli(s.runUrl), 20_000);
    expect(rerun.code).toBe(2);
    expect(rerun.stderr).toMatch(/relation "a_part" already exists/);
  });

  it('SIGKILL inside a migration: nothing can be caught, yet the server finishes or drops the work whole and frees the lock; a rerun converges', async () => {
    const s = await setup();
    const run = s.cli(s.slowUrl(1));
    await signalWhen(run, sleeping(s), 'SIGKILL');
    const exit = await exited(run, 5_000);
    expect(exit.signal).toBe('SIGKILL');
    // The orphaned backend finishes its transaction (or not) on its own: whole, never half.
    await expectConsistent(s);
    const applied = (await ledger(s.url)).includes('2');
    expect(rowsOf(await history(s.url), '2')).toEqual(applied ? ['up applied'] : []);
    await expectRerunConverges(s);
  });
});

describe('the action, cancelled', () => {
  it('SIGINT inside a transactional migration: status cancelled, every output and the summary written, a cancelled row, no lock, within the grace period', async () => {
    const s = await setup();
    const run = await s.action({ 'database-url': s.slowUrl(30) });
    await signalWhen(run, sleeping(s), 'SIGINT');
    const exit = await exited(run, GRACE_MS + 2_500);
    expect(exit.code).toBe(1);
    expect(exit.msFromSignal).toBeLessThan(GRACE_MS);
    const { outputs, summary } = await actionResult(run);
    expect(outputs).toMatchObject({ status: 'cancelled', applied: '["1"]', 'rolled-back': '[]', pending: '["2","3"]', 'current-version': '1' });
    expect(Number(outputs['duration-ms'])).toBeGreaterThan(0);
    expect(JSON.parse(outputs.report)).toMatchObject({ status: 'cancelled', cancelled: 'SIGINT' });
    expect(summary).toMatch(/cancelled \(SIGINT\): no further migration, health check or automatic rollback started/);
    expect(summary).toMatch(/stay applied.*: 1\./);
    expect(exit.stdout).toMatch(/::error.*cancelled by SIGINT/);
    await expectConsistent(s);
    expect(await ledger(s.url)).toEqual(['1']);
    expect(rowsOf(await history(s.url), '2')).toEqual(['up cancelled']);
    await expectRerunConverges(s);
  });

  it('SIGINT during the backup: pg_dump is stopped, its partial archive removed, nothing migrated, status cancelled', async () => {
    const s = await setup();
    const bin = await mkdtemp(join(tmpdir(), 'dbm-slow-dump-'));
    const marker = join(bin, 'started');
    const realDump = execFileSync('sh', ['-c', 'command -v pg_dump'], { encoding: 'utf8' }).trim();
    const realRestore = execFileSync('sh', ['-c', 'command -v pg_restore'], { encoding: 'utf8' }).trim();
    // Answers --version as the real one; a dump only waits (exec: the signal reaches the sleeper itself).
    await writeFile(join(bin, 'pg_dump'), `#!/bin/sh\nif [ "$1" = "--version" ]; then exec ${realDump} --version; fi\ntouch ${marker}\nexec sleep 30\n`);
    await chmod(join(bin, 'pg_dump'), 0o755);
    await symlink(realRestore, join(bin, 'pg_restore'));
    const backupDir = join(bin, 'backups');
    const run = await s.action({ 'database-url': s.runUrl, backup: 'always', 'pg-dump-path': join(bin, 'pg_dump'), 'backup-dir': backupDir });
    await signalWhen(run, () => existsSync(marker), 'SIGINT');
    const exit = await exited(run, GRACE_MS + 2_500);
    expect(exit.code).toBe(1);
    expect(exit.msFromSignal).toBeLessThan(GRACE_MS);
    const { outputs } = await actionResult(run);
    expect(outputs).toMatchObject({ status: 'cancelled', applied: '[]', 'backup-path': '' });
    expect(exit.stdout).toMatch(/cancelled by SIGINT while pg_dump ran; the partial archive was removed/);
    expect(await readdir(backupDir)).toEqual([]);
    await expectConsistent(s);
    expect(await ledger(s.url)).toEqual([]);
    expect((await history(s.url)) ?? []).toEqual([]);
    await expectRerunConverges(s);
  });

  it('SIGTERM during the automatic rollback: the down in flight is cancelled, the rest not started, the original failure kept, status cancelled', async () => {
    const files = {
      'db/migrations/1_one.sql': migration('create table one (id int);', `${SLEEP}\ndrop table one;`),
      'db/migrations/2_slow.sql': migration('create table slow (id int);\nselect 1/0;', 'drop table slow;'),
      'db/migrations/3_three.sql': migration('create table three (id int);', 'drop table three;'),
    };
    const s = await setup(files);
    const run = await s.action({ 'database-url': s.slowUrl(30) });
    await signalWhen(run, sleeping(s), 'SIGTERM');
    const exit = await exited(run, GRACE_MS + 2_500);
    expect(exit.code).toBe(1);
    expect(exit.msFromSignal).toBeLessThan(GRACE_MS);
    const { outputs } = await actionResult(run);
    expect(outputs).toMatchObject({ status: 'cancelled', applied: '["1"]', 'rolled-back': '[]', 'current-version': '1' });
    const report = JSON.parse(outputs.report) as { error: { message: string }; rollback: { remaining: string[] } };
    expect(report.error.message).toMatch(/division by zero/);
    expect(report.rollback.remaining).toEqual(['1']);
    expect(exit.stdout).toMatch(/cancelled \(SIGTERM\) during the automatic rollback; still applied from this run: 1/);
    await expectConsistent(s);
    expect(await ledger(s.url)).toEqual(['1']);
    const rows = await history(s.url);
    expect([rowsOf(rows, '1'), rowsOf(rows, '2')]).toEqual([['up applied', 'down cancelled'], ['up failed']]);
  });
});

describe('one lock for the whole run', () => {
  it('the lock stays held through the health checks and the automatic rollback: no other run starts on a half-finished deploy', async () => {
    const s = await setup({
      'db/migrations/1_one.sql': migration('create table one (id int);', 'drop table one;'),
    });
    let answer: ServerResponse | undefined;
    const health = createServer((_req, res) => (answer = res));
    await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => health.close(r)));
    const port = (health.address() as { port: number }).port;
    const run = await s.action({ 'database-url': s.runUrl, 'health-check-url': `http://127.0.0.1:${port}/health`, 'health-check-retries': '0' });
    await waitFor(() => answer !== undefined, 20_000, 'the health check to ask');
    // The migration is applied and the deploy is being checked: its session holds the lock.
    const holders = await lockHolders(s.url);
    expect(holders).toHaveLength(1);
    const other = await exited(s.cli(s.runUrl, 'rollback', ['--lock-wait-timeout', '200ms']), 10_000);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/another migration run holds the migration lock/);
    answer!.writeHead(503).end('down');
    const exit = await exited(run, 20_000);
    expect(exit.code).toBe(1);
    const { outputs } = await actionResult(run);
    expect(outputs).toMatchObject({ status: 'rolled-back', applied: '["1"]', 'rolled-back': '["1"]' });
    expect(await ledger(s.url)).toEqual([]);
    // The automatic rollback ran on the same session: one invocation, one lock, nobody in between.
    const rows = (await history(s.url))!;
    expect(rows.map((r) => `${r.version} ${r.direction} ${r.outcome}`)).toEqual(['1 up applied', '1 down rolled-back']);
    expect(new Set(rows.map((r) => r.invocation_id)).size).toBe(1);
    expect(await lockHolders(s.url)).toEqual([]);
  });
});
