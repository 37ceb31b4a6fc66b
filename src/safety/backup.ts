/**
 * The backup taken before any migration runs: a verified `pg_dump -Fc` archive.
 *
 * Two halves: {@link selectPgDump} picks a pg_dump that can read the server (its major must be at
 * least the server's, or pg_dump refuses with "server version mismatch"; the search itself is
 * engine/pg-tools.ts's), and {@link takeBackup} writes the archive (mode 0600 from the first
 * byte), checks it with `pg_restore --list` and returns a {@link BackupArtifact}. Nothing here prints or knows about GitHub: callers get data and
 * typed {@link BackupError}s. The password reaches pg_dump through `PGPASSWORD`, never argv, and
 * every spawn is reported through an optional hook so tests can prove it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MigrationError, type MigrationErrorOptions } from '../engine/errors.js';
import type { Logger } from '../engine/logger.js';
import {
  childConnection,
  choosePgDump,
  dumpArgsUrl,
  runCommand,
  type ChoosePgDumpOptions,
  type PgDumpFound,
  type PgDumpRefusal,
  type SpawnHook,
} from '../engine/pg-tools.js';
import { withDatabase, type DatabaseTarget } from '../engine/url.js';
import { abortReason } from '../engine/cancel.js';
import { redact } from '../engine/redact.js';

/** Codes of {@link BackupError}. */
export type BackupErrorCode =
  /** No usable pg_dump: the explicit path cannot be run, or none was found at all. */
  | 'BACKUP_PG_DUMP_MISSING'
  /** pg_dump found, but older than the server's major version. */
  | 'BACKUP_PG_DUMP_TOO_OLD'
  /** pg_dump found, but no runnable pg_restore next to it (needed to verify the archive). */
  | 'BACKUP_PG_RESTORE_MISSING'
  /** Writing or verifying the archive failed; no file is left behind. */
  | 'BACKUP_FAILED';

/** A backup problem. Any of them must stop the run before a migration is applied. */
export class BackupError extends MigrationError {
  declare readonly code: BackupErrorCode;

  /**
   * @param code one of {@link BackupErrorCode}
   * @param message user-facing text, already redacted
   * @param opts hint and cause
   */
  constructor(code: BackupErrorCode, message: string, opts: MigrationErrorOptions = {}) {
    super(code, message, opts);
    this.name = 'BackupError';
  }
}

/** Options of {@link selectPgDump}: those of the chooser, whose policy for a backup is `at-least`. */
export type SelectPgDumpOptions = Omit<ChoosePgDumpOptions, 'policy'>;

/** The pg_dump/pg_restore pair a backup uses: pg_restore (same directory, same version) verifies the archive. */
export type PgDumpSelection = PgDumpFound & { pgRestore: string };

const REFUSAL_CODES: Readonly<Record<PgDumpRefusal['kind'], BackupErrorCode>> = {
  missing: 'BACKUP_PG_DUMP_MISSING',
  version: 'BACKUP_PG_DUMP_TOO_OLD',
  'restore-missing': 'BACKUP_PG_RESTORE_MISSING',
};

/**
 * Choose the pg_dump for a server: the explicit path when given (validated: it runs and its major
 * is at least the server's), else the newest pg_dump found in the search directories whose major
 * is at least the server's. pg_restore is taken from the same directory.
 *
 * Without a suitable pg_dump the run must stop before migrating, so the error names both
 * versions and says how to install the right client.
 *
 * @throws BackupError `BACKUP_PG_DUMP_MISSING`, `BACKUP_PG_DUMP_TOO_OLD`, `BACKUP_PG_RESTORE_MISSING`
 */
export async function selectPgDump(opts: SelectPgDumpOptions): Promise<PgDumpSelection> {
  const choice = await choosePgDump({ ...opts, policy: 'at-least' });
  if ('refusal' in choice) throw new BackupError(REFUSAL_CODES[choice.refusal.kind], choice.refusal.message, { hint: choice.refusal.hint });
  // `at-least` always pairs pg_restore, or refuses.
  return choice.found as PgDumpSelection;
}

/** Options of {@link takeBackup}. */
export interface TakeBackupOptions {
  /** The database to back up; its password goes to pg_dump through `PGPASSWORD`. */
  target: DatabaseTarget;
  /** Directory of the archive (`backup-dir`); created with mode 0700 when missing. */
  dir: string;
  /** Environment name, part of the file name. */
  environment: string;
  /** Newest applied version before this run (part of the file name: `v<version>`, `vinitial` for an empty ledger), or undefined for none. */
  currentVersion?: string;
  /** pg_dump to run (from {@link selectPgDump}). */
  pgDump: string;
  /** pg_restore to verify with (from {@link selectPgDump}). */
  pgRestore: string;
  /** Clock for the file name and the restore database name; default `new Date()`. */
  now?: Date;
  /** Kill pg_dump after this many milliseconds; default no limit. */
  timeoutMs?: number;
  /** Environment the children inherit (before `PGPASSWORD` is added); default `process.env`. */
  baseEnv?: NodeJS.ProcessEnv;
  /** Commands run go to `debug` (redacted). */
  logger?: Logger;
  /** See {@link SpawnHook}. */
  onSpawn?: SpawnHook;
  /** Aborted when the run is cancelled: pg_dump is stopped and the partial archive removed. */
  signal?: AbortSignal;
}

/** A verified backup on disk. */
export interface BackupArtifact {
  /** Absolute path of the `-Fc` archive (mode 0600). */
  path: string;
  /** Archive size in bytes. */
  bytes: number;
  /** Hex SHA-256 of the archive, to check a downloaded copy. */
  sha256: string;
  /** Wall time of dump plus verification. */
  durationMs: number;
  /** Number of TOC entries `pg_restore --list` selects (0 for an empty database). */
  entries: number;
  /** Server version recorded in the archive (`Dumped from database version`). */
  dumpedFrom?: string;
  /** pg_dump version recorded in the archive (`Dumped by pg_dump version`). */
  dumpedBy?: string;
  /** Name of the new database {@link restoreCommand} creates. */
  restoreDatabase: string;
  /**
   * Shell command that restores the archive into a NEW database on the same server, for a
   * human to run (with `PGPASSWORD` set or a password prompt). Contains no password. We never
   * restore automatically.
   */
  restoreCommand: string;
}

/**
 * Back up `target` with `pg_dump -Fc` into `dir` and verify the archive with `pg_restore --list`.
 *
 * The file is created by us (exclusively, mode 0600) before pg_dump opens it, so it is never
 * readable by others, not even while empty. The archive keeps owners and privileges: whether to
 * apply them is a restore-time choice (`pg_restore --no-owner`). On any failure the file is
 * removed and a `BACKUP_FAILED` error carries pg_dump's or pg_restore's stderr, redacted.
 *
 * @throws BackupError `BACKUP_FAILED`
 */
export async function takeBackup(opts: TakeBackupOptions): Promise<BackupArtifact> {
  const started = Date.now();
  const { target } = opts;
  const secrets = target.secrets;
  const fail = (message: string, cause?: unknown, hint?: string): BackupError =>
    new BackupError('BACKUP_FAILED', redact(message, secrets), {
      hint: hint ?? 'no migration was applied; fix the backup (or set backup: never if you accept the risk) and run again',
      ...(cause !== undefined ? { cause } : {}),
    });

  const now = opts.now ?? new Date();
  const dir = resolve(opts.dir);
  const database = target.database || target.user || 'postgres';
  const stem = [safe(opts.environment, 'env'), safe(database, 'db'), stamp(now), `v${safe(opts.currentVersion ?? 'initial', 'initial')}`].join('-');

  try {
    await ensurePrivateDir(dir);
  } catch (err) {
    throw fail(`cannot create backup directory ${dir}: ${(err as Error).message}`, err, 'choose a writable backup-dir');
  }

  let path: string;
  try {
    path = await createPrivateFile(dir, stem);
  } catch (err) {
    throw fail(`cannot create a backup file in ${dir}: ${(err as Error).message}`, err, 'choose a writable backup-dir');
  }

  try {
    // The migration connection's settings and trust, without secrets in argv (private files go at once).
    const child = await childConnection(target);
    const dumpArgs = ['--format=custom', '--no-password', `--file=${path}`, child.url];
    opts.logger?.debug(`backup: ${opts.pgDump} ${redact(dumpArgs.join(' '), secrets)}`);
    const dumped = await runCommand(opts.pgDump, dumpArgs, {
      extraEnv: child.env,
      baseEnv: opts.baseEnv,
      timeoutMs: opts.timeoutMs,
      onSpawn: opts.onSpawn,
      ...(opts.signal ? { signal: opts.signal } : {}),
    }).finally(() => child.cleanup());
    if (opts.signal?.aborted) throw fail(`cancelled by ${abortReason(opts.signal)} while pg_dump ran; the partial archive was removed`, undefined, 'no migration was applied; run again to back up and migrate');
    if (dumped.error) throw fail(`cannot run ${opts.pgDump}: ${dumped.error.message}`, dumped.error);
    if (dumped.code !== 0) {
      const why = dumped.signal ? `was killed by ${dumped.signal}${opts.timeoutMs ? ` (timeout ${opts.timeoutMs} ms)` : ''}` : `exited with code ${dumped.code}`;
      throw fail(`pg_dump of ${target.redacted} ${why}: ${dumped.stderr.trim() || '(no output)'}`);
    }

    // pg_dump truncates the file we created, so the mode stays; check rather than assume.
    const st = await stat(path);
    if ((st.mode & 0o777) !== 0o600) await chmod(path, 0o600);
    if (st.size === 0) throw fail(`pg_dump of ${target.redacted} wrote an empty archive`);

    const verified = await verifyArchive(opts.pgRestore, path, { baseEnv: opts.baseEnv, onSpawn: opts.onSpawn });

    const restoreDatabase = restoreName(database, now);
    return {
      path,
      bytes: st.size,
      sha256: await sha256(path),
      durationMs: Date.now() - started,
      entries: verified.entries,
      ...(verified.dumpedFrom !== undefined ? { dumpedFrom: verified.dumpedFrom } : {}),
      ...(verified.dumpedBy !== undefined ? { dumpedBy: verified.dumpedBy } : {}),
      restoreDatabase,
      restoreCommand: restoreCommand(target, path, restoreDatabase),
    };
  } catch (err) {
    await rm(path, { force: true }).catch(() => undefined);
    throw err instanceof BackupError ? err : fail(`backup failed: ${(err as Error)?.message ?? String(err)}`, err);
  }
}

/** What `pg_restore --list` says about an archive. */
export interface ArchiveInfo {
  /** Selected TOC entries (the non-comment lines). */
  entries: number;
  /** `Dumped from database version`. */
  dumpedFrom?: string;
  /** `Dumped by pg_dump version`. */
  dumpedBy?: string;
}

/**
 * Check that `path` is a custom-format archive pg_restore can read: `pg_restore --list` exits 0
 * and prints the archive header. An empty database gives a valid archive with no entries, so
 * "non-empty" means a readable header here, not a minimum entry count.
 *
 * @throws BackupError `BACKUP_FAILED` saying what is wrong with the archive
 */
export async function verifyArchive(pgRestore: string, path: string, opts: { baseEnv?: NodeJS.ProcessEnv; onSpawn?: SpawnHook } = {}): Promise<ArchiveInfo> {
  const bad = (message: string) => new BackupError('BACKUP_FAILED', message, { hint: VERIFY_HINT });
  const r = await runCommand(pgRestore, ['--list', path], { baseEnv: opts.baseEnv, onSpawn: opts.onSpawn });
  if (r.error) throw bad(`cannot run ${pgRestore} to verify the backup: ${r.error.message}`);
  if (r.code !== 0) throw bad(`pg_restore --list rejected the backup ${path}: ${r.stderr.trim() || `exit code ${r.code}`}`);
  if (!/^;\s+Format: CUSTOM\s*$/m.test(r.stdout) || !/^;\s+TOC Entries: \d+/m.test(r.stdout)) {
    throw bad(`pg_restore --list did not recognise ${path} as a custom-format archive`);
  }
  const header = (label: string): string | undefined => new RegExp(`^;\\s+${label}:\\s*(.+?)\\s*$`, 'm').exec(r.stdout)?.[1];
  const entries = r.stdout.split('\n').filter((l) => l.trim() !== '' && !l.startsWith(';')).length;
  const dumpedFrom = header('Dumped from database version');
  const dumpedBy = header('Dumped by pg_dump version');
  return { entries, ...(dumpedFrom ? { dumpedFrom } : {}), ...(dumpedBy ? { dumpedBy } : {}) };
}

const VERIFY_HINT = 'no migration was applied; the archive pg_dump wrote could not be read back, so it was deleted';

/**
 * The command that restores `path` into a new database `newDb` on the target's server:
 * `createdb` from template0 (what pg_restore expects), then `pg_restore --no-owner` so the
 * restoring user owns everything even when the original roles do not exist. No password: the
 * engineer supplies it by `PGPASSWORD` or at the prompt.
 */
export function restoreCommand(target: DatabaseTarget, path: string, newDb: string): string {
  const maintenance = dumpArgsUrl(withDatabase(target, 'postgres'));
  const into = dumpArgsUrl(withDatabase(target, newDb));
  return [
    ['createdb', `--maintenance-db=${maintenance}`, '--template=template0', newDb],
    ['pg_restore', '--no-owner', `--dbname=${into}`, path],
  ]
    .map((argv) => argv.map(shellQuote).join(' '))
    .join(' && ');
}

/** Create `dir` (and parents) with mode 0700 when missing; an existing directory is left as it is. */
async function ensurePrivateDir(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask; make the directories we created exactly 0700.
  if (created !== undefined) {
    for (let d = dir; d.length >= created.length; d = dirname(d)) {
      await chmod(d, 0o700);
      if (d === created) break;
    }
  }
  if (!(await stat(dir).then((st) => st.isDirectory(), () => false))) throw new Error('not a directory');
}

/**
 * Create `<stem>.dump` (or `<stem>-2.dump`, … when two runs share a second) exclusively with mode
 * 0600: O_EXCL refuses an existing file or symlink, and the mode is set before any data exists.
 */
async function createPrivateFile(dir: string, stem: string): Promise<string> {
  for (let n = 1; ; n++) {
    const path = join(dir, `${stem}${n === 1 ? '' : `-${n}`}.dump`);
    try {
      const fh = await open(path, 'wx', 0o600);
      try {
        await fh.chmod(0o600); // the umask can only remove bits; make it exact
      } finally {
        await fh.close();
      }
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 100) throw err;
    }
  }
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** UTC `YYYYMMDDTHHMMSSZ`: sorts by time and holds no `:` (invalid in artifact names). */
function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/** A file-name component: only `[A-Za-z0-9._]` and single `_` for anything else, no leading dot. */
function safe(text: string, fallback: string): string {
  const s = text
    .replace(/[^A-Za-z0-9._]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 64);
  return s === '' ? fallback : s;
}

/** `<db>_restore_<YYYYMMDDHHMMSS>`, lower-case and within PostgreSQL's 63-byte identifier limit. */
function restoreName(database: string, now: Date): string {
  const suffix = `_restore_${stamp(now).replace(/[TZ]/g, '')}`;
  const base = database.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+/, '') || 'db';
  return `${base.slice(0, 63 - suffix.length)}${suffix}`;
}

/** Quote for a POSIX shell only when needed, so the command stays readable. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
