import type { CliOptions } from './args.js';
import type { MigratorConfig } from '../engine/migrator.js';
import { verifyMigrations, type VerifyResult } from '../verify.js';

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

/** The human verdict: one line when everything round-trips, the first bad down with its diff otherwise. */
export function verdict(r: VerifyResult): string {
  if (r.ok) {
    return `Verify OK: ${r.migrations} migration(s) applied, rolled back and re-applied; every down undoes its up\n${recorded(r)}`;
  }
  if (r.firstBadDown) {
    return (
      `Verify FAILED: the down section of ${r.firstBadDown.file} (version ${r.firstBadDown.version}) does not undo its up.\n` +
      `Schema before its up (-) vs after its down (+):\n${r.firstBadDown.diff}${r.firstBadDown.diff.endsWith('\n') ? '' : '\n'}${recorded(r)}`
    );
  }
  const bad = r.steps.find((s) => !s.ok);
  const what =
    bad?.phase === 'empty'
      ? 'after rolling back every migration the schema is not the initial one'
      : 're-applying every migration after the full rollback gave a different schema';
  return `Verify FAILED: ${what}.\n${bad?.diff ?? ''}`;
}

/** Where the proofs went, so `report` can count them; nothing when none were recorded. */
function recorded(r: VerifyResult): string {
  return r.historyRecorded > 0 ? `Recorded ${r.historyRecorded} verified down section(s) in the history table\n` : '';
}
