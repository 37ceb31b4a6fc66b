import { editedWarning } from '../../engine/history.js';
import type { StatusResult } from '../../engine/results.js';
import type { MigrationRow } from '../run-result.js';
import type { StepContext } from './context.js';
import { setCurrent } from './record.js';

/**
 * `command: status`: every migration file, applied or pending (or edited since it was applied),
 * and applied versions that have no file. Read-only; the log reads like `dbmate status`.
 */
export async function status(ctx: StepContext): Promise<StatusResult> {
  const { settings: s, ports, log, run, warn } = ctx;
  const st = await ports.migrator.status();
  for (const v of st.edited) warn(editedWarning(st.entries.find((e) => e.version === v)?.displayPath ?? `migration ${v}`));
  if (st.orphans.length) run.notes.push(`Applied versions with no file (ignored, as dbmate does): ${st.orphans.join(', ')}`);
  run.rows = [
    ...st.entries.map((e): MigrationRow => ({
      version: e.version,
      file: e.displayPath,
      status: e.edited ? 'edited' : e.applied ? 'applied' : 'pending',
    })),
    ...st.orphans.map((v): MigrationRow => ({ version: v, file: '', status: 'no-file' })),
  ];
  run.pending = st.entries.filter((e) => !e.applied).map((e) => e.version);
  setCurrent(run, st.currentVersion);
  run.status = s.dryRun ? 'dry-run' : 'success';
  // dbmate's status lines, so the log reads like `dbmate status`.
  for (const e of st.entries) log.info(`[${e.applied ? 'X' : ' '}] ${e.fileName}`);
  log.info(`Applied: ${st.applied}, pending: ${st.pending}`);
  return st;
}
