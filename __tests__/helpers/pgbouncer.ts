/**
 * A real PgBouncer in front of a test server, for the pooler tests. Debian's `pgbouncer`
 * (`.ci/run` installs it) listens on 127.0.0.1 on a free port with a config of its own in a fresh
 * temp folder (mode 0777, so the `postgres` user it switches to as root can enter it even when
 * the checkout sits in a private folder) and is stopped with SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, type PostgresHandle } from '../../scripts/embedded-pg.mjs';

/** A running PgBouncer. */
export interface PgBouncer {
  /** `pool_mode` it runs with. */
  mode: 'session' | 'transaction' | 'statement';
  port: number;
  /** URL of database `db` on the server, through the pooler (sslmode=disable, as the pooler speaks no TLS here). */
  url(db: string): string;
  /** Everything it logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Where the Debian package installs it (`/usr/sbin` is not on every PATH). */
export const PGBOUNCER_BIN = existsSync('/usr/sbin/pgbouncer') ? '/usr/sbin/pgbouncer' : 'pgbouncer';

/**
 * Start PgBouncer in `mode` in front of `server` (every database, `* = host=127.0.0.1 port=…`),
 * `default_pool_size = 2` unless told otherwise, and wait until it accepts a login.
 */
export async function startPgBouncer(server: PostgresHandle, opts: { mode: PgBouncer['mode']; poolSize?: number }): Promise<PgBouncer> {
  const dir = await mkdtemp(join(tmpdir(), 'dbm-pgbouncer-'));
  await chmod(dir, 0o777);
  const port = await freePort();
  const user = decodeURIComponent(new URL(server.adminUrl).username);
  // auth_type plain: PgBouncer checks clients against the plain password and logs in to the server
  // with it (SCRAM or md5, whatever the server asks for).
  await writeFile(join(dir, 'users.txt'), `"${user}" "${server.password}"\n`, { mode: 0o644 });
  const config = [
    '[databases]',
    `* = host=127.0.0.1 port=${server.port}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = plain',
    `auth_file = ${join(dir, 'users.txt')}`,
    `pool_mode = ${opts.mode}`,
    `default_pool_size = ${opts.poolSize ?? 2}`,
    'max_client_conn = 200',
    // node-postgres sends `options` when the URL has search_path or server settings.
    'ignore_startup_parameters = extra_float_digits,options',
    // A run that waits for a server connection fails in seconds, not PgBouncer's default 120 s.
    'query_wait_timeout = 20',
    '',
  ].join('\n');
  await writeFile(join(dir, 'pgbouncer.ini'), config, { mode: 0o644 });

  const args = userInfo().uid === 0 ? ['-u', 'postgres', join(dir, 'pgbouncer.ini')] : [join(dir, 'pgbouncer.ini')];
  const child: ChildProcess = spawn(PGBOUNCER_BIN, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (b) => (output += b));
  child.stderr!.on('data', (b) => (output += b));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));

  const url = (db: string) => `postgres://${encodeURIComponent(user)}:${encodeURIComponent(server.password)}@127.0.0.1:${port}/${encodeURIComponent(db)}?sslmode=disable`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };

  // Ready when a login through it reaches the server; no fixed sleeps.
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (spawnError || child.exitCode !== null) {
      await stop();
      throw new Error(`pgbouncer did not start: ${spawnError?.message ?? `exit ${child.exitCode}`}\n${output}`);
    }
    const c = new pg.Client({ connectionString: url('postgres'), connectionTimeoutMillis: 1000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.query('select 1');
      await c.end();
      break;
    } catch (err) {
      await c.end().catch(() => undefined);
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`pgbouncer on port ${port} did not accept a login within 15 s: ${(err as Error).message}\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { mode: opts.mode, port, url, log: () => output, stop };
}
