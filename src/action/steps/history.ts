import { isRunOutcome } from '../../engine/vocabulary.js';
import type { StepContext } from './context.js';

/**
 * After an `up` or `rollback` that ran: its status and its one duration (`run.durationMs`, taken
 * when the outcome was decided) onto the history rows it wrote, so the report, the HTML page and
 * the next runs' summaries show this run as its outputs did. Best effort: the outcome is decided
 * and must not change because the rows could not be updated (debug log only). A dry run writes
 * nothing, and neither does a cancelled job: nothing new starts after a cancel.
 */
export async function recordRunOutcome(ctx: StepContext): Promise<void> {
  const { settings: s, ports, log, run, signal } = ctx;
  if (s.dryRun || (s.command !== 'up' && s.command !== 'rollback') || !s.historyTable || signal?.aborted) return;
  // `nothing-to-do` ran no step, so wrote no row.
  if (!isRunOutcome(run.status) || !ports.migrator.recordRunOutcome) return;
  try {
    const rows = await ports.migrator.recordRunOutcome({ status: run.status, durationMs: run.durationMs });
    log.debug(`recorded the run's outcome (${run.status}, ${run.durationMs} ms) on its ${rows} history row(s)`);
  } catch (err) {
    log.debug(`could not record the run's outcome in the history table: ${(err as Error).message}`);
  }
}
