/**
 * DESIGN "Pipeline" step 4 as the action runs it: decide whether `up`/`rollback` backs up the
 * database first, and do it inside the engine's {@link BeforeApply} hook, under the advisory lock,
 * after planning and before the first migration. The archive itself is `src/backup.ts`'s job;
 * this file only chooses, logs and reports.
 */
import { BackupError, selectPgDump, takeBackup, type PgDumpSelection } from '../../safety/backup.js';
import { serverVersion, type ServerVersion } from '../../engine/pg-tools.js';
import { closeQuietly, connect } from '../../engine/db.js';
import type { BackupPort } from '../ports.js';
import type { Logger } from '../../engine/logger.js';
import type { BeforeApply, MigrationRef } from '../../engine/results.js';
import type { BackupReport } from '../run-result.js';
import { bytes as formatBytes } from '../../text/units.js';
import type { ActionSettings } from '../settings.js';

/** Real backups of the settings' database into `backup-dir`. */
export function backupPort(s: ActionSettings, log: Logger): BackupPort {
  return {
    serverVersion: (conn) => serverVersion(conn),
    async probeServerVersion() {
      const conn = await connect(s.target);
      try {
        return await serverVersion(conn);
      } finally {
        await closeQuietly(conn);
      }
    },
    select: (server) =>
      selectPgDump({
        ...(s.pgDumpPath !== undefined ? { explicitPath: s.pgDumpPath } : {}),
        serverMajor: server.major,
        serverVersion: server.text,
        logger: log,
      }),
    take: (sel, currentVersion) =>
      takeBackup({
        target: s.target,
        dir: s.backupDir,
        environment: s.environment,
        ...(currentVersion !== undefined ? { currentVersion } : {}),
        pgDump: sel.pgDump,
        pgRestore: sel.pgRestore,
        logger: log,
      }),
  };
}

/** Whether the `backup` input asks for a backup in this environment, and why (for the summary). */
export interface BackupPolicy {
  take: boolean;
  reason: string;
}

/** `auto` means production only; `always` and `never` mean what they say. */
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

/** What the hook saw, for the pipeline to report a failed backup precisely. */
export interface BackupHookState {
  /** The migrations that were about to run when the hook was called. */
  migrations?: MigrationRef[];
  /** The current version then. */
  currentVersion?: string;
  /** Set when the backup failed (the hook then threw {@link BackupError}). */
  failed?: BackupError;
}

/**
 * The engine hook that takes the backup. It records the outcome in `report` (which the caller
 * puts in the run) and throws a {@link BackupError} on any failure, so the engine stops with
 * nothing applied. The error names the pg_dump and server versions when they are the problem.
 */
export function backupHook(s: ActionSettings, port: BackupPort, log: Logger, policy: BackupPolicy, report: (r: BackupReport) => void, state: BackupHookState): BeforeApply {
  return async (migrations, info) => {
    state.migrations = migrations;
    if (info.currentVersion !== undefined) state.currentVersion = info.currentVersion;
    const what = info.command === 'up' ? 'migrating' : 'rolling back';
    let server: ServerVersion | undefined;
    let sel: PgDumpSelection | undefined;
    try {
      server = await port.serverVersion(info.conn);
      sel = await port.select(server);
      log.info(`Backup (${policy.reason}): pg_dump ${fmtVersion(sel.version)} (${sel.pgDump}) for a PostgreSQL ${server.text} server, into ${s.backupDir}`);
      const a = await port.take(sel, info.currentVersion);
      report({
        outcome: 'taken',
        reason: policy.reason,
        pgDump: sel.pgDump,
        pgDumpVersion: fmtVersion(sel.version),
        serverVersion: server.text,
        dir: s.backupDir,
        path: a.path,
        bytes: a.bytes,
        sha256: a.sha256,
        durationMs: a.durationMs,
        entries: a.entries,
        restoreDatabase: a.restoreDatabase,
        restoreCommand: a.restoreCommand,
      });
      log.info(`Backup written and verified (pg_restore --list: ${a.entries} entries): ${a.path} (${formatBytes(a.bytes)}, ${a.durationMs} ms, sha256 ${a.sha256})`);
      log.info(`To restore it into a new database (never done automatically): ${a.restoreCommand}`);
    } catch (err) {
      const cause = err as Error;
      const failed =
        err instanceof BackupError
          ? new BackupError(err.code, `backup before ${what} failed, so nothing was ${info.command === 'up' ? 'applied' : 'rolled back'}: ${err.message}`, {
              ...(err.hint !== undefined ? { hint: err.hint } : {}),
              cause: err,
            })
          : new BackupError('BACKUP_FAILED', `backup before ${what} failed, so nothing was ${info.command === 'up' ? 'applied' : 'rolled back'}: ${cause?.message ?? String(err)}`, {
              hint: 'fix the backup (or set backup: never if you accept the risk) and run again',
              cause: err,
            });
      state.failed = failed;
      report({
        outcome: 'failed',
        reason: policy.reason,
        ...(sel ? { pgDump: sel.pgDump, pgDumpVersion: fmtVersion(sel.version) } : {}),
        ...(server ? { serverVersion: server.text } : {}),
        dir: s.backupDir,
        error: err instanceof Error ? err.message : String(err),
      });
      throw failed;
    }
  };
}

/**
 * Dry run: whether `up` would take a backup and with which pg_dump, without taking it. Reads
 * the server version on a connection of its own (a plain `SELECT`: nothing changes).
 */
export async function backupDryRun(port: BackupPort, s: ActionSettings, policy: BackupPolicy, toApply: number, databaseMissing: boolean): Promise<BackupReport> {
  if (!policy.take) return { outcome: 'not-taken', reason: policy.reason };
  if (toApply === 0) return { outcome: 'not-taken', reason: `nothing to apply (${policy.reason})` };
  if (databaseMissing) return { outcome: 'would-take', reason: `${policy.reason}; pg_dump is chosen once the database exists`, dir: s.backupDir };
  let server: ServerVersion | undefined;
  try {
    server = await port.probeServerVersion();
    const sel = await port.select(server);
    return { outcome: 'would-take', reason: policy.reason, pgDump: sel.pgDump, pgDumpVersion: fmtVersion(sel.version), serverVersion: server.text, dir: s.backupDir };
  } catch (err) {
    const hint = (err as BackupError).hint;
    return {
      outcome: 'would-fail',
      reason: policy.reason,
      ...(server ? { serverVersion: server.text } : {}),
      dir: s.backupDir,
      error: `${(err as Error)?.message ?? String(err)}${hint ? ` (${hint})` : ''}`,
    };
  }
}

/** `15.18`. */
export function fmtVersion(v: readonly [number, number]): string {
  return `${v[0]}.${v[1]}`;
}
