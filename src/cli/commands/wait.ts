import { waitForDatabase } from '../../engine/wait.js';
import type { DatabaseTarget } from '../../engine/url.js';
import type { CliOptions } from '../args/options.js';
import type { DatabaseCommandContext, Out } from './context.js';
import { connectTimeoutMs } from '../context.js';

/**
 * Wait until the database answers, printing dbmate's `Waiting for database` and one `.` per
 * attempt; for `--wait` before any command as well as for `wait` itself.
 *
 * @throws dbmate's `unable to connect to database: …` when `--wait-timeout` passes
 */
export async function waitForTarget(opts: CliOptions, target: DatabaseTarget, out: Out): Promise<void> {
  await waitForDatabase(target, {
    timeoutMs: opts.waitTimeoutMs,
    intervalMs: opts.waitIntervalMs,
    connectTimeoutMs: connectTimeoutMs(opts, target),
    onWaiting: () => out('Waiting for database'),
    onTick: () => out('.'),
    onDone: () => out('\n'),
  });
}

/** `wait`: wait for the database (see {@link waitForTarget}) and do nothing else. */
export async function waitCommand({ opts, target, out }: DatabaseCommandContext): Promise<number> {
  await waitForTarget(opts, target, out);
  return 0;
}
