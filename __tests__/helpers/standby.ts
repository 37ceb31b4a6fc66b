/**
 * A real streaming standby of an embedded test server: `pg_basebackup -R` (the system's PG 15
 * client) into a fresh folder owned by the server's OS user, started with the embedded package's
 * own `pg_ctl` on a free port with a socket folder of its own, ready once `pg_is_in_recovery()`
 * answers true. As root everything runs as that user (`runuser -u postgres --`).
 */
import { spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, type EmbeddedPostgresHandle, type PostgresHandle } from '../../scripts/embedded-pg.mjs';
import { query, waitFor } from './pg.js';

/** The primary a standby is made from: a server of our own, whose data directory and binaries we use. */
export type EmbeddedHandle = EmbeddedPostgresHandle;

/** A running standby. */
export interface Standby {
  port: number;
  /** URL of database `db` on the standby. */
  url(db: string): string;
  stop(): Promise<void>;
}

/** Run a program as the server's OS user; rejects with its output when it fails. */
function runAs(osUser: string, cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const [file, argv] = userInfo().uid === 0 ? ['runuser', ['-u', osUser, '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${code}):\n${out}`))));
  });
}

/** Start a streaming standby of `primary` (an embedded server: its pg_hba allows replication from 127.0.0.1 by default). */
export async function startStandby(primary: EmbeddedHandle): Promise<Standby> {
  const base = await mkdtemp(join(tmpdir(), 'dbm-standby-'));
  await chmod(base, 0o777);
  if (userInfo().uid === 0) {
    // Owned by whoever owns the primary's data directory.
    const { uid, gid } = await stat(primary.dataDir);
    await chown(base, uid, gid);
  }
  const data = join(base, 'data');
  const port = await freePort();
  await runAs(primary.osUser, '/usr/bin/pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', data, '-R', '-X', 'stream', '-c', 'fast'], {
    PGPASSWORD: primary.password,
  });
  const pgCtl = join(primary.binDir, 'pg_ctl');
  // max_connections must be at least the primary's (scripts/embedded-pg.mjs starts it with 200).
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${base} -c hot_standby=on -c fsync=off -c max_connections=200`;
  await runAs(primary.osUser, pgCtl, ['-D', data, '-o', opts, '-l', join(base, 'log'), '-w', '-t', '30', 'start']).catch(async (err: Error) => {
    const log = await readFile(join(base, 'log'), 'utf8').catch(() => '');
    await rm(base, { recursive: true, force: true });
    throw new Error(`${err.message}\n${log}`);
  });
  const url = (db: string) => `postgres://postgres:${primary.password}@127.0.0.1:${port}/${encodeURIComponent(db)}?sslmode=disable`;
  const stop = async () => {
    await runAs(primary.osUser, pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => (await query<{ r: boolean }>(url('postgres'), 'select pg_is_in_recovery() as r').catch(() => [{ r: false }]))[0].r, 20_000, 'the standby to be in recovery');
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, url, stop };
}

/** Wait until the standby has replayed everything the primary has written so far. */
export async function caughtUp(primary: PostgresHandle, standby: Standby): Promise<void> {
  const [{ lsn }] = await query<{ lsn: string }>(primary.adminUrl, 'select pg_current_wal_lsn()::text as lsn');
  await waitFor(
    async () => (await query<{ ok: boolean }>(standby.url('postgres'), 'select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok', [lsn]))[0].ok,
    20_000,
    'the standby to replay the primary',
  );
}
