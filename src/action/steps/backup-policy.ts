import type { ActionSettings } from '../settings.js';

/** Whether the `backup` input asks for a backup in this environment, and why (for the log and the summary). */
export interface BackupPolicy {
  /** Whether `up`/`rollback` back up before changing anything. */
  readonly take: boolean;
  /** The reason, as the log and the summary state it, e.g. `backup: auto, environment production`. */
  readonly reason: string;
}

/**
 * `auto` means production only; `always` and `never` mean what they say. Decided once per run,
 * in `stepContext` (context.ts); a module of its own so the context can hold it without an import cycle.
 */
export function backupPolicy(s: Pick<ActionSettings, 'backup' | 'environment'> & Partial<Pick<ActionSettings, 'command'>>): BackupPolicy {
  // `baseline` never backs up, whatever `backup` says (`always` included): it runs no migration
  // SQL and changes no table of the application, only inserts ledger and history rows, in one
  // transaction that a failure rolls back whole. A wrong baseline is undone by deleting those rows,
  // never by restoring a dump, so a pg_dump of a large production database would cost its full
  // duration and a copy of the data on the runner to protect nothing.
  if (s.command === 'baseline') return { take: false, reason: BASELINE_NO_BACKUP };
  switch (s.backup) {
    case 'never':
      return { take: false, reason: 'backup: never' };
    case 'always':
      return { take: true, reason: 'backup: always' };
    default:
      return s.environment === 'production'
        ? { take: true, reason: 'backup: auto, environment production' }
        : { take: false, reason: `backup: auto takes one in production only, not in ${s.environment}` };
  }
}

/** Why `baseline` takes no backup, as the log and the summary say it. */
export const BASELINE_NO_BACKUP = 'baseline writes only ledger rows, in one transaction, and runs no migration SQL: nothing for a pg_dump to protect';
