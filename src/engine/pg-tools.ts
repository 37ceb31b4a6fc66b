/**
 * The one place that finds and runs PostgreSQL's client programs (`pg_dump`, `pg_restore`).
 *
 * A pg_dump refuses a server of a newer major ("server version mismatch"), and a dump by another
 * major differs in its text, so which binary runs matters: {@link choosePgDump} picks one by a
 * {@link PgDumpPolicy}, {@link serverVersion} says what the server is, {@link readVersion} what a
 * binary is, and {@link runCommand} runs it without a shell. {@link childConnection} gives a child
 * the migration connection's settings and trust; the password never reaches argv: it
 * travels in `PGPASSWORD` ({@link dumpEnv}), and every spawn can be reported to a {@link SpawnHook}
 * so tests can prove it.
 */
import { spawn } from 'node:child_process';
import { access, chmod, constants, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import type { Connection } from './db.js';
import { LIBPQ_DUMP_PARAMS, LIBPQ_PARAMS } from './libpq-params.js';
import type { Logger } from './logger.js';
import type { DatabaseTarget } from './url.js';

/** `[major, minor]`, e.g. `[15, 18]` for 15.18. */
export type PgVersion = [major: number, minor: number];

/**
 * Called before every child process is spawned, with the exact program and argv and the names
 * (never the values) of the variables added to its environment. Lets tests assert that no
 * password is ever visible in `ps`.
 */
export type SpawnHook = (cmd: string, args: readonly string[], envKeys: readonly string[]) => void;

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

// --- handing a database to a client program --------------------------------------------------

/**
 * The URL to give pg_dump: dbmate's normalised form (scheme `postgres`, explicit port, socket dirs
 * as `host=`), without `search_path`/`binary_parameters` (pg_dump gets `--schema` args instead),
 * with the libpq keywords the parameter table passes on ({@link LIBPQ_DUMP_PARAMS}), the
 * sslmode in effect (always explicit, so `PGSSLMODE` cannot make pg_dump disagree), and the
 * trust configuration's CA file when it has one ({@link childConnection} adds a private copy when
 * it has none). **Without the password** or `sslpassword`: pass {@link dumpEnv} as env.
 */
export function dumpArgsUrl(target: DatabaseTarget): string {
  const entries = new Map<string, string>();
  const isSocket = target.host.startsWith('/');
  if (isSocket) entries.set('host', target.host);
  const params = paramsOf(target.raw);
  for (const name of new Set(params.keys())) {
    const value = params.get(name) ?? '';
    if (LIBPQ_DUMP_PARAMS.has(name) && value !== '') entries.set(name, value);
  }
  entries.set('sslmode', target.sslmode);
  if (target.trust?.file !== undefined) entries.set('sslrootcert', target.trust.file);
  if (target.homeClientCert !== undefined) {
    entries.set('sslcert', target.homeClientCert.cert);
    entries.set('sslkey', target.homeClientCert.key);
  }
  return buildUrl(target, entries);
}

function buildUrl(target: DatabaseTarget, entries: ReadonlyMap<string, string>): string {
  const query = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, v]) => `${n}=${encodeURIComponent(v)}`);
  const isSocket = target.host.startsWith('/');
  const userinfo = target.user !== undefined ? `${encodeURIComponent(target.user)}@` : '';
  const hostPart = isSocket ? '' : target.host.includes(':') ? `[${target.host}]` : target.host;
  const db = target.database === '' ? '' : `/${encodeURIComponent(target.database)}`;
  return `postgres://${userinfo}${hostPart}:${target.port}${db}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}

/** Environment for pg_dump/psql children: the password travels here, never on the command line. */
export function dumpEnv(target: DatabaseTarget): Record<string, string> {
  return target.password !== undefined ? { PGPASSWORD: target.password } : {};
}

/** How a libpq child (pg_dump) connects to a target: see {@link childConnection}. */
export interface ChildConnection {
  /** The connection URL for argv: no secret in it. */
  url: string;
  /** Variables to add to the child's environment (`PGPASSWORD`, `PGSERVICEFILE`). */
  env: Record<string, string>;
  /** Removes the private files; call once the child has exited. Never throws. */
  cleanup(): Promise<void>;
}

/** The service name of the private service file that carries `sslpassword` to a child. */
const CHILD_SERVICE = 'db_migrate_child';

/**
 * The one way a child process connects to `target` with the migration connection's settings:
 * {@link dumpArgsUrl}, plus private files (a folder of mode 0700, files 0600, under the OS temp
 * dir, removed by `cleanup`) for what cannot travel in argv or libpq 15 cannot read:
 * - the trust configuration's CAs when no file holds them (Node's CAs, or the system's as Node
 *   read them), as `sslrootcert`, so pg_dump trusts exactly what the migration connection trusts;
 * - `sslpassword`, in a service file (`PGSERVICEFILE`, `service=`): libpq has no variable for it.
 * Keywords newer than the child's libpq may be ({@link LibpqParam.envVar}) go in its environment.
 */
export async function childConnection(target: DatabaseTarget): Promise<ChildConnection> {
  const env = dumpEnv(target);
  const entries = new Map(new URLSearchParams(/\?(.*)$/.exec(dumpArgsUrl(target))?.[1] ?? ''));
  // Keywords an older libpq (a pg_dump 15 for a PG 15 server) does not know travel as variables.
  for (const [name, value] of [...entries]) {
    const envVar = LIBPQ_PARAMS.get(name)?.envVar;
    if (envVar === undefined) continue;
    env[envVar] = value;
    entries.delete(name);
  }
  const needsCa = target.trust !== undefined && target.trust.file === undefined;
  if (!needsCa && target.sslPassword === undefined) return { url: buildUrl(target, entries), env, cleanup: async () => undefined };

  const dir = await mkdtemp(join(tmpdir(), 'db-migrate-conn-'));
  const cleanup = () => rm(dir, { recursive: true, force: true }).catch(() => undefined);
  try {
    await chmod(dir, 0o700);
    if (needsCa) {
      const ca = join(dir, 'root.crt');
      await writeFile(ca, target.trust!.pems, { mode: 0o600, flag: 'wx' });
      entries.set('sslrootcert', ca);
    }
    if (target.sslPassword !== undefined) {
      if (/[\r\n]/.test(target.sslPassword)) throw new Error('sslpassword holds a line break, which a libpq service file cannot carry');
      const service = join(dir, 'pg_service.conf');
      await writeFile(service, `[${CHILD_SERVICE}]\nsslpassword=${target.sslPassword}\n`, { mode: 0o600, flag: 'wx' });
      entries.set('service', CHILD_SERVICE);
      env.PGSERVICEFILE = service;
    }
    return { url: buildUrl(target, entries), env, cleanup: async () => void (await cleanup()) };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The query parameters of a URL as written. */
function paramsOf(raw: string): URLSearchParams {
  const q = /\?([^#]*)/.exec(raw.trim());
  return new URLSearchParams(q ? q[1] : '');
}

// --- running a program ------------------------------------------------------------------------

/** What a program run by {@link runCommand} did. */
export interface CommandResult {
  /** Exit code, or null when killed by a signal or never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  error?: Error;
}

/** Options of {@link runCommand}. */
export interface CommandOptions {
  /** Variables added to the environment (the password, as `PGPASSWORD`); only their names reach the hook. */
  extraEnv?: Record<string, string>;
  /** Environment the child inherits before `extraEnv`; default `process.env`. */
  baseEnv?: NodeJS.ProcessEnv;
  /** Kill the child (SIGTERM) after this many milliseconds; default no limit. */
  timeoutMs?: number;
  /** See {@link SpawnHook}. */
  onSpawn?: SpawnHook;
  /** Kill the child (SIGTERM) when this is aborted: a cancelled run leaves no pg_dump behind. */
  signal?: AbortSignal;
}

/** Run a program without a shell, reporting the exact argv first; never rejects. */
export function runCommand(cmd: string, args: string[], opts: CommandOptions = {}): Promise<CommandResult> {
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
    const kill = () => child.kill('SIGTERM');
    if (opts.signal?.aborted) kill();
    else opts.signal?.addEventListener('abort', kill, { once: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let spawnError: Error | undefined;
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => (spawnError = e));
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', kill);
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

/** `pg_dump --version` → [major, minor], or undefined when it cannot be run or read. */
export async function pgDumpVersion(pgDump = 'pg_dump'): Promise<PgVersion | undefined> {
  const read = await readVersion(pgDump);
  return 'version' in read ? read.version : undefined;
}

// --- choosing pg_dump -------------------------------------------------------------------------

/**
 * Which pg_dump majors fit a server. `at-least`: the server's major or newer, paired with the
 * pg_restore beside it (a backup: pg_dump refuses older servers only, and the archive is verified
 * with pg_restore). `same-major`: exactly the server's major, pg_dump alone (a dump compared with
 * a committed one: a dump by another major differs for that reason alone).
 */
export type PgDumpPolicy = 'at-least' | 'same-major';

/** Options of {@link choosePgDump}. */
export interface ChoosePgDumpOptions {
  /** See {@link PgDumpPolicy}. */
  policy: PgDumpPolicy;
  /** The `pg-dump-path` input: a pg_dump binary (or a directory holding one). Used alone when set. */
  explicitPath?: string;
  /** The server's major version. */
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

/** One pg_dump looked at by {@link choosePgDump}. */
export interface PgDumpCandidate {
  /** Path of the pg_dump binary. */
  path: string;
  /** Its version, when `--version` could be read. */
  version?: PgVersion;
  /** Why it was not chosen (absent for the chosen one). */
  rejected?: string;
}

/** The pg_dump {@link choosePgDump} chose. */
export interface PgDumpFound {
  /** pg_dump binary. */
  pgDump: string;
  /** Under `at-least`: pg_restore from the same directory (same version), checked to run. */
  pgRestore?: string;
  /** pg_dump's version. */
  version: PgVersion;
  /** `explicit` when `pg-dump-path` was used, `search` otherwise. */
  source: 'explicit' | 'search';
  /** Every pg_dump considered, in search order, for the log and the summary. */
  considered: PgDumpCandidate[];
}

/**
 * Why no pg_dump was chosen: `missing` (the explicit path cannot be run, or none was found),
 * `version` (found, but of a major the policy refuses), `restore-missing` (`at-least`: no
 * runnable pg_restore of a fitting major beside it). The message names both versions; the hint
 * says how to install the right client.
 */
export interface PgDumpRefusal {
  kind: 'missing' | 'version' | 'restore-missing';
  message: string;
  hint: string;
}

/** The answer of {@link choosePgDump}: data either way, so each caller words its own failure. */
export type PgDumpChoice = { found: PgDumpFound } | { refusal: PgDumpRefusal };

/**
 * Choose the pg_dump for a server: the explicit path when given (validated: it runs and its major
 * fits the policy), else the newest pg_dump found in the search directories whose major fits. On
 * equal versions the search order decides (PATH before the versioned directories).
 */
export async function choosePgDump(opts: ChoosePgDumpOptions): Promise<PgDumpChoice> {
  const need = opts.serverMajor;
  const server = opts.serverVersion ?? String(need);
  const words = WORDS[opts.policy];
  const pairs = opts.policy === 'at-least';
  const run = (cmd: string) => readVersion(cmd, opts.onSpawn);

  if (opts.explicitPath !== undefined && opts.explicitPath.trim() !== '') {
    const given = resolve(opts.explicitPath.trim());
    const pgDump = (await isDirectory(given)) ? join(given, 'pg_dump') : given;
    const read = await run(pgDump);
    if ('error' in read) return { refusal: { kind: 'missing', ...words.unrunnable(pgDump, read.error, need) } };
    const { version } = read;
    if (!words.fits(version, need)) return { refusal: { kind: 'version', ...words.explicitMismatch(pgDump, version, server, need) } };
    const considered = [{ path: pgDump, version }];
    if (!pairs) return { found: { pgDump, version, source: 'explicit', considered } };
    const pgRestore = await pairedRestore(pgDump, need, opts.onSpawn);
    if (typeof pgRestore !== 'string') return { refusal: pgRestore };
    return { found: { pgDump, pgRestore, version, source: 'explicit', considered } };
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

  // Newest first; on equal versions keep search order (the sort is stable).
  const usable = considered
    .filter((c): c is PgDumpCandidate & { version: PgVersion } => c.version !== undefined)
    .sort((a, b) => b.version[0] - a.version[0] || b.version[1] - a.version[1]);
  for (const c of usable) if (!words.fits(c.version, need)) c.rejected = words.rejected(c.version, need);
  let restoreProblem: PgDumpRefusal | undefined;
  for (const c of usable) {
    if (c.rejected) continue;
    let pgRestore: string | undefined;
    if (pairs) {
      const paired = await pairedRestore(c.path, need, opts.onSpawn);
      if (typeof paired !== 'string') {
        c.rejected = paired.message;
        restoreProblem ??= paired;
        continue;
      }
      pgRestore = paired;
    }
    for (const o of considered) if (o !== c) o.rejected ??= `not the newest suitable (${formatPgVersion(c.version)} at ${c.path} is)`;
    opts.logger?.debug(`pg_dump: using ${c.path} (${formatPgVersion(c.version)}) for a PostgreSQL ${server} server; considered ${describe(considered)}`);
    return { found: { pgDump: c.path, ...(pgRestore !== undefined ? { pgRestore } : {}), version: c.version, source: 'search', considered } };
  }

  opts.logger?.debug(`pg_dump: none suitable for PostgreSQL ${server}; considered ${describe(considered)}`);
  if (restoreProblem) return { refusal: restoreProblem };
  const where = opts.searchDirs ? `searched ${dirs.join(', ') || 'no directories'}` : 'searched PATH, /usr/lib/postgresql/*/bin and /usr/pgsql-*/bin';
  const newest = usable[0];
  if (!newest) return { refusal: { kind: 'missing', ...words.noneFound(server, need, where) } };
  return { refusal: { kind: 'version', ...words.noneFits(newest, server, need, where) } };
}

/** How each policy judges a version and words a refusal. */
interface PolicyWords {
  fits(v: PgVersion, need: number): boolean;
  /** Why a candidate of another major was passed over (the debug log, `considered`). */
  rejected(v: PgVersion, need: number): string;
  unrunnable(path: string, error: string, need: number): Omit<PgDumpRefusal, 'kind'>;
  explicitMismatch(path: string, v: PgVersion, server: string, need: number): Omit<PgDumpRefusal, 'kind'>;
  noneFound(server: string, need: number, where: string): Omit<PgDumpRefusal, 'kind'>;
  noneFits(newest: { path: string; version: PgVersion }, server: string, need: number, where: string): Omit<PgDumpRefusal, 'kind'>;
}

const WORDS: Readonly<Record<PgDumpPolicy, PolicyWords>> = {
  'at-least': {
    fits: (v, need) => v[0] >= need,
    rejected: (v, need) => `major ${v[0]} < server major ${need}`,
    unrunnable: (path, error, need) => ({
      message: `pg-dump-path ${path} cannot be run: ${error}`,
      hint: `point pg-dump-path at a pg_dump ${need} or newer binary, or leave it empty to search PATH and /usr/lib/postgresql/*/bin; ${installHint(need)}`,
    }),
    explicitMismatch: (path, v, server, need) => ({ message: `${tooOld(v, server, need)} (pg-dump-path ${path})`, hint: installHint(need) }),
    noneFound: (server, need, where) => ({
      message: `no pg_dump found to back up a PostgreSQL ${server} server: pg_dump must be version ${need} or newer (${where})`,
      hint: installHint(need),
    }),
    noneFits: (newest, server, need, where) => ({
      message: `${tooOld(newest.version, server, need)} (newest found: ${newest.path}; ${where})`,
      hint: installHint(need),
    }),
  },
  'same-major': {
    fits: (v, need) => v[0] === need,
    rejected: (v, need) => `major ${v[0]} is not the server major ${need}`,
    unrunnable: (path, _error, need) => ({ message: `cannot run ${path} to dump the live schema`, hint: sameMajorHint(need) }),
    explicitMismatch: (path, v, _server, need) => ({
      message: `${path} is version ${v[0]} but the server is PostgreSQL ${need}: a dump by another major version would differ from the schema file for that reason alone; use a pg_dump of the server's major version (pg-dump-path)`,
      hint: sameMajorHint(need),
    }),
    noneFound: (server, need, where) => ({
      message: `no pg_dump found to dump the live schema of a PostgreSQL ${server} server: a pg_dump of major version ${need} is needed (${where}); install postgresql-client-${need} or set pg-dump-path`,
      hint: sameMajorHint(need),
    }),
    noneFits: (newest, server, need, where) => ({
      message: `no pg_dump of major version ${need} found to dump the live schema of a PostgreSQL ${server} server (newest found: pg_dump ${formatPgVersion(newest.version)} at ${newest.path}; ${where}): a dump by another major version would differ from the schema file for that reason alone; install postgresql-client-${need} or set pg-dump-path`,
      hint: sameMajorHint(need),
    }),
  },
};

/** pg_restore next to `pgDump`, checked to run and to read archives of the server's major. */
async function pairedRestore(pgDump: string, need: number, onSpawn?: SpawnHook): Promise<string | PgDumpRefusal> {
  const pgRestore = join(dirname(pgDump), basename(pgDump).replace(/pg_dump/, 'pg_restore'));
  const read = await readVersion(pgRestore, onSpawn);
  if ('error' in read) {
    return {
      kind: 'restore-missing',
      message: `no runnable pg_restore next to ${pgDump} (${pgRestore}: ${read.error}); it is needed to verify the backup`,
      hint: `install the full PostgreSQL ${need} client (pg_dump and pg_restore come together), or point pg-dump-path at a directory holding both`,
    };
  }
  const { version } = read;
  if (version[0] < need) {
    return {
      kind: 'restore-missing',
      message: `pg_restore ${formatPgVersion(version)} at ${pgRestore} is older than the server (major ${need}) and cannot verify the backup`,
      hint: installHint(need),
    };
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

/** A tool's version as people write it: `15.18`. */
export function formatPgVersion(v: PgVersion): string {
  return `${v[0]}.${v[1]}`;
}

function describe(cs: PgDumpCandidate[]): string {
  if (cs.length === 0) return 'none';
  return cs.map((c) => `${c.path} ${c.version ? formatPgVersion(c.version) : '?'}${c.rejected ? ` (${c.rejected})` : ''}`).join('; ');
}

function tooOld(v: PgVersion, server: string, need: number): string {
  return `pg_dump ${formatPgVersion(v)} cannot back up a PostgreSQL ${server} server: pg_dump must be version ${need} or newer`;
}

/** The PGDG install commands for the client of `major`. */
function pgdgInstall(major: number): string {
  return (
    `on Debian/Ubuntu add the PGDG apt repository ` +
    `(sudo apt-get install -y postgresql-common && sudo /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y) ` +
    `then sudo apt-get install -y postgresql-client-${major}`
  );
}

function installHint(major: number): string {
  return `install the PostgreSQL ${major} client: ${pgdgInstall(major)}; or set pg-dump-path to a pg_dump ${major} or newer`;
}

function sameMajorHint(major: number): string {
  return `install the PostgreSQL ${major} client: ${pgdgInstall(major)}; or set pg-dump-path to a pg_dump ${major}`;
}
