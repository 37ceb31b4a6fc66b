import { connect, closeQuietly, type ConnectOptions } from './db.js';
import { MigrationError } from './errors.js';
import type { DatabaseTarget } from './url.js';
import { sleep } from './sleep.js';

/**
 * dbmate's `wait`: ping until the server answers. A missing database counts as up, because
 * `up` will create it. `onWaiting` is called once before the first retry and `onTick` per retry,
 * so the CLI can print dbmate's `Waiting for database...` line. `connectTimeoutMs` bounds each
 * attempt, so a server that accepts TCP and never answers cannot stall the wait past its timeout.
 */
export async function waitForDatabase(
  target: DatabaseTarget,
  opts: { timeoutMs: number; intervalMs: number; onWaiting?: () => void; onTick?: () => void; onDone?: () => void } & ConnectOptions,
): Promise<void> {
  // Like dbmate: one try, then `timeout / interval` more, a dot before each, so the output
  // does not depend on how long each connection attempt took.
  const ping = async (): Promise<unknown> => {
    try {
      await closeQuietly(await connect(target, { connectTimeoutMs: opts.connectTimeoutMs }));
      return undefined;
    } catch (err) {
      // A missing database means the server is up: `up` will create it.
      return (err as MigrationError).code === 'DATABASE_MISSING' ? undefined : err;
    }
  };
  let err = await ping();
  if (err === undefined) return;
  opts.onWaiting?.();
  for (let waited = 0; waited < opts.timeoutMs; waited += opts.intervalMs) {
    opts.onTick?.();
    await sleep(opts.intervalMs);
    err = await ping();
    if (err === undefined) {
      opts.onDone?.();
      return;
    }
  }
  opts.onDone?.();
  throw new MigrationError('WAIT_TIMEOUT', `unable to connect to database: ${(err as Error).message}`, {
    hint: 'check that the server is running and reachable, or raise --wait-timeout',
    cause: err,
  });
}
