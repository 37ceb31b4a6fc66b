/**
 * What a run of `up` or `rollback` leaves behind, read after its last step: which migrations are
 * applied now (through a fresh connection when the session died), the audit row of a step lost
 * with its connection, and dbmate's schema file when the run succeeded.
 */
import { closeQuietly, isConnectionLost, type Connection } from './db.js';
import { writeSchema } from './dump.js';
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
}

/** The {@link RunResult} of a run whose steps are done; never throws for a lost connection or a failed schema dump. */
export async function settleRun(conn: Connection, s: SettleSettings, run: RunSoFar): Promise<RunResult> {
  const { command, files, ledger, history, steps, error } = run;
  const result: RunResult = { command, steps, error, pending: [], pendingFiles: [], files: files.map(refOf), durationMs: 0 };
  // A killed backend takes the session with it: look at the outcome through a fresh connection.
  const lost = error !== undefined && isConnectionLost((error as { cause?: unknown }).cause ?? error);
  const fresh = lost ? await reconnect(s) : undefined;
  const db = lost ? fresh : conn;
  try {
    let after: MigrationPlan | undefined;
    const applied = db ? await appliedVersions(db, ledger).catch(() => undefined) : undefined;
    if (applied) after = makePlan(files, applied);
    if (!db || !after) {
      result.stateUnknown = true;
      s.log.warn('the connection was lost and could not be re-opened: run `status` to see what is applied');
    } else {
      result.pending = after.pending.map((f) => f.version);
      result.pendingFiles = after.pending.map(refOf);
      result.currentVersion = after.highestApplied;
      if (lost && fresh) await recordLostStep(fresh, steps.at(-1), after, run.stepOpts);
    }
    if (after && s.dumpSchema && !error) {
      try {
        await writeSchema(conn, s.target, ledger, { pgDump: s.pgDump, history, schemaFile: s.schemaFile, cwd: s.cwd, log: s.log });
        result.schemaFile = s.schemaFile;
      } catch (err) {
        result.dumpError = err as Error;
        s.log.warn(`schema dump failed (the migrations themselves succeeded): ${(err as Error).message}`);
      }
    }
  } finally {
    await closeQuietly(fresh);
  }
  result.durationMs = Date.now() - run.t0;
  return result;
}
