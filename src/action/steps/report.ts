import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, relative } from 'node:path';
import { collectRecentRuns, collectReport, type HistorySource } from '../../metrics/collect.js';
import { renderHtml } from '../../metrics/html.js';
import { parseSince } from '../../metrics/since.js';
import type { ActionSettings } from '../settings.js';
import type { MigrationReport, RunSummary } from '../../metrics/types.js';
import type { StepContext } from './context.js';

/** How many runs the end of an `up` summary shows. */
export const RECENT_RUNS = 10;

/** How many of the window's runs (newest) the `report` output lists. */
export const OUTPUT_RUNS = 100;

function historySource(s: ActionSettings): HistorySource {
  return { target: s.target, migrationsTable: s.migrationsTable, historyTable: s.historyTable, connectTimeoutMs: s.connectTimeoutMs };
}

/**
 * `command: report`: the history table's reliability figures for the window `report-since`,
 * into the run (the summary renders them as markdown); the HTML file when `report-html` is set,
 * for a later upload step. Read-only; nothing is uploaded from here.
 */
export async function report(ctx: StepContext): Promise<MigrationReport> {
  const { settings: s, log, run } = ctx;
  const figures = await collectReport({
    ...historySource(s),
    since: parseSince(s.reportSince ?? '30d'),
    migrationsDirs: [...s.migrationsDirs],
    cwd: s.workspace,
  });
  // The `report` output carries this: step outputs are capped (1 MB), so only the newest runs go
  // there; the figures cover the whole window, and the HTML file gets every run.
  run.metrics = { ...figures, runs: figures.runs.slice(-OUTPUT_RUNS) };
  for (const e of figures.environments) {
    log.info(`${e.environment}: ${e.runs} run(s), ${e.succeeded} succeeded, ${e.failed} failed`);
  }
  if (!figures.historyAvailable) run.notes.push('This database has no history table yet: nothing has been recorded.');
  if (s.reportHtml) {
    await mkdir(dirname(s.reportHtml), { recursive: true });
    await writeFile(s.reportHtml, renderHtml(figures));
    const rel = relative(s.workspace, s.reportHtml);
    // Inside the workspace the relative path is what an upload-artifact step needs; outside it, the absolute one.
    const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : s.reportHtml;
    log.info(`Wrote the HTML report to ${shown}`);
    run.notes.push(`HTML report written to \`${shown}\`: upload it with actions/upload-artifact to keep it.`);
  }
  run.status = 'success';
  return figures;
}

/**
 * After an `up`, the newest runs of this environment (this one included), for the end of the
 * summary. Best effort: the run's outcome is already decided and must not change because the
 * history could not be read (a database that never answered says so elsewhere).
 */
export async function recentRuns(ctx: StepContext): Promise<RunSummary[] | undefined> {
  const { settings: s, log, run } = ctx;
  if (!s.historyTable) return undefined;
  try {
    run.recentRuns = await collectRecentRuns(historySource(s), s.environment, RECENT_RUNS);
  } catch (err) {
    log.debug(`could not read the recent runs from the history table: ${(err as Error).message}`);
  }
  return run.recentRuns;
}
