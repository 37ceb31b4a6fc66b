import { duration } from '../text/units.js';
import { ENVIRONMENT_HEADERS, coverageText, environmentRow, firstLine, when, windowText } from './format.js';
import type { HistoryRecord, MigrationReport } from './types.js';

/** Columns padded to their widest cell, two spaces apart; control characters in data become spaces. */
export function textTable(headers: string[], rows: string[][]): string {
  const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  const all = [headers, ...rows].map((r) => r.map(clean));
  const widths = headers.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

/** `db-migrate-action report` for a terminal: the environments laid out as a table you can read down. */
export function renderText(r: MigrationReport): string {
  const out = [`Migration report for ${r.database}`, `Window: ${windowText(r)}`, ''];
  if (!r.historyAvailable) {
    out.push('No history table in this database: nothing has been recorded yet.');
  } else if (r.environments.length === 0) {
    out.push('No runs recorded in this window.');
  } else {
    // Environments as columns: eight figures side by side would not fit a terminal.
    const rows = r.environments.map(environmentRow);
    const transposed = ENVIRONMENT_HEADERS.slice(1).map((h, i) => [h, ...rows.map((row) => row[i + 1])]);
    out.push(textTable(['', ...rows.map((row) => row[0])], transposed).trimEnd());
    const slow = r.environments.flatMap((e) => e.slowest.map((s) => [e.environment, s.version, duration(s.durationMs), s.file ?? '']));
    if (slow.length) out.push('', 'Slowest migrations:', textTable(['ENVIRONMENT', 'VERSION', 'DURATION', 'FILE'], slow).trimEnd());
  }
  const coverage = coverageText(r);
  if (coverage) out.push('', coverage.replace(/`/g, ''));
  return `${out.join('\n')}\n`;
}

/** `db-migrate-action history`: one line per recorded attempt, newest first. */
export function renderHistoryText(rows: readonly HistoryRecord[]): string {
  if (rows.length === 0) return 'No history recorded.\n';
  return textTable(
    ['STARTED', 'ENVIRONMENT', 'VERSION', 'DIRECTION', 'OUTCOME', 'DURATION', 'ACTOR', 'COMMIT', 'RUN / ERROR'],
    rows.map((r) => [
      when(r.startedAt),
      r.environment ?? '-',
      r.version,
      r.direction,
      r.outcome,
      duration(r.durationMs),
      r.actor ?? '-',
      r.gitSha ? r.gitSha.slice(0, 7) : '-',
      [r.error ? `${r.sqlstate ? `${r.sqlstate} ` : ''}${firstLine(r.error, 100)}` : '', r.runUrl ?? ''].filter(Boolean).join(' ') || '-',
    ]),
  );
}
