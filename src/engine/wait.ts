import { connect, closeQuietly } from './db.js';
import { MigrationError } from './errors.js';
import type { DatabaseTarget } from './url.js';

/**
 * dbmate's `wait`: ping until the server answers. A missing database counts as up, because
 * `up` will create it. `onWaiting` is called once before the first retry and `onTick` per retry,
 * so the CLI can print dbmate's `Waiting for database...` line.
 */
export async function waitForDatabase(
  target: DatabaseTarget,
  opts: { timeoutMs: number; intervalMs: number; onWaiting?: () => void; onTick?: () => void; onDone?: () => void },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let waited = false;
  for (;;) {
    try {
      await closeQuietly(await connect(target));
      if (waited) opts.onDone?.();
      return;
    } catch (err) {
      if ((err as MigrationError).code === 'DATABASE_MISSING') {
        if (waited) opts.onDone?.();
        return;
      }
      if (!waited) {
        opts.onWaiting?.();
        waited = true;
      }
      if (Date.now() + opts.intervalMs > deadline) {
        opts.onDone?.();
        throw new MigrationError('WAIT_TIMEOUT', `unable to connect to database: ${(err as Error).message}`, {
          hint: 'check that the server is running and reachable, or raise --wait-timeout',
          cause: err,
        });
      }
      opts.onTick?.();
      await new Promise((r) => setTimeout(r, opts.intervalMs));
    }
  }
}
