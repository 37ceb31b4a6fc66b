import pg from 'pg';
import { connectionAttempts } from './tls.js';
import type { DatabaseTarget } from './url.js';
import { MigrationError } from './errors.js';

/** The one connection a run uses: advisory locks are per session, so everything goes through it. */
export type Connection = pg.Client;

/**
 * Open a connection, trying each TLS setting the URL's sslmode allows in libpq's order
 * (with no sslmode: TLS first, then plain, like libpq's default `prefer`).
 */
export async function connect(target: DatabaseTarget, opts: { connectTimeoutMs?: number } = {}): Promise<Connection> {
  const attempts = connectionAttempts(target).map((c) =>
    opts.connectTimeoutMs !== undefined && c.connectionTimeoutMillis === undefined ? { ...c, connectionTimeoutMillis: opts.connectTimeoutMs } : c,
  );
  let lastErr: unknown;
  for (let i = 0; i < attempts.length; i++) {
    try {
      return await open(attempts[i]);
    } catch (err) {
      lastErr = err;
      // Only a server that refuses TLS (or requires it) justifies the next attempt; anything else is final.
      if (!/SSL|TLS/i.test(String((err as Error)?.message))) break;
    }
  }
  throw connectError(target, lastErr);
}

async function open(config: pg.ClientConfig): Promise<Connection> {
  const client = new pg.Client(config);
  // An idle client whose backend dies emits 'error'; without a listener Node would crash the run.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return client;
}

function connectError(target: DatabaseTarget, err: unknown): MigrationError {
  const e = err as { code?: string; message?: string };
  if (e?.code === '3D000') {
    return new MigrationError('DATABASE_MISSING', `database "${target.database}" does not exist (3D000)`, {
      hint: 'create it first (`db-migrate create`, or `db-migrate up`, which creates a missing database)',
      cause: err,
    });
  }
  const detail = e?.code && !e.message?.includes(e.code) ? `${e.message} (${e.code})` : (e?.message ?? String(err));
  return new MigrationError('CONNECT_FAILED', `cannot connect to ${target.redacted}: ${detail}`, {
    hint: 'check the host, port, credentials and sslmode of the database URL, and that the server is reachable from here',
    cause: err,
  });
}

/** How long a polite close may wait for the server's goodbye before the socket is just destroyed. */
const CLOSE_WAIT_MS = 2000;

/**
 * Close without throwing: closing happens in `finally` blocks where the first error matters. Never
 * waits long: over a dead network `end()` would wait forever for the server, and its socket would
 * keep the process alive after the run.
 */
export async function closeQuietly(conn: Connection | undefined): Promise<void> {
  if (!conn) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), CLOSE_WAIT_MS);
  });
  const how = await Promise.race([conn.end().catch(() => undefined), late]);
  clearTimeout(timer);
  if (how === 'late') destroySocket(conn);
}

/**
 * Close a connection's socket at once, without the goodbye `end()` waits for; a query in flight
 * fails with `err`. For sessions declared dead, whose server may never answer again.
 */
export function destroySocket(conn: Connection, err?: Error): void {
  (conn as unknown as { connection?: { stream?: { destroy(e?: Error): void } } }).connection?.stream?.destroy(err);
}

/**
 * Run `fn` on a connection of its own to `target`, closed whatever `fn` does. For the short
 * look-ups around a command (a server version, a dump, a report); a command's own session, with
 * retries and the lock, is `session.ts`'s.
 */
export async function withConnection<T>(target: DatabaseTarget, fn: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = await connect(target);
  try {
    return await fn(conn);
  } finally {
    await closeQuietly(conn);
  }
}

/**
 * Whether an error means the session is gone (backend terminated, server shut down, socket closed):
 * nothing more can be done on this connection, and session state such as advisory locks is released.
 */
export function isConnectionLost(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (e?.code && /^(57P01|57P02|57P03|08...)$/.test(e.code)) return true;
  return /Connection terminated|connection (is )?closed|ECONNRESET|EPIPE|Client was closed|not queryable/i.test(e?.message ?? '');
}

/** Quote an SQL string literal for simple-protocol queries (standard_conforming_strings on). */
export function literal(value: string | null | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  return pg.escapeLiteral(value);
}
