/**
 * How a command reaches the database. Every scope here is a callback, as graphile-migrate's
 * `withClient`/`withAdvisoryLock`: the connection is closed and the advisory lock released in
 * `finally`, whatever the callback does, so no command can forget either.
 *
 * - {@link withSession}: the one connection of a command (creating a missing database when asked);
 * - {@link withReadOnlySession}: the same for dry runs, which can create or change nothing;
 * - {@link withLock}: the advisory lock everything that changes the database runs under;
 * - {@link withAdminSession}: the maintenance database, for `create`/`drop`.
 *
 * Every session is checked before anything is set or locked on it (`topology.ts`): a pooler in
 * transaction mode, a standby for a command that writes, and a server that does not match the
 * URL's `target_session_attrs` are refused. The second connection that check needs is opened
 * here at the same time as the session, so it costs no extra connect latency.
 */
import { connect, closeQuietly, type Connection } from './db.js';
import type { MigrationError } from './errors.js';
import { configuredHistory, type HistoryName } from './history.js';
import { checkLedger, resolveLedgerName, type LedgerName } from './ledger.js';
import { acquireLock, releaseLock, lockKey } from './lock.js';
import type { Logger } from './logger.js';
import { sleep } from './sleep.js';
import { cancelledError } from './cancel.js';
import { SessionGuard } from './guard.js';
import { withDatabase, type DatabaseTarget } from './url.js';
import { checkTopology, type Topology } from './topology.js';

/** What the session scopes read: the part of a command's configuration about reaching the database. */
export interface SessionSettings {
  /** The database of the command. */
  target: DatabaseTarget;
  /** dbmate's `--migrations-table`, optionally `schema.table`. */
  migrationsTable: string;
  /** Audit table name; empty string disables it. */
  historyTable: string;
  /** How long to wait for another run's advisory lock, ms. */
  lockWaitTimeoutMs: number;
  /**
   * How many times to retry opening a connection that was refused or timed out (a server that is
   * starting, a network blip); never retried: bad credentials, a missing database, TLS refusals.
   * Default 0 (the CLI behaves like dbmate; the action retries).
   */
  connectRetries?: number;
  /** First delay between connection attempts, ms, doubled each retry (default 1000). */
  connectRetryBaseMs?: number;
  /**
   * How long opening one connection may take, ms, before it fails with `CONNECT_FAILED` (a timeout,
   * so retried like one); 0 = no limit. Already resolved by the caller (`resolveConnectTimeout` in
   * db.ts: an explicit setting, else the URL's `connect_timeout`, else the default): it wins over
   * the URL's value. Undefined = the URL's `connect_timeout`, else no limit.
   */
  connectTimeoutMs?: number;
  /**
   * How long the server may stay silent while the run holds the lock before the session is
   * declared dead, ms (default {@link DEFAULT_LIVENESS_TIMEOUT_MS}; 0 = never). Statements the
   * server is still running are not silence: see `guard.ts`.
   */
  livenessTimeoutMs?: number;
  /** Aborted when the run is cancelled (the job's SIGINT/SIGTERM); its reason names the signal. */
  signal?: AbortSignal;
  /** Retries and lock waits are announced here. */
  log: Logger;
}

/**
 * Default of {@link SessionSettings.livenessTimeoutMs}. 20 s of silence, one look (a sixth of it)
 * and a last quick reconnect (2 s): a dead network is reported within 30 s.
 */
export const DEFAULT_LIVENESS_TIMEOUT_MS = 20_000;

/** What a command gets inside {@link withLock}: the ledger, the audit table and the session's guard. */
export interface LockedSession {
  ledger: LedgerName;
  history: HistoryName | undefined;
  /** The watch over the session (its pid, why it was closed); see `guard.ts`. */
  guard: SessionGuard;
}

/**
 * Open a connection to `target`, retrying (per {@link SessionSettings.connectRetries}) only
 * failures that may pass by themselves. The one place a command connects.
 */
async function connectWithRetry(s: SessionSettings, target: DatabaseTarget = s.target): Promise<Connection> {
  const retries = s.connectRetries ?? 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect(target, { connectTimeoutMs: s.connectTimeoutMs });
    } catch (err) {
      if (attempt > retries || !isTransientConnectError(err) || s.signal?.aborted) throw err;
      const delay = (s.connectRetryBaseMs ?? 1000) * 2 ** (attempt - 1);
      s.log.warn(`${(err as Error).message}; retry ${attempt}/${retries} in ${delay} ms`);
      await sleep(delay, s.signal);
      if (s.signal?.aborted) throw cancelledError(s.signal, 'the database could be reached; nothing was applied');
    }
  }
}

/** How a session is used; see {@link withSession}. */
export interface SessionOptions {
  /**
   * Whether the command writes (default true). A standby is refused for commands that write and
   * only warned about for the others (`status`, dry runs), which answer from what it replayed.
   */
  writes?: boolean;
}

/** What `topology.ts` found about each open session, for {@link withLock}. */
const topologies = new WeakMap<Connection, Topology>();

/**
 * Open `target` and check what it reaches (`checkTopology`), with the check's second connection
 * opened concurrently. A failed second connection is tried once more after the session is open
 * (the first try may have met the same starting server the session retried through).
 */
async function openChecked(s: SessionSettings, target: DatabaseTarget, writes: boolean): Promise<Connection> {
  let opened: () => void = () => undefined;
  const sessionOpen = new Promise<void>((resolve) => (opened = resolve));
  const probe = connect(target, { connectTimeoutMs: s.connectTimeoutMs }).catch(() => sessionOpen.then(() => connect(target, { connectTimeoutMs: s.connectTimeoutMs })));
  let conn: Connection;
  try {
    conn = await connectWithRetry(s, target);
  } catch (err) {
    void probe.then(closeQuietly, () => undefined);
    throw err;
  }
  opened();
  try {
    topologies.set(conn, await checkTopology(conn, target, { writes, probe, log: s.log }));
  } catch (err) {
    await closeQuietly(conn);
    throw err;
  }
  return conn;
}

/**
 * One connection for one command, closed when `fn` settles. With `createMissing`, a missing
 * database is created by it first (dbmate's `up`), and `created` tells `fn` so. The session is
 * checked first (see the module comment); `opts.writes` says whether the command writes.
 */
export async function withSession<T>(
  s: SessionSettings,
  fn: (conn: Connection, created: boolean) => Promise<T>,
  createMissing?: () => Promise<void>,
  opts: SessionOptions = {},
): Promise<T> {
  const writes = opts.writes ?? true;
  let conn: Connection;
  let created = false;
  try {
    conn = await openChecked(s, s.target, writes);
  } catch (err) {
    if (!createMissing || (err as MigrationError).code !== 'DATABASE_MISSING') throw err;
    await createMissing();
    created = true;
    conn = await openChecked(s, s.target, writes);
  }
  try {
    return await fn(conn, created);
  } finally {
    await closeQuietly(conn);
  }
}

/**
 * A read-only session for dry runs: even a bug in the caller could not create or change
 * anything. `fn` gets the resolved ledger and whether it exists (checked: another tool's table of
 * that name is refused with `LEDGER_FOREIGN`). A missing database is not an
 * error here: `onMissing` answers instead.
 */
export async function withReadOnlySession<T>(
  s: SessionSettings,
  fn: (conn: Connection, ledger: LedgerName, exists: boolean) => Promise<T>,
  onMissing: () => T | Promise<T>,
): Promise<T> {
  let missing = false;
  const result = await withSession(
    s,
    async (conn) => {
      await conn.query('SET default_transaction_read_only = on');
      const ledger = await resolveLedgerName(conn, s.migrationsTable, s.target.searchPath);
      return fn(conn, ledger, await checkLedger(conn, ledger));
    },
    undefined,
    { writes: false },
  ).catch((err: unknown) => {
    if ((err as MigrationError).code !== 'DATABASE_MISSING') throw err;
    missing = true;
    return undefined;
  });
  return missing ? onMissing() : (result as T);
}

/**
 * Run `fn` under the advisory lock of this ledger, held on `conn` (advisory locks belong to a
 * session) and released in `finally`. Everything that changes the database runs here, and the
 * plan is made inside, after the lock is taken, so two concurrent runs never apply the same
 * migration. The session is watched while the lock is held (`guard.ts`): a dead network or a
 * cancelled run ends it instead of leaving it waiting.
 */
export async function withLock<T>(conn: Connection, s: SessionSettings, fn: (locked: LockedSession) => Promise<T>): Promise<T> {
  const ledger = await resolveLedgerName(conn, s.migrationsTable, s.target.searchPath);
  const key = lockKey(ledger.quoted);
  const guard = await SessionGuard.start(conn, {
    target: s.target,
    livenessTimeoutMs: s.livenessTimeoutMs ?? DEFAULT_LIVENESS_TIMEOUT_MS,
    ...(s.connectTimeoutMs !== undefined ? { connectTimeoutMs: s.connectTimeoutMs } : {}),
    ...(s.signal ? { signal: s.signal } : {}),
    // Session settings only where the session was shown to own its server process.
    ownsBackend: topologies.get(conn)?.ownsBackend ?? false,
    log: s.log,
  });
  try {
    await acquireLock(conn, key, s.lockWaitTimeoutMs, s.log, s.signal);
    try {
      return await fn({ ledger, history: configuredHistory(ledger, s.historyTable), guard });
    } finally {
      await releaseLock(conn, key, s.log);
    }
  } finally {
    await guard.stop();
  }
}

/**
 * A connection to the server's `postgres` database, for what cannot run inside the target
 * database itself (`create database`, `drop database`); closed when `fn` settles.
 */
export async function withAdminSession<T>(s: SessionSettings, fn: (admin: Connection) => Promise<T>): Promise<T> {
  const admin = await openChecked(s, withDatabase(s.target, 'postgres'), true);
  try {
    return await fn(admin);
  } finally {
    await closeQuietly(admin);
  }
}

/**
 * A second look after the command's own connection died (a killed backend, a restarting server, a
 * dead network): retried while the failure may pass by itself, for at most {@link RECONNECT_MS}
 * (a cancelled run has seconds left before the job is killed, and a session the guard found silent
 * has had its network tried for the whole liveness timeout already: {@link RECONNECT_WHEN_CANCELLED_MS}),
 * then `undefined`: the run must end with its truth, or say it does not know it, never hang on it.
 */
export async function reconnect(s: SessionSettings, opts: { quick?: boolean } = {}): Promise<Connection | undefined> {
  const deadline = Date.now() + (s.signal?.aborted || opts.quick ? RECONNECT_WHEN_CANCELLED_MS : RECONNECT_MS);
  for (;;) {
    const left = deadline - Date.now();
    const timeout = Math.max(1, Math.min(left, s.connectTimeoutMs || left));
    try {
      return await connect(s.target, { connectTimeoutMs: timeout });
    } catch (err) {
      if (!isTransientConnectError(err) || Date.now() + RECONNECT_PAUSE_MS >= deadline) return undefined;
      await sleep(RECONNECT_PAUSE_MS);
    }
  }
}

const RECONNECT_MS = 10_000;
const RECONNECT_WHEN_CANCELLED_MS = 2_000;
const RECONNECT_PAUSE_MS = 200;

/**
 * Connection failures that may pass by themselves: refused (server starting or restarting),
 * timeouts, unreachable networks, temporary DNS failures, `the database system is starting up`
 * (57P03), too many connections (53300). Bad credentials, a missing database, TLS refusals and
 * unknown hosts fail the same way every time.
 */
function isTransientConnectError(err: unknown): boolean {
  const seen = new Set<unknown>();
  const transient = (e: unknown): boolean => {
    if (!e || typeof e !== 'object' || seen.has(e)) return false;
    seen.add(e);
    const x = e as { code?: string; message?: string; cause?: unknown; errors?: unknown[] };
    if (x.code && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|57P03|53300)$/.test(x.code)) return true;
    if (/timeout|timed out|Connection terminated unexpectedly/i.test(x.message ?? '')) return true;
    return transient(x.cause) || (Array.isArray(x.errors) && x.errors.some(transient));
  };
  if ((err as MigrationError)?.code === 'DATABASE_MISSING') return false;
  return transient((err as { cause?: unknown })?.cause ?? err);
}
