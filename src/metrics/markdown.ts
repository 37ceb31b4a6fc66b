import { runOutcomeLabel, type RunOutcome } from '../engine/vocabulary.js';
import { duration } from '../text/units.js';
import { cell, code, escapeHtml } from '../text/markdown.js';
import { ENVIRONMENT_HEADERS, coverageText, environmentRow, firstLine, runChanges, when, windowText } from './format.js';
import type { MigrationReport, RunSummary } from './types.js';

/** Each outcome's mark, as the job summary's title marks the run's `status` (↩️: rolled back). */
export const OUTCOME_ICONS: Readonly<Record<RunOutcome, string>> = { success: '✅', failed: '❌', 'rolled-back': '↩️', cancelled: '⏹️' };

/** A markdown table; every cell escaped (errors and names are data, never markup). */
function table(headers: string[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.map((c) => cell(escapeHtml(c))).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)];
}

/**
 * The report as GitHub markdown (job summary, `report --markdown`): per environment the runs,
 * success rate, durations, rollbacks and time to recovery; the slowest migrations; coverage.
 */
export function renderMarkdown(r: MigrationReport): string {
  const out = ['## Database migration report', '', `Database ${code(r.database)} · ${windowText(r)}`, ''];
  if (!r.historyAvailable) {
    out.push('No history table in this database yet: nothing has been recorded. Runs of `up` and `rollback` record their history there.', '');
  } else if (r.environments.length === 0) {
    out.push('No runs recorded in this window.', '');
  } else {
    out.push(...table(ENVIRONMENT_HEADERS, r.environments.map(environmentRow)), '');
    const open = r.environments.filter((e) => e.recovery.openSince);
    for (const e of open) {
      out.push(`> **${escapeHtml(e.environment)}** has been failing since ${when(e.recovery.openSince!)}: no successful run since then.`, '');
    }
    const slow = r.environments.flatMap((e) => e.slowest.map((s) => ({ env: e.environment, ...s })));
    if (slow.length) {
      out.push(
        '### Slowest migrations',
        '',
        ...table(
          ['Environment', 'Version', 'File', 'Duration', 'When'],
          slow.map((s) => [s.env, s.version, s.file ?? '', duration(s.durationMs), when(s.startedAt)]),
        ),
        '',
      );
    }
  }
  const coverage = coverageText(r);
  if (coverage) out.push('### Reversibility', '', escapeHtml(coverage), '');
  out.push(
    '<sub>Success rate: runs that ended `success` (deliberate rollbacks that worked included). Durations: p50 / p95 / max, nearest rank. ' +
      'Time to recovery: mean time from the end of a failed run to the end of the next successful run in that environment.</sub>',
  );
  return `${out.join('\n')}\n`;
}

/** Options of {@link renderRecentRuns}. */
export interface RecentRunsOptions {
  /** An error the page already shows (this run's): a run that recorded it lists no error of its own here. */
  shownAbove?: string;
}

/**
 * The newest runs as a markdown table (newest first), for the end of every `up` job summary; the
 * errors of failed runs follow it as a list, one short line each (in a table cell, an error's
 * file path alone widens the table past GitHub's column).
 */
export function renderRecentRuns(runs: readonly RunSummary[], title: string, opts: RecentRunsOptions = {}): string {
  if (runs.length === 0) return `### ${title}\n\nNo runs recorded yet.\n`;
  const newest = [...runs].sort((a, b) => b.finishedAt.getTime() - a.finishedAt.getTime());
  const rows = newest.map((r) => [when(r.startedAt), `${OUTCOME_ICONS[r.outcome]} ${runOutcomeLabel(r)}`, duration(r.durationMs), runChanges(r), r.actor ?? '', r.gitSha ? r.gitSha.slice(0, 7) : '']);
  // The run link is markup of our own; added after escaping the data cells.
  const lines = table(['Started', 'Outcome', 'Duration', 'Changes', 'Actor', 'Commit'], rows);
  const links = newest.map((r) => (r.runUrl && /^https?:\/\//.test(r.runUrl) ? ` [run](${r.runUrl}) |` : ' |'));
  const withLinks = [`${lines[0]} Run |`, `${lines[1]}---|`, ...lines.slice(2).map((l, i) => `${l}${links[i]}`)];
  const shown = opts.shownAbove?.trim();
  const errors = newest
    .filter((r) => r.error && r.error.trim() !== shown)
    // The failing file is the Changes column's version: the error's own `file:line:column: ` prefix is left out.
    .map((r) => `- ${when(r.startedAt)}: ${code(firstLine(r.error!.replace(/^\S+\.sql(?::\d+){0,2}: /, ''), 120))}`);
  const list = errors.length ? `\nErrors of the failed runs (first line):\n\n${errors.join('\n')}\n` : '';
  return `### ${title}\n\n${withLinks.join('\n')}\n${list}`;
}
