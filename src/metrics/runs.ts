import { isNotRunOutcome, type RunKind, type RunOutcome } from '../engine/vocabulary.js';
import { runKey, UNSPECIFIED_ENVIRONMENT } from './history-read.js';
import type { HistoryRecord, RunSummary } from './types.js';

/**
 * Group audit rows into runs (one invocation of the tool for one environment), oldest first.
 * `verified` rows (proofs written by `verify`) and `baselined` rows (`baseline` recorded versions
 * without running them) are not runs, and are left out.
 */
export function groupRuns(rows: readonly HistoryRecord[]): RunSummary[] {
  const groups = new Map<string, HistoryRecord[]>();
  for (const r of [...rows].sort((a, b) => a.id - b.id)) {
    if (isNotRunOutcome(r.outcome)) continue;
    const key = `${runKey(r)}\u0000${r.environment ?? ''}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map(summarise).sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime() || a.key.localeCompare(b.key));
}

/** Whether a run counts as a success for the success rate and for recovery: `success`, deliberate rollbacks included. */
export function isSuccess(outcome: RunOutcome): boolean {
  return outcome === 'success';
}

function summarise(rows: HistoryRecord[]): RunSummary {
  const first = rows[0];
  const startedAt = new Date(Math.min(...rows.map((r) => r.startedAt.getTime())));
  const finishedAt = new Date(Math.max(...rows.map((r) => r.finishedAt.getTime())));
  const applied = rows.filter((r) => r.direction === 'up' && r.outcome === 'applied').map((r) => r.version);
  const rolledBack = rows.filter((r) => r.direction === 'down' && r.outcome === 'rolled-back').map((r) => r.version);
  const failed = rows.find((r) => r.outcome === 'failed');
  const withError = rows.find((r) => r.error !== null);
  const kind: RunKind = rows.some((r) => r.direction === 'up') ? 'up' : 'rollback';
  // What the run itself reported, once it ended; the rows of older versions and of the CLI do not carry it.
  const reported = rows.find((r) => r.runStatus !== null)?.runStatus;
  const measured = rows.find((r) => r.runDurationMs !== null)?.runDurationMs;
  return {
    key: runKey(first),
    environment: first.environment ?? UNSPECIFIED_ENVIRONMENT,
    startedAt,
    finishedAt,
    durationMs: measured ?? finishedAt.getTime() - startedAt.getTime(),
    kind,
    outcome: reported ?? derivedOutcome(rows, kind, applied, rolledBack),
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

/**
 * How a run ended, from its rows alone, by the rule the action's `status` follows
 * (`action/steps/auto-rollback.ts`): a step cancelled by the job's cancel makes it `cancelled`; an
 * automatic rollback that undid every migration the run applied, with no down section failing,
 * makes it `rolled-back`, whatever failed first (a migration, or a health check, which leaves no
 * row); any other failure (a first migration that failed with nothing to undo, a rollback that
 * stopped early or whose down failed) makes it `failed`. What rows cannot show (a health check
 * that failed with `rollback-on-failure: false`, a cancel between two migrations) only the
 * recorded status tells.
 */
function derivedOutcome(rows: readonly HistoryRecord[], kind: RunKind, applied: readonly string[], rolledBack: readonly string[]): RunOutcome {
  if (rows.some((r) => r.outcome === 'cancelled')) return 'cancelled';
  const failed = rows.some((r) => r.outcome === 'failed');
  // A deliberate rollback's down rows are its work, not an automatic rollback.
  if (kind === 'rollback' || rolledBack.length === 0) return failed ? 'failed' : 'success';
  const undone = new Set(rolledBack);
  const downFailed = rows.some((r) => r.direction === 'down' && r.outcome === 'failed');
  return !downFailed && applied.every((v) => undone.has(v)) ? 'rolled-back' : 'failed';
}
