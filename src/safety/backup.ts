/**
 * Pipeline step 4: a verified `pg_dump -Fc` archive taken before any migration runs.
 *
 * Two halves: {@link selectPgDump} picks a pg_dump that can read the server (its major must be at
 * least the server's, or pg_dump refuses with "server version mismatch"), and {@link takeBackup}
 * writes the archive (mode 0600 from the first byte), checks it with `pg_restore --list` and
 * returns a {@link BackupArtifact}. Nothing here prints or knows about GitHub: callers get data and
 * typed {@link BackupError}s. The password reaches pg_dump through `PGPASSWORD`, never argv, and
 * every spawn is reported through an optional hook so tests can prove it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, chmod, constants, mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import type { Connection } from '../engine/db.js';
import { MigrationError, type MigrationErrorOptions } from '../engine/errors.js';
import type { Logger } from '../engine/logger.js';
import { dumpArgsUrl, dumpEnv, withDatabase, type DatabaseTarget } from '../engine/url.js';
import { redact } from '../engine/redact.js';

/** `[major, minor]`, e.g. `[15, 18]` for 15.18. */
export type PgVersion = [major: number, minor: number];

/**
 * Called before every child process is spawned, with the exact program and argv and the names
 * (never the values) of the variables added to its environment. Lets tests assert that no
 * password is ever visible in `ps`.
 */
export type SpawnHook = (cmd: string, args: readonly string[], envKeys: readonly string[]) => void;

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

/** What {@link serverVersion} reads from the server. */
export interface ServerVersion {
  /** `server_version_num`, e.g. 180004. */
  num: number;
  /** 18 for 18.4 (9 for 9.6: pre-10 majors are not distinguished, pg_dump ≥ 10 reads them all). */
  major: number;
  /** 4 for 18.4. */
  minor: number;
  /** Display form, e.g. `18.4` (distribution suffixes dropped). */
  text: string;
}

/** The server's version, for choosing pg_dump and for messages. */
export async function serverVersion(conn: Connection): Promise<ServerVersion> {
  const { rows } = await conn.query<{ num: string; text: string }>(
    "select current_setting('server_version_num') as num, current_setting('server_version') as text",
  );
  const num = Number(rows[0].num);
  const major = Math.floor(num / 10000);
  const minor = num >= 100000 ? num % 10000 : Math.floor(num / 100) % 100;
  return { num, major, minor, text: rows[0].text.split(/\s/)[0] };
}

/** Options of {@link selectPgDump}. */
export interface SelectPgDumpOptions {
  /** The `pg-dump-path` input: a pg_dump binary (or a directory holding one). Used alone when set. */
  explicitPath?: string;
  /** The server's major version; pg_dump must be at least this. */
  serverMajor: number;
  /** The server's version for messages (`18.4`); default the major alone. */
  serverVersion?: string;
  /**
   * Directories to search, in order of preference on equal versions. Default: the entries of
   * {@link envPath}, then `/usr/lib/postgresql/<N>/bin` (Debian/Ubuntu, PGDG) and `/usr/pgsql-<N>/bin`
   * (RHEL, PGDG), newest first.
   */
  searchDirs?: readonly string[];
  /** The `PATH` to search when `searchDirs` is not given; default `process.env.PATH`. */
  envPath?: string;
  /** Why each candidate was taken or skipped goes to `debug`. */
  logger?: Logger;
  /** See {@link SpawnHook}. */
  onSpawn?: SpawnHook;
}

/** One pg_dump looked at by {@link selectPgDump}. */
export interface PgDumpCandidate {
  /** Path of the pg_dump binary. */
  path: string;
  /** Its version, when `--version` could be read. */
  version?: PgVersion;
  /** Why it was not chosen (absent for the chosen one). */
  rejected?: string;
}

/** The pg_dump/pg_restore pair to use. */
export interface PgDumpSelection {
  /** pg_dump binary. */
  pgDump: string;
  /** pg_restore from the same directory (same version), to verify the archive. */
  pgRestore: string;
  /** pg_dump's version. */
  version: PgVersion;
  /** `explicit` when `pg-dump-path` was used, `search` otherwise. */
  source: 'explicit' | 'search';
  /** Every pg_dump considered, in search order, for the log and the summary. */
  considered: PgDumpCandidate[];
}

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
  const need = opts.serverMajor;
  const server = opts.serverVersion ?? String(need);
  const hint = installHint(need);
  const run = (cmd: string) => readVersion(cmd, opts.onSpawn);

  if (opts.explicitPath !== undefined && opts.explicitPath.trim() !== '') {
    const given = resolve(opts.explicitPath.trim());
    const pgDump = (await isDirectory(given)) ? join(given, 'pg_dump') : given;
    const read = await run(pgDump);
    if ('error' in read) {
      throw new BackupError('BACKUP_PG_DUMP_MISSING', `pg-dump-path ${pgDump} cannot be run: ${read.error}`, {
        hint: `point pg-dump-path at a pg_dump ${need} or newer binary, or leave it empty to search PATH and /usr/lib/postgresql/*/bin; ${hint}`,
      });
    }
    const { version } = read;
    if (version[0] < need) {
      throw new BackupError('BACKUP_PG_DUMP_TOO_OLD', `${tooOld(version, server, need)} (pg-dump-path ${pgDump})`, { hint });
    }
    const pgRestore = await pairedRestore(pgDump, need, opts.onSpawn);
    if (typeof pgRestore !== 'string') throw pgRestore;
    return { pgDump, pgRestore, version, source: 'explicit', considered: [{ path: pgDump, version }] };
  }

  const dirs = opts.searchDirs ?? (await defaultSearchDirs(opts.envPath ?? process.env.PATH ?? ''));
  const considered: PgDumpCandidate[] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    const path = join(resolve(dir), 'pg_dump');
    if (seen.has(path) || !(await isExecutableFile(path))) continue;
    seen.add(path);
    const read = await run(path);
    considered.push('error' in read ? { path, rejected: `cannot run: ${read.error}` } : { path, version: read.version });
  }

  // Newest first; on equal versions keep search order (PATH before the versioned directories).
  const usable = considered
    .filter((c): c is PgDumpCandidate & { version: PgVersion } => c.version !== undefined)
    .sort((a, b) => b.version[0] - a.version[0] || b.version[1] - a.version[1]);
  for (const c of usable) if (c.version[0] < need) c.rejected = `major ${c.version[0]} < server major ${need}`;
  let restoreProblem: BackupError | undefined;
  for (const c of usable) {
    if (c.rejected) continue;
    const pgRestore = await pairedRestore(c.path, need, opts.onSpawn);
    if (typeof pgRestore !== 'string') {
      c.rejected = pgRestore.message;
      restoreProblem ??= pgRestore;
      continue;
    }
    for (const o of considered) if (o !== c) o.rejected ??= `not the newest suitable (${fmt(c.version)} at ${c.path} is)`;
    opts.logger?.debug(`pg_dump: using ${c.path} (${fmt(c.version)}) for a PostgreSQL ${server} server; considered ${describe(considered)}`);
    return { pgDump: c.path, pgRestore, version: c.version, source: 'search', considered };
  }

  opts.logger?.debug(`pg_dump: none suitable for PostgreSQL ${server}; considered ${describe(considered)}`);
  if (restoreProblem) throw restoreProblem;
  const where = opts.searchDirs ? `searched ${dirs.join(', ') || 'no directories'}` : 'searched PATH, /usr/lib/postgresql/*/bin and /usr/pgsql-*/bin';
  const newest = usable[0];
  if (!newest) {
    throw new BackupError(
      'BACKUP_PG_DUMP_MISSING',
      `no pg_dump found to back up a PostgreSQL ${server} server: pg_dump must be version ${need} or newer (${where})`,
      { hint },
    );
  }
  throw new BackupError('BACKUP_PG_DUMP_TOO_OLD', `${tooOld(newest.version, server, need)} (newest found: ${newest.path}; ${where})`, { hint });
}

/** Options of {@link takeBackup}. */
export interface TakeBackupOptions {
  /** The database to back up; its password goes to pg_dump through `PGPASSWORD`. */
  target: DatabaseTarget;
  /** Directory of the archive (`backup-dir`); created with mode 0700 when missing. */
  dir: string;
  /** Environment name, part of the file name. */
  environment: string;
  /** Newest applied version before this run (part of the file name), or undefined for none. */
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
  const secrets = target.password !== undefined ? [target.password] : [];
  const fail = (message: string, cause?: unknown, hint?: string): BackupError =>
    new BackupError('BACKUP_FAILED', redact(message, secrets), {
      hint: hint ?? 'no migration was applied; fix the backup (or set backup: never if you accept the risk) and run again',
      ...(cause !== undefined ? { cause } : {}),
    });

  const now = opts.now ?? new Date();
  const dir = resolve(opts.dir);
  const database = target.database || target.user || 'postgres';
  const stem = [safe(opts.environment, 'env'), safe(database, 'db'), stamp(now), `v${safe(opts.currentVersion ?? 'none', 'none')}`].join('-');

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
    const env = dumpEnv(target);
    const dumpArgs = ['--format=custom', '--no-password', `--file=${path}`, dumpArgsUrl(target)];
    opts.logger?.debug(`backup: ${opts.pgDump} ${redact(dumpArgs.join(' '), secrets)}`);
    const dumped = await runCommand(opts.pgDump, dumpArgs, {
      extraEnv: env,
      baseEnv: opts.baseEnv,
      timeoutMs: opts.timeoutMs,
      onSpawn: opts.onSpawn,
    });
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

// ---------------------------------------------------------------------------------------------

interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  error?: Error;
}

interface CommandOptions {
  extraEnv?: Record<string, string>;
  baseEnv?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  onSpawn?: SpawnHook;
}

/** Run a program without a shell, reporting the exact argv first; never rejects. */
function runCommand(cmd: string, args: string[], opts: CommandOptions = {}): Promise<CommandResult> {
  const extra = opts.extraEnv ?? {};
  opts.onSpawn?.(cmd, [...args], Object.keys(extra));
  return new Promise((res) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(cmd, args, { env: { ...(opts.baseEnv ?? process.env), ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      res({ code: null, signal: null, stdout: '', stderr: '', error: err as Error });
      return;
    }
    // Our own timer rather than spawn's `timeout`, whose timer outlives a child that failed to start.
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs) : undefined;
    timer?.unref();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let spawnError: Error | undefined;
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => (spawnError = e));
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      res({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ...(spawnError ? { error: spawnError } : {}),
      });
    });
  });
}

/** `<tool> --version` → [major, minor], or why it could not be read. */
async function readVersion(cmd: string, onSpawn?: SpawnHook): Promise<{ version: PgVersion } | { error: string }> {
  const r = await runCommand(cmd, ['--version'], { timeoutMs: 10_000, onSpawn });
  // Errors from child_process may come from another realm (jest's vm), so no instanceof here.
  if (r.error) return { error: r.error.message };
  if (r.code !== 0) return { error: `\`${cmd} --version\` exited with code ${r.code}: ${r.stderr.trim()}` };
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(r.stdout) ?? /(\d+)(?:\.(\d+))?/.exec(r.stdout);
  if (!m) return { error: `cannot read a version from \`${cmd} --version\`: ${r.stdout.trim()}` };
  return { version: [Number(m[1]), Number(m[2] ?? 0)] };
}

/** pg_restore next to `pgDump`, checked to run and to read archives of the server's major. */
async function pairedRestore(pgDump: string, need: number, onSpawn?: SpawnHook): Promise<string | BackupError> {
  const pgRestore = join(dirname(pgDump), basename(pgDump).replace(/pg_dump/, 'pg_restore'));
  const read = await readVersion(pgRestore, onSpawn);
  if ('error' in read) {
    return new BackupError('BACKUP_PG_RESTORE_MISSING', `no runnable pg_restore next to ${pgDump} (${pgRestore}: ${read.error}); it is needed to verify the backup`, {
      hint: `install the full PostgreSQL ${need} client (pg_dump and pg_restore come together), or point pg-dump-path at a directory holding both`,
    });
  }
  const { version } = read;
  if (version[0] < need) {
    return new BackupError('BACKUP_PG_RESTORE_MISSING', `pg_restore ${fmt(version)} at ${pgRestore} is older than the server (major ${need}) and cannot verify the backup`, {
      hint: installHint(need),
    });
  }
  return pgRestore;
}

async function defaultSearchDirs(envPath: string): Promise<string[]> {
  const dirs = envPath.split(delimiter).filter((d) => d !== '');
  dirs.push(...(await versionedDirs('/usr/lib/postgresql', /^\d+$/, (n) => join('/usr/lib/postgresql', n, 'bin'))));
  dirs.push(...(await versionedDirs('/usr', /^pgsql-\d+$/, (n) => join('/usr', n, 'bin'))));
  return dirs;
}

/** `<root>/<versioned name>/bin` directories, newest version first. */
async function versionedDirs(root: string, pattern: RegExp, toDir: (name: string) => string): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const num = (n: string): number => Number(/\d+/.exec(n)![0]);
  return names
    .filter((n) => pattern.test(n))
    .sort((a, b) => num(b) - num(a))
    .map(toDir);
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
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
  if (!(await isDirectory(dir))) throw new Error('not a directory');
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

function fmt(v: PgVersion): string {
  return `${v[0]}.${v[1]}`;
}

function describe(cs: PgDumpCandidate[]): string {
  if (cs.length === 0) return 'none';
  return cs.map((c) => `${c.path} ${c.version ? fmt(c.version) : '?'}${c.rejected ? ` (${c.rejected})` : ''}`).join('; ');
}

function tooOld(v: PgVersion, server: string, need: number): string {
  return `pg_dump ${fmt(v)} cannot back up a PostgreSQL ${server} server: pg_dump must be version ${need} or newer`;
}

function installHint(major: number): string {
  return (
    `install the PostgreSQL ${major} client: on Debian/Ubuntu add the PGDG apt repository ` +
    `(sudo apt-get install -y postgresql-common && sudo /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y) ` +
    `then sudo apt-get install -y postgresql-client-${major}; or set pg-dump-path to a pg_dump ${major} or newer`
  );
}
