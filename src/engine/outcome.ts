/**
 * What a run of `up` or `rollback` leaves behind, read after its last step: which migrations are
 * applied now (through a fresh connection when the session died), the audit row of a step lost
 * with its connection, and dbmate's schema file when the run succeeded.
 */
import { closeQuietly, isConnectionLost, type Connection } from './db.js';
import { abortReason } from './cancel.js';
import { MigrationError } from './errors.js';
import { endStaleSession, type SessionGuard } from './guard.js';
import { writeSchemaAfter } from './dump.js';
import type { HistoryName } from './history.js';
import { appliedVersions, type LedgerName } from './ledger.js';
import { makePlan, refOf, type MigrationPlan } from './plan.js';
import type { RunResult } from './results.js';
import { recordLostStep, type StepOptions, type StepResult } from './runner.js';
import { reconnect, type SessionSettings } from './session.js';
import type { MigrationFile } from './types.js';

/** What {@link settleRun} reads of the command's configuration. */
export interface SettleSettings extends SessionSettings {
  /** Write the schema file after a successful run. */
  dumpSchema: boolean;
  /** The schema file as configured. */
  schemaFile: string;
  /** pg_dump for the schema file (dbmate's choice: default `pg_dump` on PATH). */
  pgDump?: string;
  /** Resolve a relative schema file against this. */
  cwd?: string;
}

/** A run as its step loop ended. */
export interface RunSoFar {
  command: 'up' | 'rollback';
  /** Every migration file of the project. */
  files: MigrationFile[];
  ledger: LedgerName;
  history: HistoryName | undefined;
  steps: StepResult[];
  /** The failure that stopped the loop, if any. */
  error: Error | undefined;
  /** When the command started (`Date.now()`), for `durationMs`. */
  t0: number;
  /** The settings the steps ran with (the lost step's audit row is written with them). */
  stepOpts: StepOptions;
  /** The session the steps ran on: ended from a fresh connection when it was lost. */
  session?: Pick<SessionGuard, 'pid' | 'backendStart' | 'lostReason'>;
}

/** How long the old session may take to end before the outcome is declared unknown. */
const END_STALE_MS = 10_000;
const END_STALE_WHEN_CANCELLED_MS = 2_000;

/**
 * The {@link RunResult} of a run whose steps are done; never throws for a lost connection or a
 * failed schema dump. After a lost connection nothing is guessed: the old session is ended from a
 * fresh connection and waited for (until then its migration may still commit), then the ledger
 * says what happened, and the last step is reported as that. When that cannot be done, the
 * result says the state is unknown and how to find out.
 */
export async function settleRun(conn: Connection, s: SettleSettings, run: RunSoFar): Promise<RunResult> {
  const { command, files, ledger, history, steps } = run;
  const result: RunResult = { command, steps, error: run.error, pending: [], pendingFiles: [], files: files.map(refOf), durationMs: 0 };
  if (s.signal?.aborted) result.cancelled = abortReason(s.signal);
  const lost = stoppedByLostConnection(run.error);
  const fresh = lost ? await reconnect(s, { quick: run.session?.lostReason !== undefined }) : undefined;
  const db = lost ? fresh : conn;
  const last = steps.at(-1);
  try {
    let unknown: string | undefined;
    if (lost && !fresh) unknown = 'the database could not be reached again';
    else if (lost && fresh && run.session && !(await endStaleSession(fresh, run.session, s.signal?.aborted ? END_STALE_WHEN_CANCELLED_MS : END_STALE_MS).catch(() => false))) {
      unknown = `the old session (server process ${run.session.pid}) could not be ended, and its migration may still commit`;
    }
    const applied = db && !unknown ? await appliedVersions(db, ledger).catch(() => undefined) : undefined;
    if (!unknown && !applied) unknown = 'the ledger could not be read again';
    if (unknown || !applied) {
      result.stateUnknown = true;
      result.unknownReason = unknownAdvice(unknown ?? '', last, run.session);
      // The step's own error would say "nothing of it was applied": not known, so not said.
      result.error = new MigrationError('OUTCOME_UNKNOWN', result.unknownReason, {
        hint: 'once `status` answers, run again: a rerun applies only what the ledger lacks',
        ...(run.error ? { cause: run.error } : {}),
      });
    } else {
      const after = makePlan(files, applied);
      result.pending = after.pending.map((f) => f.version);
      result.pendingFiles = after.pending.map(refOf);
      result.currentVersion = after.highestApplied;
      if (lost && fresh) {
        if (last && committed(last, after)) heardLate(result, last, run.session?.lostReason);
        else await recordLostStep(fresh, last, after, run.stepOpts);
      }
      if (s.dumpSchema && !result.error) {
        Object.assign(result, await writeSchemaAfter(conn, s.target, ledger, { pgDump: s.pgDump, history, schemaFile: s.schemaFile, cwd: s.cwd, log: s.log }, 'the migrations themselves succeeded'));
      }
    }
  } finally {
    await closeQuietly(fresh);
  }
  result.durationMs = Date.now() - run.t0;
  return result;
}

/** Whether a run's failure is the loss of its session (the error, or the driver's error it wraps). */
export function stoppedByLostConnection(error: Error | undefined): boolean {
  return error !== undefined && isConnectionLost((error as { cause?: unknown }).cause ?? error);
}

/** Whether the ledger shows the effect of a step whose answer was lost. */
function committed(step: StepResult, after: MigrationPlan): boolean {
  if (step.outcome !== 'failed' && step.outcome !== 'cancelled') return false;
  const applied = after.files.some((r) => r.file.version === step.version && r.applied);
  return step.direction === 'up' ? applied : !applied;
}

/**
 * The last step committed before its connection was lost (its ledger and history rows committed
 * with it): report it as done, and the run as stopped by the lost connection, not by the step.
 */
function heardLate(result: RunResult, step: StepResult, why: string | undefined): void {
  step.outcome = step.direction === 'up' ? 'applied' : 'rolled-back';
  step.committedUnheard = true;
  delete step.error;
  result.error = new MigrationError(
    'CONNECTION_LOST',
    `the connection was lost${why ? ` (${why})` : ''} after ${step.displayPath} committed: the ledger shows it ${step.direction === 'up' ? 'applied' : 'rolled back'}, but its answer never arrived; the run stopped there`,
    { hint: 'nothing is half-done: run the same command again to continue' },
  );
}

/** What to tell when the outcome cannot be known, and how to find it out. */
function unknownAdvice(why: string, step: StepResult | undefined, session: RunSoFar['session']): string {
  const what = step ? `whether ${step.displayPath} was ${step.direction === 'up' ? 'applied' : 'rolled back'} is unknown` : 'what is applied now is unknown';
  const old = session ? ` The server ends the old session (process ${session.pid}) by itself once its statement is done (idle_session_timeout); until then it holds the migration lock.` : '';
  return (
    `the connection was lost${session?.lostReason ? ` (${session.lostReason})` : ''} and ${why}: ${what}.${old} ` +
    'To find out, run `status` once the database answers (its ledger is the truth: a transactional migration is either applied with its ledger row or not at all)'
  );
}
