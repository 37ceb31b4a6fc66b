/**
 * The backup before `up` or `rollback` changes anything, as the action runs it: taken inside the
 * engine's {@link BeforeApply} hook, under the advisory lock, after planning and before the first
 * migration; in a dry run, only whether it would be taken and with which pg_dump. Whether to take
 * one at all is the run's {@link StepContext.backup} policy (`backup-policy.ts`). The archive itself
 * is `src/safety/backup.ts`'s job; this file only carries the policy out, logs and reports.
 */
import { BackupError, type PgDumpSelection } from '../../safety/backup.js';
import { formatPgVersion, type ServerVersion } from '../../engine/pg-tools.js';
import type { BeforeApply, MigrationRef } from '../../engine/results.js';
import { bytes as formatBytes } from '../../text/units.js';
import { abortReason } from '../../engine/cancel.js';
import { errorOf } from '../errors.js';
import type { BackupReport } from '../run-result.js';
import type { StepContext } from './context.js';
import { predictFailure } from './predict.js';
import { setCurrent } from './record.js';

/** What the hook saw, to report a failed backup precisely. */
interface HookState {
  /** The migrations that were about to run when the hook was called. */
  migrations?: MigrationRef[];
  /** The current version then. */
  currentVersion?: string;
  /** Set when the backup failed (the hook then threw {@link BackupError}). */
  failed?: BackupError;
}

/**
 * Run an engine command (`call`) with the backup hook when the run's policy asks for a backup.
 * The engine calls the hook only when there is something to run. A failed backup becomes the
 * run's error with nothing applied, and the result is then undefined; any other failure is rethrown.
 */
export async function withBackup<T>(ctx: StepContext, command: 'up' | 'rollback', call: (beforeApply: BeforeApply | undefined) => Promise<T>): Promise<T | undefined> {
  const { run, log, backup: policy } = ctx;
  const state: HookState = {};
  const hook = policy.take ? backupHook(ctx, state) : undefined;
  try {
    const r = await call(hook);
    run.backup ??= { outcome: 'not-taken', reason: policy.take ? `nothing to ${command === 'up' ? 'apply' : 'roll back'} (${policy.reason})` : policy.reason };
    if (!policy.take) log.info(`No backup: ${policy.reason}`);
    return r;
  } catch (err) {
    if (state.failed === undefined || err !== state.failed) throw err;
    run.status = ctx.signal?.aborted ? 'cancelled' : 'failed';
    if (ctx.signal?.aborted) run.cancelled = abortReason(ctx.signal);
    run.error = errorOf(err);
    setCurrent(run, state.currentVersion);
    const todo = state.migrations ?? [];
    if (command === 'up') {
      run.rows = todo.map((m) => ({ version: m.version, file: m.displayPath, status: 'pending' }));
      run.pending = todo.map((m) => m.version);
    }
    run.notes.push(
      `No migration was ${command === 'up' ? 'applied' : 'rolled back'}: the backup must succeed first (${policy.reason}). ` +
        `The run stopped with the advisory lock held and before the ledger was touched; it would have ${command === 'up' ? 'applied' : 'rolled back'} ${todo.map((m) => m.version).join(', ') || 'nothing'}.`,
    );
    return undefined;
  }
}

/**
 * The engine hook that takes the backup. It records the outcome in the run (`backup`, and
 * `backupPath` once written) and throws a {@link BackupError} on any failure, so the engine stops
 * with nothing applied. The error names the pg_dump and server versions when they are the problem.
 */
function backupHook(ctx: StepContext, state: HookState): BeforeApply {
  const { settings: s, ports, log, run, backup: policy } = ctx;
  const report = (b: BackupReport) => {
    run.backup = b;
    if (b.path) run.backupPath = b.path;
  };
  return async (migrations, info) => {
    state.migrations = migrations;
    if (info.currentVersion !== undefined) state.currentVersion = info.currentVersion;
    const what = info.command === 'up' ? 'migrating' : 'rolling back';
    let server: ServerVersion | undefined;
    let sel: PgDumpSelection | undefined;
    try {
      server = await ports.backup.serverVersion(info.conn);
      sel = await ports.backup.select(server);
      log.info(`Backup (${policy.reason}): pg_dump ${formatPgVersion(sel.version)} (${sel.pgDump}) for a PostgreSQL ${server.text} server, into ${s.backupDir}`);
      const a = await ports.backup.take(sel, info.currentVersion);
      report({
        outcome: 'taken',
        reason: policy.reason,
        pgDump: sel.pgDump,
        pgDumpVersion: formatPgVersion(sel.version),
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
        ...(sel ? { pgDump: sel.pgDump, pgDumpVersion: formatPgVersion(sel.version) } : {}),
        ...(server ? { serverVersion: server.text } : {}),
        dir: s.backupDir,
        error: err instanceof Error ? err.message : String(err),
      });
      throw failed;
    }
  };
}

/**
 * Dry run: whether the real `command` would back up first (before `count` migrations), and with
 * which pg_dump; nothing is written. Records the answer in the run, with a note, or a predicted
 * failure when the real run would fail on the backup. Reads the server version on a connection of its own (a
 * plain `SELECT`: nothing changes); a missing database has none to read.
 */
export async function backupDryRun(ctx: StepContext, command: 'up' | 'rollback', count: number, databaseMissing: boolean): Promise<BackupReport> {
  const { run, log } = ctx;
  const b = await probe(ctx, count, databaseMissing);
  run.backup = b;
  const what = command === 'up' ? 'migrating' : 'rolling back';
  if (b.outcome === 'would-take') {
    const pgDump = b.pgDump ? ` with pg_dump ${b.pgDumpVersion} (${b.pgDump}) for the PostgreSQL ${b.serverVersion} server` : '';
    const m = `A backup would be taken before ${what} (${b.reason})${pgDump}, into ${b.dir}; this dry run took none.`;
    run.notes.push(m);
    log.info(m);
  } else if (b.outcome === 'would-fail') {
    predictFailure(ctx, `${command} would fail before ${what}, with nothing ${command === 'up' ? 'applied' : 'rolled back'}: the backup (${b.reason}) could not be taken: ${b.error}`);
  } else if (count > 0) {
    run.notes.push(`No backup would be taken (${b.reason}).`);
  }
  return b;
}

async function probe(ctx: StepContext, count: number, databaseMissing: boolean): Promise<BackupReport> {
  const { settings: s, ports, backup: policy } = ctx;
  if (!policy.take) return { outcome: 'not-taken', reason: policy.reason };
  if (count === 0) return { outcome: 'not-taken', reason: `nothing to apply (${policy.reason})` };
  if (databaseMissing) return { outcome: 'would-take', reason: `${policy.reason}; pg_dump is chosen once the database exists`, dir: s.backupDir };
  let server: ServerVersion | undefined;
  try {
    server = await ports.backup.probeServerVersion();
    const sel = await ports.backup.select(server);
    return { outcome: 'would-take', reason: policy.reason, pgDump: sel.pgDump, pgDumpVersion: formatPgVersion(sel.version), serverVersion: server.text, dir: s.backupDir };
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
