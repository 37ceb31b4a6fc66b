import { runKey, UNSPECIFIED_ENVIRONMENT } from './history-read.js';
import type { HistoryRecord, RunOutcome, RunSummary } from './types.js';

/**
 * Group audit rows into runs (one invocation of the tool for one environment), oldest first.
 * `verified` rows are proofs written by `verify`, not runs, and are left out.
 */
export function groupRuns(rows: readonly HistoryRecord[]): RunSummary[] {
  const groups = new Map<string, HistoryRecord[]>();
  for (const r of [...rows].sort((a, b) => a.id - b.id)) {
    if (r.outcome === 'verified') continue;
    const key = `${runKey(r)}\u0000${r.environment ?? ''}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map(summarise).sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime() || a.key.localeCompare(b.key));
}

/** Whether a run counts as a success for the success rate and for recovery. */
export function isSuccess(outcome: RunOutcome): boolean {
  return outcome === 'success' || outcome === 'rollback';
}

function summarise(rows: HistoryRecord[]): RunSummary {
  const first = rows[0];
  const startedAt = new Date(Math.min(...rows.map((r) => r.startedAt.getTime())));
  const finishedAt = new Date(Math.max(...rows.map((r) => r.finishedAt.getTime())));
  const applied = rows.filter((r) => r.direction === 'up' && r.outcome === 'applied').map((r) => r.version);
  const rolledBack = rows.filter((r) => r.direction === 'down' && r.outcome === 'rolled_back').map((r) => r.version);
  const failed = rows.find((r) => r.outcome === 'failed');
  // A job cancelled mid-run: not a failure of its migrations, not a success either.
  const cancelled = rows.find((r) => r.outcome === 'cancelled');
  const withError = rows.find((r) => r.error !== null);
  const hasUp = rows.some((r) => r.direction === 'up');
  return {
    key: runKey(first),
    environment: first.environment ?? UNSPECIFIED_ENVIRONMENT,
    startedAt,
    finishedAt,
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    kind: hasUp ? 'up' : 'rollback',
    outcome: failed ? 'failed' : cancelled ? 'cancelled' : !hasUp ? 'rollback' : rolledBack.length > 0 ? 'rolled-back' : 'success',
    applied,
    rolledBack,
    failedVersion: failed?.version ?? null,
    error: failed?.error ?? withError?.error ?? null,
    sqlstate: failed?.sqlstate ?? null,
    actor: first.actor,
    gitSha: first.gitSha,
    runUrl: first.runUrl,
  };
}
