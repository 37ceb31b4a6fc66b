/**
 * What a command's connection really reaches, found out before anything is set or locked on it.
 *
 * - **A pooler in transaction (or statement) mode** (PgBouncer `pool_mode = transaction`, the
 *   Supabase and Neon pooler URLs) hands the session's server process to other clients between
 *   transactions. Migrations need one session of their own: the advisory lock would stay held in
 *   the pool (and not protect anything: two runs would apply the same migrations at once), and
 *   every session setting we make would leak into other clients' sessions. Refused
 *   (`POOLER_TRANSACTION_MODE`). A session-mode pooler gives each client its own server process
 *   and works like a direct connection.
 * - **A standby** (`pg_is_in_recovery()`): nothing can be written there. Commands that write are
 *   refused (`STANDBY`); read-only ones (`status`, `plan`/dry runs) answer with a warning that
 *   the standby may lag, as `dbmate status` and `flyway info` answer from a replica.
 * - **`target_session_attrs`** of the URL, checked as libpq checks it for a single host
 *   (`TARGET_SESSION_ATTRS` on a mismatch).
 *
 * How a pooler is told apart, deterministically even for a lone client: the session's first
 * statement records its server process (`pg_backend_pid()`) and carries a unique token in its
 * text. Then a second, short connection (opened by the caller at the same time as the session, so
 * it costs no extra connect latency) asks which process it got and what the session's process ran
 * last (`pg_stat_activity.query`). The session does not own its process when
 * - the second connection was handed the same process (PgBouncer reuses the server connection
 *   released last, so a lone client behind a transaction pooler is caught here), or
 * - another statement than the session's ran on it since (another client of the pool), or
 * - the session's next statement runs on another process.
 * A direct connection or a session pooler can never show any of these.
 *
 * The second connection holds no transaction while the session asks again: with a small pool
 * (`default_pool_size = 2`) and several runs checking at once, probes holding server connections
 * while their sessions wait for one would stall every run until PgBouncer's `query_wait_timeout`.
 */
import { randomUUID } from 'node:crypto';
import { closeQuietly, destroySocket, type Connection } from './db.js';
import { MigrationError } from './errors.js';
import type { Logger } from './logger.js';
import type { DatabaseTarget, TargetSessionAttrs } from './url.js';

/**
 * How long the second connection may take to connect (after the session did) and answer, ms. A
 * session pooler whose pool is full (every server connection owned by a client) makes it wait
 * for a free one; then only the session's own process id is compared.
 */
export const PROBE_WAIT_MS = 3000;

/** What {@link checkTopology} needs besides the session. */
export interface TopologyOptions {
  /** Whether the command writes (`up`, `rollback`, `create`, `drop`, `dump`…); false for `status` and dry runs. */
  writes: boolean;
  /**
   * The second connection to the same target, opened by the caller concurrently with the
   * session; always closed here. When it cannot be opened or does not answer within
   * {@link PROBE_WAIT_MS}, only the session's own process id is compared (with a warning).
   */
  probe: Promise<Connection>;
  log: Logger;
}

/** What the session reaches; returned when nothing was refused. */
export interface Topology {
  /** The session's server process, as `pg_backend_pid()` says. */
  pid: number;
  /** When that process started, as the server writes it (`backend_start::text`); null when not visible. */
  backendStart: string | null;
  /** `pg_is_in_recovery()`: the server is a standby. */
  inRecovery: boolean;
  /** `transaction_read_only` of the session's first statement. */
  readOnly: boolean;
  /** `server_version_num`, e.g. 150004. */
  serverVersionNum: number;
  /**
   * True when a second connection confirmed that the session owns its server process (then
   * session-level settings are safe); false when only the session's own process id could be
   * compared (the second connection failed or was late), which proves less.
   */
  ownsBackend: boolean;
}

interface FirstLook {
  pid: number;
  started: string | null;
  recovery: boolean;
  ro: string;
  v: number;
  lag_s: number | null;
  track: string;
}

/**
 * Find out what `conn` reaches and refuse what migrations cannot run on: a transaction pooler,
 * a standby for a command that writes, a server that does not match the URL's
 * `target_session_attrs`. Runs before any session-level setting or lock. Closes `opts.probe`.
 *
 * @throws MigrationError `POOLER_TRANSACTION_MODE`, `STANDBY` or `TARGET_SESSION_ATTRS`
 */
export async function checkTopology(conn: Connection, target: DatabaseTarget, opts: TopologyOptions): Promise<Topology> {
  const probe = settle(opts.probe);
  let arrived: Probe | undefined;
  void probe.then((p) => (arrived = p));
  try {
    const token = randomUUID();
    // One autocommit statement: everything it reads comes from the same server process.
    const first = (
      await conn.query<FirstLook>(
        `/* db-migrate topology ${token} */ select pg_backend_pid() as pid, (select backend_start::text from pg_stat_activity where pid = pg_backend_pid()) as started,
                pg_is_in_recovery() as recovery, current_setting('transaction_read_only') as ro,
                current_setting('server_version_num')::int as v, current_setting('track_activities') as track,
                extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as lag_s`,
      )
    ).rows[0];
    const where = describeServer(target);
    const readOnly = first.ro === 'on';
    checkSessionAttrs(target.targetSessionAttrs ?? 'any', where, { inRecovery: first.recovery, readOnly });
    if (first.recovery) standby(where, first.lag_s, opts, target.targetSessionAttrs);

    const verdict = await lookFromProbe(conn, first, token, probe, opts.log);
    if (verdict.found) throw pooled(where, verdict.found);
    return {
      pid: first.pid,
      backendStart: first.started,
      inRecovery: first.recovery,
      readOnly,
      serverVersionNum: first.v,
      ownsBackend: verdict.confirmed,
    };
  } finally {
    // One still connecting (late, or the check stopped early) is closed when it arrives; nothing waits for it.
    if (arrived) await closeProbe(arrived);
    else void probe.then(closeProbe);
  }
}

/** Refuse, or warn, on a standby. */
function standby(where: string, lagS: number | null, opts: TopologyOptions, attrs: TargetSessionAttrs | undefined): void {
  if (opts.writes) {
    throw new MigrationError(
      'STANDBY',
      `${where} is a standby server in recovery (a read-only replica), where nothing can be migrated: point the database URL at the primary`,
      { hint: 'pg_is_in_recovery() is true on this server; migrations, rollbacks and the ledger must be written on the primary, and reach the standby by replication' },
    );
  }
  const lag = lagS === null ? 'it has replayed no transaction since it started' : `its last replayed transaction committed ${formatLag(lagS)} ago on the primary`;
  const message = `${where} is a standby server in recovery: what it shows may lag behind the primary (${lag})`;
  // Asked for by the URL: the user knows; otherwise they should.
  if (attrs === 'standby' || attrs === 'prefer-standby' || attrs === 'read-only') opts.log.debug(message);
  else opts.log.warn(message);
}

/**
 * libpq's check of `target_session_attrs` for one host: `read-write` and `read-only` look at
 * `transaction_read_only`, `primary` and `standby` at `pg_is_in_recovery()`; `prefer-standby`
 * (with a single host) and `any` accept either.
 *
 * @throws MigrationError `TARGET_SESSION_ATTRS` naming the attribute and what the server is
 */
export function checkSessionAttrs(attrs: TargetSessionAttrs, where: string, server: { inRecovery: boolean; readOnly: boolean }): void {
  const is = (() => {
    switch (attrs) {
      case 'read-write':
        return server.readOnly ? 'is read-only (transaction_read_only = on)' : undefined;
      case 'read-only':
        return server.readOnly ? undefined : 'is not read-only (transaction_read_only = off)';
      case 'primary':
        return server.inRecovery ? 'is a standby in recovery' : undefined;
      case 'standby':
        return server.inRecovery ? undefined : 'is a primary, not in recovery';
      default:
        return undefined;
    }
  })();
  if (is === undefined) return;
  throw new MigrationError('TARGET_SESSION_ATTRS', `the database URL asks for target_session_attrs=${attrs}, but ${where} ${is}`, {
    hint: 'point the URL at a server of that kind, or change target_session_attrs (this URL names one host, so there is no other server to try)',
  });
}

type Probe = { conn: Connection } | { error: unknown };

async function closeProbe(p: Probe): Promise<void> {
  if ('conn' in p) await closeQuietly(p.conn);
}

function settle(p: Promise<Connection>): Promise<Probe> {
  return p.then(
    (conn) => ({ conn }),
    (error: unknown) => ({ error }),
  );
}

/** The second connection's look, then the session's second answer. `found` is the evidence of a transaction pooler. */
async function lookFromProbe(conn: Connection, first: FirstLook, token: string, probe: Promise<Probe>, log: Logger): Promise<{ found?: string; confirmed: boolean }> {
  const seen = await withDeadline(
    probe.then(async (p) => {
      if (!('conn' in p)) throw p.error;
      const { rows } = await p.conn.query<{ pid: number; seen: boolean; query: string | null }>(
        `select pg_backend_pid() as pid, a.pid is not null as seen, a.query from (select 1) one left join pg_stat_activity a on a.pid = ${Number(first.pid)}`,
      );
      return rows[0];
    }),
    PROBE_WAIT_MS,
  );
  if ('late' in seen || 'error' in seen) {
    const why = 'late' in seen ? `did not answer within ${PROBE_WAIT_MS} ms (a pooler with no free server connection?)` : `failed: ${(seen.error as Error)?.message ?? String(seen.error)}`;
    log.warn(`the second connection that checks for a transaction pooler ${why}; only the session's own server process id was compared`);
    // A late probe may be waiting in a pooler's queue: drop it rather than wait for its goodbye.
    if ('late' in seen) void probe.then((p) => void ('conn' in p && destroySocket(p.conn)));
  } else {
    const r = seen.value;
    if (r.pid === first.pid) return { found: `a second connection was handed the session's server process (pid ${first.pid})`, confirmed: false };
    const q = r.query ?? '';
    // Empty with track_activities off; another role's process shows '<insufficient privilege>': no evidence either way.
    if (r.seen && first.track === 'on' && q !== '' && q !== '<insufficient privilege>' && !q.includes(token)) {
      return { found: `another client's statement ran on the session's server process (pid ${first.pid})`, confirmed: false };
    }
  }
  const again = (await conn.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
  if (again !== first.pid) return { found: `the session's server process changed between two statements (pid ${first.pid}, then ${again})`, confirmed: false };
  return { confirmed: 'value' in seen };
}

function pooled(where: string, found: string): MigrationError {
  return new MigrationError(
    'POOLER_TRANSACTION_MODE',
    `${where} is a connection pooler in transaction or statement mode (such as PgBouncer pool_mode = transaction, or the Supabase and Neon pooler URLs), ` +
      `and migrations need a session of their own: use the direct database URL or the pooler's session mode ` +
      `(Supabase: port 5432 of the pooler, not 6543; Neon: the host name without -pooler)`,
    {
      hint:
        `found: ${found}; behind a transaction pooler the advisory lock would stay held in the pool and not keep two runs apart, ` +
        `and session settings would leak into other clients' sessions`,
    },
  );
}

/** `host:port`, or the socket file for a Unix-socket directory. */
export function describeServer(target: DatabaseTarget): string {
  if (target.host.startsWith('/')) return `the server at ${target.host}/.s.PGSQL.${target.port}`;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${host}:${target.port}`;
}

function formatLag(s: number): string {
  if (s < 1) return `${Math.max(0, Math.round(s * 1000))} ms`;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

async function withDeadline<T>(p: Promise<T>, ms: number): Promise<{ value: T } | { error: unknown } | { late: true }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ late: true }>((resolve) => {
    timer = setTimeout(() => resolve({ late: true }), ms);
  });
  try {
    return await Promise.race([p.then((value) => ({ value }), (error: unknown) => ({ error })), late]);
  } finally {
    clearTimeout(timer);
  }
}
