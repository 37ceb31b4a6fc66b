import { editedWarning } from '../../engine/history.js';
import type { DatabaseCommandContext } from './context.js';

/**
 * `status`: dbmate's `[X]`/`[ ]` list and counts byte for byte (anything extra, such as edited-file
 * warnings, goes to stderr); `--json` prints the status instead; `--quiet` prints nothing.
 *
 * @returns 1 under `--exit-code`/`--quiet` when migrations are pending, else 0
 */
export async function statusCommand({ opts, migrator, out, log }: DatabaseCommandContext): Promise<number> {
  const s = await migrator.status();
  if (opts.json) {
    out(`${JSON.stringify(s, null, 2)}\n`);
  } else if (!opts.quiet) {
    out(s.entries.map((e) => `${e.applied ? '[X]' : '[ ]'} ${e.fileName}\n`).join('') + `\nApplied: ${s.applied}\nPending: ${s.pending}\n`);
  }
  if (!opts.quiet) {
    for (const v of s.edited) {
      const e = s.entries.find((x) => x.version === v);
      log.warn(editedWarning(e?.fileName ?? v));
    }
  }
  return (opts.exitCode || opts.quiet) && s.pending > 0 ? 1 : 0;
}
