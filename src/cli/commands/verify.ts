import type { CliOptions } from '../args/options.js';
import type { MigratorConfig } from '../../engine/migrator.js';
import { verdict, verifyMigrations } from '../../safety/verify.js';

/**
 * `db-migrate verify`: round-trip every migration on a scratch database (see
 * {@link verifyMigrations}) and print the verdict; `--json` prints the result instead.
 *
 * @returns 0 when every down undoes its up and re-applying gives the same schema, 1 when not;
 *   errors (connection, a failing up or down section) are thrown (the CLI exits 2)
 */
export async function verifyCommand(opts: CliOptions, cfg: MigratorConfig, out: (s: string) => void): Promise<number> {
  const r = await verifyMigrations(cfg);
  if (opts.json) {
    out(`${JSON.stringify(r, null, 2)}\n`);
  } else {
    out(verdict(r));
  }
  return r.ok ? 0 : 1;
}
