import { runOutcomeLabel } from '../engine/vocabulary.js';
import { duration } from '../text/units.js';
import type { Distribution, EnvironmentReport, MigrationReport, RunSummary } from './types.js';

/** A share as a percentage with one decimal; `—` when undefined (no runs). */
export function percent(share: number | null): string {
  return share === null ? '—' : `${(share * 100).toFixed(1)}%`;
}

/** `p50 / p95 / max`. */
export function spread(d: Distribution): string {
  return d.count ? `${duration(d.p50)} / ${duration(d.p95)} / ${duration(d.max)}` : '—';
}

/** `2026-11-25 09:30 UTC`: minutes are enough to find a run, and UTC reads the same on every runner. */
export function when(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** First line of an error, shortened, for a table cell. */
export function firstLine(text: string | null, max = 120): string {
  if (!text) return '';
  const line = text.split('\n', 1)[0].trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The window in words. */
export function windowText(r: Pick<MigrationReport, 'since' | 'generatedAt'>): string {
  return r.since ? `${when(r.since)} → ${when(r.generatedAt)}` : `all history → ${when(r.generatedAt)}`;
}

/** One row per environment: the columns shared by the text and markdown tables. */
export function environmentRow(e: EnvironmentReport): string[] {
  const mttr = e.recovery.recovered ? duration(e.recovery.mttrMs) : '—';
  return [
    e.environment,
    String(e.runs),
    e.runs ? `${percent(e.successRate)} (${e.succeeded}/${e.runs})` : '—',
    spread(e.runDurationMs),
    spread(e.migrationDurationMs),
    e.runs ? `${percent(e.rollbacks.rate)} (${e.rollbacks.automatic} auto, ${e.rollbacks.manual} manual)` : '—',
    e.recovery.openSince ? `${mttr}; failing since ${when(e.recovery.openSince)}` : mttr,
    e.lastRun ? `${runOutcomeLabel(e.lastRun)}, ${when(e.lastRun.finishedAt)}` : '—',
  ];
}

/** Headers of {@link environmentRow}. */
export const ENVIRONMENT_HEADERS = [
  'Environment',
  'Runs',
  'Success rate',
  'Run p50 / p95 / max',
  'Migration p50 / p95 / max',
  'Rollbacks',
  'Time to recovery',
  'Last run',
];

/** What a run did, in a few words: `applied 2`, `rolled back 20240102…`, `failed at 20240103…`. */
export function runChanges(r: RunSummary): string {
  const parts: string[] = [];
  if (r.applied.length) parts.push(`applied ${r.applied.join(', ')}`);
  if (r.rolledBack.length) parts.push(`rolled back ${r.rolledBack.join(', ')}`);
  if (r.failedVersion) parts.push(`failed at ${r.failedVersion}${r.sqlstate ? ` (${r.sqlstate})` : ''}`);
  return parts.join('; ');
}

/** The coverage sentence, or null when the report has no coverage. */
export function coverageText(r: MigrationReport): string | null {
  const c = r.coverage;
  if (!c) return null;
  if (c.migrations === 0) return 'No migration files found.';
  const share = (n: number) => `${n} (${percent(n / c.migrations)})`;
  const parts = [
    `${c.migrations} migration file(s): ${share(c.withDown)} have a down section`,
    `${share(c.verified)} proven by \`verify\``,
    `${share(c.downExercised)} rolled back for real`,
  ];
  let text = `${parts.join(', ')}.`;
  if (c.withoutDown.length) text += ` Without a down section: ${c.withoutDown.join(', ')}.`;
  if (c.unreadable.length) text += ` Could not be parsed: ${c.unreadable.join(', ')}.`;
  return text;
}
