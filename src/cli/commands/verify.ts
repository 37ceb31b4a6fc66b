import { verdict, verifyMigrations } from '../../safety/verify.js';
import type { DatabaseCommandContext } from './context.js';

/**
 * `db-migrate-action verify`: round-trip every migration on a scratch database (see
 * {@link verifyMigrations}) and print the verdict; `--json` prints the result instead.
 *
 * @returns 0 when every down undoes its up and re-applying gives the same schema, 1 when not;
 *   errors (connection, a failing up or down section) are thrown (the CLI exits 2)
 */
export async function verifyCommand({ opts, config, out }: DatabaseCommandContext): Promise<number> {
  // The config's run context labels the proofs verify records in the target's history table.
  const r = await verifyMigrations(config);
  if (opts.json) {
    out(`${JSON.stringify(r, null, 2)}\n`);
  } else {
    out(verdict(r));
  }
  return r.ok ? 0 : 1;
}
