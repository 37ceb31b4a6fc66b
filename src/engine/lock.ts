import { createHash } from 'node:crypto';
import { isConnectionLost, type Connection } from './db.js';
import type { Logger } from './logger.js';
import { MigrationError } from './errors.js';
import { sleep } from './sleep.js';
import { cancelledError } from './cancel.js';

/**
 * Advisory-lock key for one ledger. Derived from the quoted ledger name so two projects with
 * different ledgers in one database do not block each other, while every run on the same ledger does.
 */
export function lockKey(quotedLedger: string): bigint {
  return createHash('sha256').update(`db-migrate:${quotedLedger}`).digest().readBigInt64BE(0);
}


/**
 * Take a session advisory lock, waiting up to `waitMs`. Polls `pg_try_advisory_lock` rather
 * than blocking in `pg_advisory_lock` so the wait is bounded by us, not by statement_timeout,
 * and a cancelled run (`signal`) stops waiting at once.
 */
export async function acquireLock(conn: Connection, key: bigint, waitMs: number, log: Logger, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + waitMs;
  let delay = 25;
  let announced = false;
  for (;;) {
    const { rows } = await conn.query<{ ok: boolean }>('select pg_try_advisory_lock($1::bigint) as ok', [key.toString()]);
    if (rows[0].ok) return;
    const holder = await lockHolder(conn, key);
    if (!announced) {
      log.warn(`Waiting for another migration run to finish (advisory lock held by ${holder}); giving up after ${waitMs} ms`);
      announced = true;
    }
    if (Date.now() >= deadline) {
      throw new MigrationError('LOCK_TIMEOUT', `another migration run holds the migration lock (${holder}); waited ${waitMs} ms`, {
        hint: 'wait for the other run to finish, or raise --lock-wait-timeout / lock-wait-timeout',
      });
    }
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), signal);
    if (signal?.aborted) throw cancelledError(signal, 'the migration lock was free (another run held it); nothing was applied');
    delay = Math.min(delay * 2, 1000);
  }
}

async function lockHolder(conn: Connection, key: bigint): Promise<string> {
  // A bigint key is stored as two 32-bit halves in pg_locks.
  const { rows } = await conn.query<{ pid: number; app: string | null; since: Date | null }>(
    `select l.pid, a.application_name as app, a.backend_start as since
       from pg_locks l left join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted
        and l.classid = (($1::bigint >> 32) & x'ffffffff'::bigint)::bigint::oid
        and l.objid = ($1::bigint & x'ffffffff'::bigint)::oid and l.objsubid = 1
      limit 1`,
    [key.toString()],
  ).catch(() => ({ rows: [] as { pid: number; app: string | null; since: Date | null }[] }));
  const r = rows[0];
  if (!r) return 'another session';
  return `backend pid ${r.pid}${r.app ? ` (${r.app})` : ''}`;
}

/** Release the lock; a failure here only warns, since the session's end releases it anyway. */
export async function releaseLock(conn: Connection, key: bigint, log: Logger): Promise<void> {
  try {
    await conn.query('select pg_advisory_unlock($1::bigint)', [key.toString()]);
  } catch (err) {
    // A lost session has released its advisory locks already; the run's own error says what happened.
    if (isConnectionLost(err)) return;
    log.warn(`could not release the migration lock (it is released when the connection closes): ${(err as Error).message}`);
  }
}
