import { verdict } from '../../safety/verify.js';
import { verifyMigrations } from '../../safety/verify.js';
import { migratorConfig } from '../real-ports.js';
import type { VerifyReport } from '../run-result.js';
import type { StepContext } from './context.js';

/**
 * `command: verify`: run {@link verifyMigrations} on a scratch database on the same server (never
 * the configured database) and record the verdict: status `success` when every down undoes its
 * up, `failed` (error naming the bad down) otherwise. Errors of the run itself (a failing
 * section, no permission to create the scratch database) are thrown and fail the run as usual.
 */
export async function verify(ctx: StepContext): Promise<VerifyReport> {
  const { log, run } = ctx;
  const r = await verifyMigrations(migratorConfig(ctx.settings, log));
  const text = verdict(r);
  for (const line of text.replace(/\n$/, '').split('\n')) log.info(line);
  run.verify = {
    ok: r.ok,
    migrations: r.migrations,
    scratchDatabase: r.scratchDatabase,
    ...(r.firstBadDown ? { firstBadDown: r.firstBadDown } : {}),
    verdict: text,
  };
  if (r.ok) {
    run.status = 'success';
    return run.verify;
  }
  run.status = 'failed';
  const first = text.split('\n')[0];
  run.error = {
    message: first,
    details: text.replace(/\s+$/, ''),
    code: 'VERIFY_FAILED',
    ...(r.firstBadDown ? { file: r.firstBadDown.file, version: r.firstBadDown.version } : {}),
    hint: 'make the down section undo exactly what the up section does',
  };
  return run.verify;
}
