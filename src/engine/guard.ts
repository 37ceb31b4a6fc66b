/**
 * The watch over the session that holds the migration lock, for as long as it holds it. A
 * network that dies silently (packets dropped, sockets left open) gives node-postgres no error,
 * ever: without this a run waits forever and its session keeps the lock. So:
 *
 * - while a statement runs, a second connection asks `pg_stat_activity` about our backend: still
 *   `active` is a long statement doing its work (an index build may take an hour, and is never
 *   cut); gone, or idle while we still wait for its answer, means the answer was lost;
 * - while the session is idle (a backup, health checks), a `select 1` now and then proves it alive
 *   and keeps the server's `idle_session_timeout` from firing;
 * - no answer from the server for `livenessTimeoutMs`: the session is declared dead and its
 *   socket closed, so the statement in flight fails as a lost connection and the run can tell
 *   the truth (see `settleRun`);
 * - the server ends the session itself when we vanish: `idle_session_timeout` (PostgreSQL 14+)
 *   is set to twice the timeout, so a stale session never keeps the lock for long. It is only
 *   ever lowered: a server (or role, or database) value that is already shorter is a DBA's
 *   guardrail and holds; and it is never set on a session not shown to own its server process
 *   (`topology.ts`), where it would leak into other clients' sessions;
 * - an aborted `signal` (job cancelled) cancels the statement in flight with
 *   `pg_cancel_backend`, so its transaction rolls back; if that cannot be done quickly, the
 *   socket is closed and the run reports what it knows.
 */
import { closeQuietly, connect, destroySocket, type Connection } from './db.js';
import type { Logger } from './logger.js';
import { sleep } from './sleep.js';
import type { DatabaseTarget } from './url.js';

/** What the guard needs to know. */
export interface GuardSettings {
  target: DatabaseTarget;
  /** 0 disables the liveness watch (a cancel still works). */
  livenessTimeoutMs: number;
  connectTimeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Whether the session was shown to own its server process (`Topology.ownsBackend`); session
   * settings such as `idle_session_timeout` are made only then. Default false.
   */
  ownsBackend?: boolean;
  log: Logger;
}

/**
 * The `idle_session_timeout` the guard sets, ms, or undefined to keep the server's: twice the
 * liveness timeout (at least 1 s), unless the server's own value (0 = none) is already as short.
 */
export function idleSessionTimeoutToSet(livenessTimeoutMs: number, serverMs: number | null): number | undefined {
  if (livenessTimeoutMs <= 0 || serverMs === null) return undefined;
  const ours = Math.max(1000, livenessTimeoutMs * 2);
  return serverMs > 0 && serverMs <= ours ? undefined : ours;
}

/** SQLSTATE connection_failure: what a statement in flight fails with when the guard ends the session. */
export const CONNECTION_DEAD = '08006';

/** How long a cancelled statement may take to end before its connection is closed instead. */
export const CANCEL_GRACE_MS = 3000;

type BackendState = { state: 'gone' } | { state: 'active' } | { state: 'idle'; idleMs: number };

/** The watch over one session; {@link SessionGuard.start} it after connecting, {@link SessionGuard.stop} it before closing. */
export class SessionGuard {
  /** The server process of the session, as `pg_backend_pid()` says (a pooler's own id would be wrong). */
  readonly pid: number;
  /** When that process started, as the server writes it: with the pid, names it even after pids are reused. */
  readonly backendStart: string;
  /** Why the guard closed the session, when it did; the statement in flight failed with this message. */
  lostReason?: string;
  /** Whether a cancel was sent for a statement in flight. */
  cancelSent = false;

  private readonly conn: Connection;
  private readonly s: GuardSettings;
  private readonly tickMs: number;
  private inflight = 0;
  private lastContact = Date.now();
  private side?: Connection;
  private sideOpening?: Promise<Connection>;
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private readonly onAbort = () => void this.cancel();
  private readonly query: Connection['query'];

  private constructor(conn: Connection, pid: number, backendStart: string, s: GuardSettings) {
    this.conn = conn;
    this.pid = pid;
    this.backendStart = backendStart;
    this.s = s;
    // Six looks per timeout: a dead network is noticed within the timeout plus one tick.
    this.tickMs = Math.min(5000, Math.max(100, Math.floor(s.livenessTimeoutMs / 6)));
    this.query = conn.query;
  }

  /** Read the session's pid, ask the server to end the session if we vanish, and start watching. */
  static async start(conn: Connection, s: GuardSettings): Promise<SessionGuard> {
    // pg_settings has no idle_session_timeout before PostgreSQL 14: null, nothing to set.
    const { rows } = await conn.query<{ pid: number; started: string; idle: string | null }>(
      `select pg_backend_pid() as pid, (select backend_start::text from pg_stat_activity where pid = pg_backend_pid()) as started,
              (select setting from pg_settings where name = 'idle_session_timeout') as idle`,
    );
    const guard = new SessionGuard(conn, rows[0].pid, rows[0].started, s);
    const idle = s.ownsBackend ? idleSessionTimeoutToSet(s.livenessTimeoutMs, rows[0].idle === null ? null : Number(rows[0].idle)) : undefined;
    if (idle !== undefined) {
      // Our own heartbeats keep an alive session from idling this long; only a vanished client does.
      await conn.query(`set idle_session_timeout = ${idle}`);
    }
    guard.track();
    if (s.livenessTimeoutMs > 0) {
      guard.timer = setInterval(() => void guard.tick(), guard.tickMs);
      guard.timer.unref();
    }
    s.signal?.addEventListener('abort', guard.onAbort, { once: true });
    return guard;
  }

  /** Stop watching; the session itself is the caller's to close. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.s.signal?.removeEventListener('abort', this.onAbort);
    (this.conn as { query: unknown }).query = this.query;
    const opening = this.sideOpening;
    this.side = undefined;
    this.sideOpening = undefined;
    // One still being opened is closed when it arrives; the run does not wait for it.
    if (opening) void opening.then((c) => closeQuietly(c), () => undefined);
  }

  /** Count the session's queries in flight, and take every answer as a sign of life. */
  private track(): void {
    const original = this.query.bind(this.conn) as (...args: unknown[]) => unknown;
    (this.conn as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const p = original(...args);
      if (!(p instanceof Promise)) return p;
      this.inflight++;
      const settled = (answered: boolean) => {
        this.inflight--;
        if (answered) this.lastContact = Date.now();
      };
      // An SQL error is an answer too; only a lost connection is not.
      p.then(
        () => settled(true),
        (err: { code?: string; severity?: string }) => settled(err?.severity !== undefined),
      );
      return p;
    };
  }

  private async tick(): Promise<void> {
    if (this.lostReason) return;
    // Checked on every tick, also while a look is still waiting for its answer.
    const silent = Date.now() - this.lastContact;
    if (this.inflight > 0 && silent > this.s.livenessTimeoutMs) {
      this.end(`no answer from the database for ${Math.round(silent / 1000)} s (liveness-timeout ${Math.round(this.s.livenessTimeoutMs / 1000)} s)`);
      return;
    }
    if (this.ticking) return;
    this.ticking = true;
    try {
      const heartbeatMs = this.s.livenessTimeoutMs / 3;
      if (this.inflight === 0) {
        // Goes through the tracking wrapper: if it is never answered, the next ticks look from outside.
        if (Date.now() - this.lastContact >= heartbeatMs) void this.conn.query('select 1').catch(() => undefined);
        return;
      }
      if (Date.now() - this.lastContact < this.tickMs) return;
      const seen = await this.look();
      if (seen?.state === 'active') this.lastContact = Date.now();
      if (seen?.state === 'gone') return this.end(`the session's server process (pid ${this.pid}) ended while a statement was running`);
      if (seen?.state === 'idle') {
        // Idle on the server while we still wait: its answer will never arrive.
        if (seen.idleMs > 2 * this.tickMs) return this.end(`the server finished the statement ${Math.round(seen.idleMs / 1000)} s ago but its answer never arrived`);
        this.lastContact = Date.now();
      }
    } finally {
      this.ticking = false;
    }
  }

  /** Our backend as `pg_stat_activity` shows it, through the side connection; undefined when the server does not answer in time. */
  private async look(): Promise<BackendState | undefined> {
    const rows = await this.onSide(
      (c) =>
        c.query<{ state: string | null; idle_ms: number | null }>(
          'select state, extract(epoch from clock_timestamp() - state_change) * 1000 as idle_ms from pg_stat_activity where pid = $1',
          [this.pid],
        ),
      2 * this.tickMs,
    );
    if (!rows) return undefined;
    const r = rows.rows[0];
    if (!r) return { state: 'gone' };
    return r.state?.startsWith('idle') ? { state: 'idle', idleMs: Number(r.idle_ms ?? 0) } : { state: 'active' };
  }

  /**
   * The side connection, opened on first use and kept. Its opening may take longer than one
   * look's deadline over a slow network, so it is not abandoned when a look gives up; only a
   * failed opening or a query that got no answer drops it.
   */
  private openSide(): Promise<Connection> {
    this.sideOpening ??= connect(this.s.target, { connectTimeoutMs: this.s.connectTimeoutMs || this.s.livenessTimeoutMs || CANCEL_GRACE_MS }).then(
      (c) => (this.side = c),
      (err: unknown) => {
        this.sideOpening = undefined;
        throw err;
      },
    );
    return this.sideOpening;
  }

  /**
   * Run `fn` on the side connection within `deadlineMs`; undefined on any failure or when the
   * deadline passes. Nothing here waits on a dead network: a side connection whose query got no
   * answer is destroyed, not ended, and opened again next time.
   */
  private async onSide<T>(fn: (c: Connection) => Promise<T>, deadlineMs: number): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), deadlineMs);
    });
    let asked: Connection | undefined;
    const work = this.openSide().then((c) => ((asked = c), fn(c)));
    try {
      const r = await Promise.race([work.then((v) => ({ v }), () => 'failed' as const), late]);
      if (typeof r === 'object') return r.v;
      if (asked) this.dropSide(asked);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private dropSide(c: Connection): void {
    destroySocket(c);
    if (this.side === c) {
      this.side = undefined;
      this.sideOpening = undefined;
    }
  }

  /** The job was cancelled: cancel the statement in flight so its transaction rolls back. */
  private async cancel(): Promise<void> {
    if (this.inflight === 0 || this.lostReason) return;
    this.cancelSent = true;
    const sent = await this.onSide((c) => c.query('select pg_cancel_backend($1)', [this.pid]), CANCEL_GRACE_MS);
    if (!sent) {
      this.end('the run was cancelled and the database could not be reached to cancel the statement in flight');
      return;
    }
    // A cancelled statement ends within milliseconds; one that does not is not waited for.
    const deadline = setTimeout(() => {
      if (this.inflight > 0) this.end(`the run was cancelled and the statement in flight did not end within ${CANCEL_GRACE_MS} ms of its cancel`);
    }, CANCEL_GRACE_MS);
    deadline.unref();
  }

  /** Close the session's socket: the statement in flight fails at once with `reason`. */
  private end(reason: string): void {
    if (this.lostReason) return;
    this.lostReason = reason;
    this.s.log.warn(`${reason}: closing the connection`);
    destroySocket(this.conn, Object.assign(new Error(`connection closed by db-migrate-action: ${reason}`), { code: CONNECTION_DEAD }));
  }
}

/**
 * End a guarded session's server process from another connection and wait until it is gone, so
 * that what the ledger says afterwards is final: a backend whose client vanished may still be
 * running the migration, and commit it later. True when the process is gone (or was already);
 * false when it is still there at the deadline (or may not be ended by this role).
 */
export async function endStaleSession(conn: Connection, session: Pick<SessionGuard, 'pid' | 'backendStart'>, deadlineMs: number): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  const params = [session.pid, session.backendStart];
  const which = 'from pg_stat_activity where pid = $1 and backend_start::text = $2';
  await conn.query(`select pg_terminate_backend(pid) ${which}`, params).catch(() => undefined);
  for (;;) {
    const { rows } = await conn.query(`select 1 ${which}`, params);
    if (rows.length === 0) return true;
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
}
