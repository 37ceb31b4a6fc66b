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
export function backupPolicy(s: Pick<ActionSettings, 'backup' | 'environment'>): BackupPolicy {
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
