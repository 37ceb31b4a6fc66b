import type { ActionPorts, PipelineLog } from '../ports.js';
import type { ActionRun } from '../run-result.js';
import type { ActionSettings } from '../settings.js';
import { backupPolicy, type BackupPolicy } from './backup-policy.js';

/**
 * What every step of a run is given: the validated settings, the seams to the outside, the log
 * and the run it records into. Steps read top to bottom as a function of this one object.
 */
export interface StepContext {
  readonly settings: ActionSettings;
  readonly ports: ActionPorts;
  readonly log: PipelineLog;
  /** The run so far; each step records what it found here. */
  readonly run: ActionRun;
  /** Record a warning in the run (summary, outputs) and log it as a warning annotation. */
  warn(message: string): void;
  /** Whether `up`/`rollback` back up first, decided once for the run from `backup` and the environment. */
  readonly backup: BackupPolicy;
  /** Aborted when the job is cancelled: steps that would start something new skip it. */
  readonly signal?: AbortSignal;
}

/**
 * The context of one run, the only place one is put together: `warn` records in `run` and logs,
 * and the backup policy is decided here, once.
 */
export function stepContext(settings: ActionSettings, ports: ActionPorts, log: PipelineLog, run: ActionRun, signal?: AbortSignal): StepContext {
  return {
    ...(signal ? { signal } : {}),
    settings,
    ports,
    log,
    run,
    warn: (message) => {
      run.warnings.push(message);
      log.warn(message);
    },
    backup: backupPolicy(settings),
  };
}
