/**
 * The words for how things ended, in one place: the action's `status` output, the outcome of a
 * recorded run as reports show it, the outcome of one step (one migration's up or down) as the
 * engine reports it and the history table records it, and the status of one file in a run's
 * table. Outputs, history rows, reports, the HTML page and job summaries all take their outcome
 * words from here (`__tests__/outcome-vocabulary.test.ts` checks it), so one run is never
 * `rolled-back` in one place and `failed`, `rolled_back` or `rollback` in another.
 */

/**
 * Values of the action's `status` output, a public contract: workflows test them, so none is
 * ever renamed. `cancelled`: the job was cancelled (SIGINT/SIGTERM) and the run stopped early;
 * see `docs/RELIABILITY.md`.
 */
export const RUN_STATUSES = ['success', 'failed', 'rolled-back', 'dry-run', 'nothing-to-do', 'cancelled'] as const;

/** A value of the `status` output. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * How a run that recorded history ended: the statuses of runs that ran a migration (a dry run and
 * a run with nothing to do record nothing). `rolled-back`: a migration or a health check failed
 * and the automatic rollback undid every migration the run had applied; `failed` covers a
 * rollback that stopped early. A deliberate `rollback` has no word of its own: it is a run of kind
 * `rollback` that ended `success` (or `failed`, `cancelled`).
 */
export const RUN_OUTCOMES = ['success', 'failed', 'rolled-back', 'cancelled'] as const satisfies readonly RunStatus[];

/** A value of {@link RUN_OUTCOMES}. */
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** What a recorded run did: `up` (its automatic rollback included), or a deliberate `rollback`. */
export const RUN_KINDS = ['up', 'rollback'] as const;

/** A value of {@link RUN_KINDS}. */
export type RunKind = (typeof RUN_KINDS)[number];

/**
 * History rows that are not steps of a run: `verify`'s proofs (`verified`) and `baseline`'s
 * records (`baselined`: nothing ran). Reports leave them out of runs, durations and success rates.
 */
export const NOT_RUN_STEP_OUTCOMES = ['verified', 'baselined'] as const satisfies readonly StepOutcome[];

/** Whether a stored outcome is one of {@link NOT_RUN_STEP_OUTCOMES}. */
export function isNotRunOutcome(stored: string): boolean {
  return (NOT_RUN_STEP_OUTCOMES as readonly string[]).includes(stored);
}

/** Whether a status is one a recorded run can end with (and so one its history rows may carry). */
export function isRunOutcome(status: unknown): status is RunOutcome {
  return (RUN_OUTCOMES as readonly unknown[]).includes(status);
}

/**
 * Outcome of one step: `applied` (an up section), `rolled-back` (a down section), `failed`,
 * `cancelled` (the job was cancelled while it ran and its statement was cancelled: nothing of a
 * transactional section remains), `verified` (only in the history table: `verify` proved on a
 * scratch database that this file's down section undoes its up; nothing ran on this database) and
 * `baselined` (only in the history table: `baseline` recorded the version as applied without
 * running its SQL, because the database already had its schema).
 */
export const STEP_OUTCOMES = ['applied', 'failed', 'rolled-back', 'verified', 'cancelled', 'baselined'] as const;

/** A value of {@link STEP_OUTCOMES}. */
export type StepOutcome = (typeof STEP_OUTCOMES)[number];

/** Outcomes of a step the engine ran on this database: all of {@link STEP_OUTCOMES} but `verified` and `baselined`. */
export const RAN_STEP_OUTCOMES = ['applied', 'rolled-back', 'failed', 'cancelled'] as const satisfies readonly StepOutcome[];

/** A value of {@link RAN_STEP_OUTCOMES}: the outcome of an engine step (`StepResult`). */
export type RanStepOutcome = (typeof RAN_STEP_OUTCOMES)[number];

/**
 * Words older versions wrote into the history table, with the word each means now. Their rows
 * keep them (an audit trail is never rewritten), the table's check constraint keeps accepting
 * them (an older version of the tool may still be writing), and every reader turns them into the
 * current word.
 */
export const LEGACY_STEP_OUTCOMES: Readonly<Record<string, StepOutcome>> = Object.freeze({ rolled_back: 'rolled-back' });

/** Every word the history table's `outcome` column may hold: the current ones, then the legacy ones. */
export const STORED_STEP_OUTCOMES: readonly string[] = Object.freeze([...STEP_OUTCOMES, ...Object.keys(LEGACY_STEP_OUTCOMES)]);

/**
 * A stored outcome in the current word (`rolled_back` → `rolled-back`). A word this version does
 * not know (written by a newer one) is kept as it is rather than guessed at.
 */
export function stepOutcome(stored: string): StepOutcome {
  return LEGACY_STEP_OUTCOMES[stored] ?? (stored as StepOutcome);
}

/** The stored spellings of a step outcome (the word and its legacy forms), for SQL that matches on the column. */
export function storedSpellings(outcome: StepOutcome): string[] {
  return [outcome, ...Object.keys(LEGACY_STEP_OUTCOMES).filter((w) => LEGACY_STEP_OUTCOMES[w] === outcome)];
}

/**
 * Status of one migration file in a run's table (the summary's rows, the `report` output's
 * `rows`): the step outcomes of the migrations the run ran, then the words of plans and `status`.
 * - `applied`: `up` applied it in this run; in `status`, it is in the ledger;
 * - `rolled-back`: `rollback` (or the automatic rollback) undid it in this run;
 * - `failed`: its SQL failed, and the run stopped there;
 * - `cancelled`: the job was cancelled while it ran (a transactional one left nothing);
 * - `rollback-failed`: the automatic rollback ran its down section, which failed: it is still applied;
 * - `unknown`: its connection was lost and what happened to it could not be established (see the run's error);
 * - `pending`: not in the ledger, and not touched by this run;
 * - `would-apply` / `would-roll-back`: dry run, what `up` / `rollback` would do to it;
 * - `edited`: applied, but the file changed since (its checksum differs from the history table's);
 * - `no-file`: in the ledger, with no file (dbmate ignores such versions);
 * - `baselined` / `would-baseline`: `baseline` recorded it as applied without running its SQL
 *   (dry run: would), as its history row says.
 */
export const ROW_STATUSES = [
  ...RAN_STEP_OUTCOMES,
  'baselined',
  'would-baseline',
  'rollback-failed',
  'unknown',
  'pending',
  'would-apply',
  'would-roll-back',
  'edited',
  'no-file',
] as const;

/** A value of {@link ROW_STATUSES}. */
export type RowStatus = (typeof ROW_STATUSES)[number];

/** A run outcome in words for people (a table cell, a tooltip, a sentence). */
export const RUN_OUTCOME_LABELS: Readonly<Record<RunOutcome, string>> = Object.freeze({
  success: 'success',
  failed: 'failed',
  'rolled-back': 'rolled back',
  cancelled: 'cancelled',
});

/**
 * A run's outcome in words, naming the kind when it was a deliberate rollback: `success`,
 * `rolled back`, `success (rollback)`, `failed (rollback)`.
 */
export function runOutcomeLabel(run: { outcome: RunOutcome; kind: RunKind }): string {
  const words = RUN_OUTCOME_LABELS[run.outcome];
  return run.kind === 'rollback' ? `${words} (rollback)` : words;
}
