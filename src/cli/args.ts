import { parse as parseDotenv } from 'dotenv';
import { parseGoDuration } from '../engine/duration.js';
import { parseSince, SINCE_FORMAT } from '../metrics/since.js';

/** Re-exported: the CLI's flags and the action's inputs share Go's duration syntax. */
export { parseGoDuration };

/**
 * Command-line parsing for `db-migrate`, following dbmate 2.36 (urfave/cli v2 on Go's `flag`
 * package) so scripts written for dbmate keep working:
 *
 * - global flags come before the command, command flags after it; a flag in the wrong place is
 *   `flag provided but not defined: -x` (so `db-migrate --strict up` fails, as in dbmate);
 * - `-x`, `--x`, `-x=v`, `--x=v` and `--x v` are all accepted; bool flags take no separate value;
 * - flag parsing stops at the first positional argument or at `--` (`dump -- --extra-pg-dump-arg`);
 * - `DBMATE_*` variables apply when the flag is absent; flag > environment > default.
 *
 * Everything here is pure: the caller reads env files and `process.env` and passes them in.
 */

/** Names of the commands, after resolving aliases (`n` → `new`, `down` → `rollback`). */
export type CommandName =
  | 'new'
  | 'up'
  | 'create'
  | 'drop'
  | 'migrate'
  | 'rollback'
  | 'status'
  | 'dump'
  | 'load'
  | 'wait'
  | 'plan'
  | 'lint'
  | 'verify'
  | 'history'
  | 'report';

/** Validated, frozen result of {@link parseArgs} for a command to run. */
export interface CliOptions {
  /** The command to run, aliases resolved (`down` → `rollback`, `n` → `new`). */
  readonly command: CommandName;
  /** Positional arguments after the command and its flags (`new NAME`, `dump -- <pg_dump args>`). */
  readonly args: readonly string[];
  /** `new`: the migration name (first positional), undefined when missing; the command reports dbmate's error. */
  readonly name?: string;
  /** `--url`/`-u`: the database URL; undefined when absent or empty (then {@link env} names the variable). */
  readonly url?: string;
  /** `--env`/`-e`: name of the environment variable holding the URL. Default `DATABASE_URL`. */
  readonly env: string;
  /** `--env-file` (repeatable): env files, loaded in order, missing ones ignored. Default `['.env']`. */
  readonly envFiles: readonly string[];
  /** `--driver`/`DBMATE_DRIVER`: driver to use instead of the URL scheme; undefined = from the scheme. */
  readonly driver?: string;
  /** `--migrations-dir`/`-d` (repeatable, comma-separated)/`DBMATE_MIGRATIONS_DIR`. Default `['./db/migrations']`. */
  readonly migrationsDirs: readonly string[];
  /** `--migrations-table`/`DBMATE_MIGRATIONS_TABLE`: ledger table, optionally `schema.table`. Default `schema_migrations`. */
  readonly migrationsTable: string;
  /** `--schema-file`/`-s`/`DBMATE_SCHEMA_FILE`: where `dump` writes. Default `./db/schema.sql`. */
  readonly schemaFile: string;
  /** `--no-dump-schema`/`DBMATE_NO_DUMP_SCHEMA`: skip the automatic dump after migrate/rollback. */
  readonly noDumpSchema: boolean;
  /** `--wait`/`DBMATE_WAIT`: wait for the database before running the command. */
  readonly wait: boolean;
  /** `--wait-timeout`/`DBMATE_WAIT_TIMEOUT`, ms. Default 60000; `0` also means the default, as in dbmate. */
  readonly waitTimeoutMs: number;
  /** `--wait-interval`/`DBMATE_WAIT_INTERVAL`, ms between connection attempts. Default 1000; `0` means the default. */
  readonly waitIntervalMs: number;
  /** `--history-table`: audit table of every run; `null` when disabled with `--history-table=`. Default `schema_migrations_history`. */
  readonly historyTable: string | null;
  /** `--lock-timeout`: `lock_timeout` for each migration, ms; 0 = none. Default 5000. */
  readonly lockTimeoutMs: number;
  /** `--statement-timeout`: `statement_timeout` for each migration, ms; 0 = none (default). */
  readonly statementTimeoutMs: number;
  /** `--lock-retries`: retries of a migration that hit `lock_timeout`. Default 3. */
  readonly lockRetries: number;
  /** `--lock-wait-timeout`: how long to wait for another run's advisory lock, ms. Default 60000. */
  readonly lockWaitTimeoutMs: number;
  /** `--json`: print a machine-readable result on stdout instead of dbmate's text. */
  readonly json: boolean;
  /** `up`/`migrate`/`plan` `--strict`/`DBMATE_STRICT`: fail when a pending version is not above the applied ones. */
  readonly strict: boolean;
  /** `up`/`migrate`/`rollback` `--verbose`/`-v`/`DBMATE_VERBOSE`: print `Rows affected: N` per statement. */
  readonly verbose: boolean;
  /** `up`/`migrate`/`rollback` `--dry-run`: plan and print, change nothing (not even create the ledger table). */
  readonly dryRun: boolean;
  /** `--steps N`: how many migrations to apply (`up`/`migrate`/`plan`; undefined = all) or roll back (`rollback`; default 1). */
  readonly steps?: number;
  /** `status --exit-code` (or `--quiet`): exit 1 when migrations are pending. */
  readonly exitCode: boolean;
  /** `status --quiet`: print nothing; implies {@link exitCode}. */
  readonly quiet: boolean;
  /** `lint --disable a,b`: rule ids disabled for every file; absent for other commands. */
  readonly disabledRules?: readonly string[];
  /** `history`/`report` `--environment` (alias `--env`): only this environment's runs. */
  readonly environment?: string;
  /** `history --limit N`: at most N rows. Default 50. */
  readonly limit?: number;
  /** `report --since`: the window, as typed (`30d`, `2w`, `12h`, a date, `all`). Default `30d`. */
  readonly since?: string;
  /** `report --markdown`: print GitHub markdown instead of the terminal layout. */
  readonly markdown?: boolean;
  /** `report --html FILE`: also write the self-contained HTML report to FILE. */
  readonly htmlFile?: string;
}

/** What {@link parseArgs} returns: a command to run, or text to print and exit 0. */
export type ParsedArgs = CliOptions | { readonly help: string } | { readonly version: string };

/** Program facts shown by `--version` and `--help`. */
export interface ProgramInfo {
  /** Version printed by `-v`/`--version` (pass package.json's). */
  version?: string;
  /** Program name in help and version text. Default `db-migrate`. */
  name?: string;
}

/**
 * A command line urfave/cli would reject. The message is urfave's wording (e.g.
 * `flag provided but not defined: -strict`); print it with {@link formatUsageError}.
 */
export class CliUsageError extends Error {
  /** 2 for bad flags (dbmate prints help and `Error: …`), 3 for an unknown command (urfave's `No help topic`). */
  readonly exitCode: 2 | 3;
  /** Help of the scope that failed, printed on stdout after `Incorrect Usage: <message>`; absent for exit 3. */
  readonly helpText?: string;
  /** Our addition, printed after the error: what to change. */
  readonly hint?: string;

  /**
   * @param message urfave-style text without `Error: `
   * @param opts exit code (default 2), help text of the failing scope, hint
   */
  constructor(message: string, opts: { exitCode?: 2 | 3; helpText?: string; hint?: string } = {}) {
    super(message);
    this.name = 'CliUsageError';
    this.exitCode = opts.exitCode ?? 2;
    if (opts.helpText !== undefined) this.helpText = opts.helpText;
    if (opts.hint !== undefined) this.hint = opts.hint;
  }
}

/** An env file exists but cannot be read. dbmate exits 3 with `loading env file(s) [a b]: <error>`. */
export class EnvFileError extends Error {
  /** dbmate's exit code for env-file failures. */
  readonly exitCode = 3;

  /**
   * @param message full text without `Error: `
   * @param cause the read error
   */
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'EnvFileError';
  }
}

/**
 * How to print a {@link CliUsageError} the way dbmate does: exit 2 errors put `Incorrect Usage:`
 * and the help on stdout and `Error: <message>` on stderr; exit 3 prints the bare message on stderr.
 */
export function formatUsageError(err: CliUsageError): { stdout: string; stderr: string; exitCode: 2 | 3 } {
  const hint = err.hint !== undefined ? `hint: ${err.hint}\n` : '';
  if (err.exitCode === 3) return { stdout: '', stderr: `${err.message}\n${hint}`, exitCode: 3 };
  const stdout = err.helpText !== undefined ? `Incorrect Usage: ${err.message}\n\n${err.helpText}` : '';
  return { stdout, stderr: `Error: ${err.message}\n${hint}`, exitCode: 2 };
}

/** dbmate's error for `new` without a name; raised by the command, not by parsing. */
export const NEW_NAME_MISSING_MESSAGE = 'please specify a name for the new migration';

// ---------------------------------------------------------------------------------------------
// Flag and command tables

type FlagKind = 'string' | 'bool' | 'slice' | 'duration' | 'count' | 'positive';

interface FlagSpec {
  name: string;
  aliases?: readonly string[];
  kind: FlagKind;
  env?: string;
  usage: string;
  /** Default as text (durations in Go syntax); parsed like a flag value. */
  default?: string;
}

const DURATION_FORMAT = 'a non-negative duration such as 500ms, 30s or 1m0s';

const HELP_FLAG: FlagSpec = { name: 'help', aliases: ['h'], kind: 'bool', usage: 'show help' };

const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'url', aliases: ['u'], kind: 'string', usage: 'specify the database URL' },
  { name: 'driver', kind: 'string', env: 'DBMATE_DRIVER', usage: 'specify the driver to use (instead of deriving from the database URL scheme)' },
  { name: 'env', aliases: ['e'], kind: 'string', default: 'DATABASE_URL', usage: 'specify an environment variable containing the database URL' },
  { name: 'env-file', kind: 'slice', default: '.env', usage: 'specify a file to load environment variables from' },
  {
    name: 'migrations-dir',
    aliases: ['d'],
    kind: 'slice',
    env: 'DBMATE_MIGRATIONS_DIR',
    default: './db/migrations',
    usage: 'specify the directory containing migration files',
  },
  {
    name: 'migrations-table',
    kind: 'string',
    env: 'DBMATE_MIGRATIONS_TABLE',
    default: 'schema_migrations',
    usage: 'specify the database table to record migrations in',
  },
  { name: 'schema-file', aliases: ['s'], kind: 'string', env: 'DBMATE_SCHEMA_FILE', default: './db/schema.sql', usage: 'specify the schema file location' },
  { name: 'no-dump-schema', kind: 'bool', env: 'DBMATE_NO_DUMP_SCHEMA', usage: "don't update the schema file on migrate/rollback" },
  { name: 'wait', kind: 'bool', env: 'DBMATE_WAIT', usage: 'wait for the db to become available before executing the subsequent command' },
  { name: 'wait-timeout', kind: 'duration', env: 'DBMATE_WAIT_TIMEOUT', default: '1m0s', usage: 'timeout for --wait flag' },
  {
    name: 'wait-interval',
    kind: 'duration',
    env: 'DBMATE_WAIT_INTERVAL',
    default: '1s',
    usage: 'time to wait between connection attempts for --wait flag',
  },
  {
    name: 'history-table',
    kind: 'string',
    default: 'schema_migrations_history',
    usage: 'specify the table recording every run (empty disables it)',
  },
  { name: 'lock-timeout', kind: 'duration', default: '5s', usage: 'lock_timeout for each migration (0 disables)' },
  { name: 'statement-timeout', kind: 'duration', default: '0', usage: 'statement_timeout for each migration (0 disables)' },
  { name: 'lock-retries', kind: 'count', default: '3', usage: 'retries of a migration that hit lock_timeout' },
  { name: 'lock-wait-timeout', kind: 'duration', default: '60s', usage: 'how long to wait for a concurrent run to finish' },
  { name: 'json', kind: 'bool', usage: 'print machine-readable JSON' },
  HELP_FLAG,
  { name: 'version', aliases: ['v'], kind: 'bool', usage: 'print the version' },
];

const STRICT: FlagSpec = { name: 'strict', kind: 'bool', env: 'DBMATE_STRICT', usage: 'fail if migrations would be applied out of order' };
const VERBOSE: FlagSpec = {
  name: 'verbose',
  aliases: ['v'],
  kind: 'bool',
  env: 'DBMATE_VERBOSE',
  usage: 'print the result of each statement execution',
};
const DRY_RUN: FlagSpec = { name: 'dry-run', kind: 'bool', usage: 'show what would run, change nothing' };
const STEPS_UP: FlagSpec = { name: 'steps', kind: 'positive', usage: 'apply at most N migrations (default: all)' };
const STEPS_DOWN: FlagSpec = { name: 'steps', kind: 'positive', default: '1', usage: 'roll back N migrations' };

const ENVIRONMENT_FILTER: FlagSpec = {
  name: 'environment',
  aliases: ['env'],
  kind: 'string',
  usage: 'only this environment (development, staging, production, …)',
};
const LOCAL_JSON: FlagSpec = { name: 'json', kind: 'bool', usage: 'print machine-readable JSON' };

interface CommandSpec {
  name: CommandName;
  aliases: readonly string[];
  usage: string;
  argsUsage?: string;
  flags: readonly FlagSpec[];
}

const COMMANDS: readonly CommandSpec[] = [
  { name: 'new', aliases: ['n'], usage: 'Generate a new migration file', argsUsage: 'NAME', flags: [] },
  { name: 'up', aliases: [], usage: 'Create database (if necessary) and migrate to the latest version', flags: [STRICT, VERBOSE, DRY_RUN, STEPS_UP] },
  { name: 'create', aliases: [], usage: 'Create database', flags: [] },
  { name: 'drop', aliases: [], usage: 'Drop database (if it exists)', flags: [] },
  { name: 'migrate', aliases: [], usage: 'Migrate to the latest version', flags: [STRICT, VERBOSE, DRY_RUN, STEPS_UP] },
  { name: 'rollback', aliases: ['down'], usage: 'Rollback the most recent migration', flags: [VERBOSE, DRY_RUN, STEPS_DOWN] },
  {
    name: 'status',
    aliases: [],
    usage: 'List applied and pending migrations',
    flags: [
      { name: 'exit-code', kind: 'bool', usage: 'return 1 if there are pending migrations' },
      { name: 'quiet', kind: 'bool', usage: "don't output any text (implies --exit-code)" },
    ],
  },
  {
    name: 'dump',
    aliases: [],
    usage:
      'Write the database schema to disk.\nSupports passing extra arguments to the underlying dump tool for pg\nexample: db-migrate dump -- --extra-flag',
    argsUsage: '[-- PG_DUMP_ARGS...]',
    flags: [],
  },
  { name: 'load', aliases: [], usage: 'Load schema file to the database', flags: [] },
  { name: 'wait', aliases: [], usage: 'Wait for the database to become available', flags: [] },
  { name: 'plan', aliases: [], usage: 'Show pending migrations and what they would run (changes nothing)', flags: [STRICT, STEPS_UP] },
  {
    name: 'lint',
    aliases: [],
    usage: 'Check migration files for risky statements and parse errors',
    argsUsage: '[FILES...]',
    flags: [
      { ...LOCAL_JSON, usage: 'print the findings as a JSON array' },
      { name: 'disable', kind: 'slice', usage: 'rule ids to disable (comma-separated, repeatable)' },
    ],
  },
  { name: 'verify', aliases: [], usage: 'Apply, roll back and re-apply pending migrations to prove their down blocks', flags: [] },
  {
    name: 'history',
    aliases: [],
    usage: 'Show the audit trail of migration runs, newest first',
    flags: [ENVIRONMENT_FILTER, { name: 'limit', kind: 'positive', default: '50', usage: 'show at most N rows' }, LOCAL_JSON],
  },
  {
    name: 'report',
    aliases: [],
    usage: 'Report per environment: success rate, durations, rollbacks, time to recovery, reversibility',
    flags: [
      ENVIRONMENT_FILTER,
      { name: 'since', kind: 'string', default: '30d', usage: 'window: 30d, 2w, 12h, a date (2026-01-31) or all' },
      LOCAL_JSON,
      { name: 'markdown', kind: 'bool', usage: 'print GitHub markdown' },
      { name: 'html', kind: 'string', usage: 'also write a self-contained HTML report with charts to this file' },
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// Public parsing API

/**
 * Parse `db-migrate` arguments (without `node` and the script path).
 *
 * @param argv user arguments, e.g. `process.argv.slice(2)`
 * @param env the merged environment ({@link mergeEnv} of `process.env` and {@link loadEnvFiles}),
 *   so `.env` files can set `DBMATE_*` variables as they can for dbmate
 * @param info version and program name for `--version`/`--help`
 * @returns frozen {@link CliOptions}, or `{help}`/`{version}` text to print to stdout with exit 0
 * @throws CliUsageError for anything urfave/cli would reject, and for values that do not validate
 */
export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, info: ProgramInfo = {}): ParsedArgs {
  const prog = info.name ?? 'db-migrate';
  const version = info.version ?? '0.0.0-dev';
  const appHelp = (): string => renderAppHelp(prog, version);

  const global = parseScope(argv, GLOBAL_FLAGS, env, appHelp, 'global');
  if (global.flagBool('help')) return Object.freeze({ help: appHelp() });
  if (global.flagBool('version')) return Object.freeze({ version: `${prog} version ${version}` });

  const [commandWord, ...afterCommand] = global.rest;
  // urfave/cli's default action is `help`: no command prints the app help and succeeds.
  if (commandWord === undefined) return Object.freeze({ help: appHelp() });
  if (commandWord === 'help' || commandWord === 'h') {
    const topic = afterCommand[0];
    if (topic === undefined) return Object.freeze({ help: appHelp() });
    const spec = findCommand(topic);
    if (!spec) throw unknownCommand(topic);
    return Object.freeze({ help: renderCommandHelp(prog, spec) });
  }
  const spec = findCommand(commandWord);
  if (!spec) throw unknownCommand(commandWord);

  const cmdHelp = (): string => renderCommandHelp(prog, spec);
  const local = parseScope(afterCommand, [...spec.flags, HELP_FLAG], env, cmdHelp, spec.name);
  if (local.flagBool('help')) return Object.freeze({ help: cmdHelp() });

  const has = (name: string): boolean => spec.flags.some((f) => f.name === name);
  const exitCodeFlag = has('exit-code') && local.value<boolean>('exit-code');
  const quiet = has('quiet') && local.value<boolean>('quiet');
  const steps = has('steps') ? local.value<number | undefined>('steps') : undefined;
  const url = global.value<string | undefined>('url');
  const driver = global.value<string | undefined>('driver');
  const historyTable = global.value<string>('history-table');
  const waitTimeoutMs = global.value<number>('wait-timeout');
  const waitIntervalMs = global.value<number>('wait-interval');

  const options: CliOptions = {
    command: spec.name,
    args: Object.freeze([...local.rest]),
    ...(spec.name === 'new' && local.rest[0] !== undefined && local.rest[0] !== '' ? { name: local.rest[0] } : {}),
    ...(url ? { url } : {}),
    env: global.value<string>('env'),
    envFiles: Object.freeze(global.value<string[]>('env-file')),
    ...(driver ? { driver } : {}),
    migrationsDirs: Object.freeze(global.value<string[]>('migrations-dir')),
    migrationsTable: global.value<string>('migrations-table'),
    schemaFile: global.value<string>('schema-file'),
    noDumpSchema: global.value<boolean>('no-dump-schema'),
    wait: global.value<boolean>('wait'),
    // dbmate's configureDB keeps its default when the timeout is 0; an interval of 0 would spin.
    waitTimeoutMs: waitTimeoutMs === 0 ? 60_000 : waitTimeoutMs,
    waitIntervalMs: waitIntervalMs === 0 ? 1_000 : waitIntervalMs,
    historyTable: historyTable === '' ? null : historyTable,
    lockTimeoutMs: global.value<number>('lock-timeout'),
    statementTimeoutMs: global.value<number>('statement-timeout'),
    lockRetries: global.value<number>('lock-retries'),
    lockWaitTimeoutMs: global.value<number>('lock-wait-timeout'),
    json: global.value<boolean>('json') || (has('json') && local.value<boolean>('json')),
    strict: has('strict') && local.value<boolean>('strict'),
    verbose: has('verbose') && local.value<boolean>('verbose'),
    dryRun: has('dry-run') && local.value<boolean>('dry-run'),
    ...(steps !== undefined ? { steps } : {}),
    exitCode: exitCodeFlag || quiet,
    quiet,
    ...(has('disable') ? { disabledRules: Object.freeze(local.value<string[] | undefined>('disable') ?? []) } : {}),
    ...(has('environment') && local.value<string | undefined>('environment') ? { environment: local.value<string>('environment') } : {}),
    ...(has('limit') ? { limit: local.value<number>('limit') } : {}),
    ...(has('since') ? { since: local.value<string>('since') } : {}),
    ...(has('markdown') ? { markdown: local.value<boolean>('markdown') } : {}),
    ...(has('html') && local.value<string | undefined>('html') ? { htmlFile: local.value<string>('html') } : {}),
  };
  if (options.since !== undefined) {
    try {
      parseSince(options.since);
    } catch {
      throw new CliUsageError(`invalid value "${options.since}" for flag -since: expected ${SINCE_FORMAT}`, { helpText: cmdHelp() });
    }
  }
  if (options.json && options.markdown) {
    throw new CliUsageError('choose one of --json and --markdown', { helpText: cmdHelp(), hint: '--html FILE can be combined with either' });
  }
  return Object.freeze(options);
}

/**
 * The `--env-file` values of a command line, for the pass that must run before {@link parseArgs}
 * (env files can set `DBMATE_*` variables that flag defaults depend on). Like dbmate it scans the
 * whole line; unlike dbmate 2.35 it also understands `--env-file=path`. Default `['.env']`.
 */
export function envFilesFromArgv(argv: readonly string[]): string[] {
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    const m = /^--?env-file(?:=(.*))?$/s.exec(arg);
    if (!m) continue;
    if (m[1] !== undefined) files.push(m[1]);
    else if (i + 1 < argv.length) files.push(argv[++i]);
    // A trailing `--env-file` without value is left for parseArgs to report.
  }
  return files.length > 0 ? files : ['.env'];
}

/**
 * Read env files with `dotenv.parse` (never `dotenv.config`, which writes to `process.env` and logs).
 * Missing files are skipped. When several files set a variable the first file wins, because
 * godotenv never overrides a variable that is already set.
 *
 * @param paths env files in command-line order
 * @param readFile returns the file's text; may throw ENOENT (or return undefined) for a missing file
 * @throws EnvFileError when a file exists but cannot be read (dbmate exits 3)
 */
export function loadEnvFiles(paths: readonly string[], readFile: (path: string) => string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const path of paths) {
    let text: string | undefined;
    try {
      text = readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException)?.code === 'ENOENT') continue;
      throw new EnvFileError(`loading env file(s) [${paths.join(' ')}]: ${(err as Error)?.message ?? String(err)}`, err);
    }
    if (text === undefined) continue;
    for (const [key, value] of Object.entries(parseDotenv(text))) {
      if (!(key in out)) out[key] = value;
    }
  }
  return out;
}

/**
 * The environment dbmate would see after loading env files: variables already in the process
 * environment win (even when empty), env files only fill the gaps.
 */
export function mergeEnv(
  processEnv: Readonly<Record<string, string | undefined>>,
  fileEnv: Readonly<Record<string, string>>,
): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...fileEnv };
  for (const [key, value] of Object.entries(processEnv)) if (value !== undefined) merged[key] = value;
  return merged;
}

/**
 * The database URL to use: `--url` when given and not empty, else the variable named by `--env`
 * from the process environment, else from the env files. Returns `''` when there is none;
 * `parseDatabaseUrl('')` then raises dbmate's `invalid url, have you set your --url flag…`.
 */
export function resolveDatabaseUrl(
  opts: Pick<CliOptions, 'url' | 'env'>,
  env: Readonly<Record<string, string | undefined>>,
  envFileContents: Readonly<Record<string, string>> = {},
): string {
  if (opts.url) return opts.url;
  const fromProcess = env[opts.env];
  if (fromProcess !== undefined) return fromProcess;
  return envFileContents[opts.env] ?? '';
}

/** Go's `strconv.ParseBool`, which urfave/cli uses for bool flags and `DBMATE_*` bool variables. */
export function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Scope parsing (one Go FlagSet: the global flags, or one command's flags)

type FlagValue = string | boolean | number | string[] | undefined;

interface Scope {
  rest: string[];
  flagBool(name: string): boolean;
  value<T extends FlagValue>(name: string): T;
}

function parseScope(
  args: readonly string[],
  specs: readonly FlagSpec[],
  env: Readonly<Record<string, string | undefined>>,
  helpText: () => string,
  scope: string,
): Scope {
  const usage = (message: string, hint?: string): CliUsageError =>
    new CliUsageError(message, { helpText: helpText(), ...(hint !== undefined ? { hint } : {}) });

  // urfave applies DBMATE_* variables while building the flag set, before reading argv, so a bad
  // variable fails even when the flag is also given.
  const fromEnv = new Map<string, FlagValue>();
  for (const spec of specs) {
    if (spec.env === undefined) continue;
    const raw = env[spec.env];
    if (raw === undefined) continue;
    const parsed = envValue(spec, raw);
    if (parsed instanceof Error) throw usage(parsed.message);
    if (parsed !== undefined) fromEnv.set(spec.name, parsed);
  }

  const given = new Map<string, FlagValue>();
  /** Names each flag was given under (`d`, `migrations-dir`): urfave rejects mixing them. */
  const forms = new Map<string, Set<string>>();
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg.length < 2 || arg[0] !== '-') break;
    if (arg === '--') {
      i++;
      break;
    }
    const body = arg.slice(arg[1] === '-' ? 2 : 1);
    if (body === '' || body[0] === '-' || body[0] === '=') throw usage(`bad flag syntax: ${arg}`);
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    const spec = specs.find((f) => f.name === name || f.aliases?.includes(name));
    if (!spec) throw usage(`flag provided but not defined: -${name}`, misplacedHint(name, scope));
    forms.set(spec.name, (forms.get(spec.name) ?? new Set()).add(name));

    if (spec.kind === 'bool') {
      if (inline === undefined) {
        given.set(spec.name, true);
        continue;
      }
      const b = parseGoBool(inline);
      if (b === undefined) throw usage(`invalid boolean value "${inline}" for -${name}: expected true or false (or 1/0, t/f)`);
      given.set(spec.name, b);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= args.length) throw usage(`flag needs an argument: -${name}`);
      value = args[++i];
    }
    const parsed = convert(spec, value);
    if (parsed instanceof Error) throw usage(`invalid value "${value}" for flag -${name}: ${parsed.message}`);
    if (spec.kind === 'slice') {
      const prev = given.get(spec.name) as string[] | undefined;
      given.set(spec.name, [...(prev ?? []), ...(parsed as string[])]);
    } else {
      given.set(spec.name, parsed);
    }
  }

  // urfave/cli v2's normalizeFlags: `-d a --migrations-dir b` is an error, `-d a -d b` is not.
  for (const spec of specs) {
    const used = forms.get(spec.name);
    if (!used || used.size < 2) continue;
    const [first, second] = [spec.name, ...(spec.aliases ?? [])].filter((n) => used.has(n));
    throw usage(`Cannot use two forms of the same flag: ${second} ${first}`);
  }

  const resolve = (name: string): FlagValue => {
    if (given.has(name)) return given.get(name);
    if (fromEnv.has(name)) return fromEnv.get(name);
    const spec = specs.find((f) => f.name === name);
    if (!spec) throw new Error(`internal: flag ${name} is not defined in scope ${scope}`);
    if (spec.kind === 'bool') return false;
    if (spec.default === undefined) return undefined;
    const parsed = convert(spec, spec.default);
    if (parsed instanceof Error) throw parsed;
    return parsed;
  };
  return {
    rest: args.slice(i),
    flagBool: (name) => given.get(name) === true,
    value: <T extends FlagValue>(name: string) => resolve(name) as T,
  };
}

/** A flag value from the command line (or a default) → typed value, or an Error naming the expected format. */
function convert(spec: FlagSpec, value: string): FlagValue | Error {
  switch (spec.kind) {
    case 'string':
      return value;
    case 'slice':
      // env-file is read raw by the pre-pass, so keep it whole; urfave splits other slices on commas.
      return spec.name === 'env-file' ? [value] : value.split(',').map((s) => s.trim());
    case 'duration': {
      let ms: number;
      try {
        ms = parseGoDuration(value);
      } catch {
        return new Error(`expected ${DURATION_FORMAT}`);
      }
      return ms < 0 ? new Error(`expected ${DURATION_FORMAT}`) : ms;
    }
    case 'count':
      return /^\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : new Error('expected a non-negative integer');
    case 'positive':
      return /^\d+$/.test(value) && Number.isSafeInteger(Number(value)) && Number(value) > 0
        ? Number(value)
        : new Error('expected a positive integer');
    default:
      return value;
  }
}

/** A `DBMATE_*` value → typed value; undefined = treat as unset; Error in urfave's wording. */
function envValue(spec: FlagSpec, raw: string): FlagValue | Error {
  const source = `environment variable "${spec.env}"`;
  switch (spec.kind) {
    case 'bool': {
      // urfave: a variable set to "" means false.
      if (raw === '') return false;
      const b = parseGoBool(raw);
      if (b === undefined) {
        return new Error(
          `could not parse "${raw}" as bool value from ${source} for flag ${spec.name}: strconv.ParseBool: parsing "${raw}": invalid syntax (expected true or false)`,
        );
      }
      return b;
    }
    case 'duration': {
      if (raw === '') return undefined;
      let ms: number;
      try {
        ms = parseGoDuration(raw);
      } catch (err) {
        return new Error(`could not parse "${raw}" as duration value from ${source} for flag ${spec.name}: ${(err as Error).message} (expected ${DURATION_FORMAT})`);
      }
      if (ms < 0) return new Error(`could not parse "${raw}" as duration value from ${source} for flag ${spec.name}: expected ${DURATION_FORMAT}`);
      return ms;
    }
    // Deliberate difference: urfave treats an empty string variable as a value; an empty table or
    // directory name is never meant (CI often exports unset inputs as ""), so we treat it as unset.
    case 'slice':
      return raw.trim() === '' ? undefined : raw.split(',').map((s) => s.trim());
    default:
      return raw === '' ? undefined : raw;
  }
}

function misplacedHint(name: string, scope: string): string | undefined {
  const isGlobal = GLOBAL_FLAGS.some((f) => f.name === name || f.aliases?.includes(name));
  if (scope !== 'global' && isGlobal) return `-${name} is a global option: put it before the command`;
  const owners = COMMANDS.filter((c) => c.flags.some((f) => f.name === name || f.aliases?.includes(name))).map((c) => c.name);
  if (owners.length > 0) return `-${name} is an option of ${owners.join(', ')}: put it after the command`;
  return undefined;
}

function findCommand(word: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === word || c.aliases.includes(word));
}

function unknownCommand(word: string): CliUsageError {
  // urfave/cli v2 hands an unknown command to its help action, which answers this and exits 3.
  return new CliUsageError(`No help topic for '${word}'`, { exitCode: 3 });
}

// ---------------------------------------------------------------------------------------------
// Help text, laid out like urfave/cli v2's templates

function flagTitle(f: FlagSpec): string {
  const takesValue = f.kind !== 'bool';
  const one = (n: string): string => `${n.length === 1 ? '-' : '--'}${n}${takesValue ? ' value' : ''}`;
  const names = [f.name, ...(f.aliases ?? [])].map(one).join(', ');
  return f.kind === 'slice' ? `${names} [ ${names} ]` : names;
}

function flagDescription(f: FlagSpec): string {
  let text = f.usage;
  if (f.kind === 'bool' && f.name !== 'help' && f.name !== 'version') text += ' (default: false)';
  else if (f.default !== undefined) text += f.kind === 'string' || f.kind === 'slice' ? ` (default: "${f.default}")` : ` (default: ${f.default})`;
  if (f.env !== undefined) text += ` [$${f.env}]`;
  return text;
}

function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([a]) => a.length)) + 2;
  return rows
    .map(([a, b]) => {
      const [first, ...more] = b.split('\n');
      return [`   ${a.padEnd(width)}${first}`, ...more.map((l) => `   ${''.padEnd(width)}${l}`)].join('\n');
    })
    .join('\n');
}

function renderAppHelp(prog: string, version: string): string {
  const commands: Array<[string, string]> = COMMANDS.map((c) => [[c.name, ...c.aliases].join(', '), c.usage]);
  commands.push(['help, h', 'Shows a list of commands or help for one command']);
  return [
    'NAME:',
    `   ${prog} - Safe, dbmate-compatible PostgreSQL migrations.`,
    '',
    'USAGE:',
    `   ${prog} [global options] command [command options]`,
    '',
    'VERSION:',
    `   ${version}`,
    '',
    'COMMANDS:',
    table(commands),
    '',
    'GLOBAL OPTIONS:',
    table(GLOBAL_FLAGS.map((f) => [flagTitle(f), flagDescription(f)])),
    '',
  ].join('\n');
}

function renderCommandHelp(prog: string, spec: CommandSpec): string {
  const [first, ...more] = spec.usage.split('\n');
  const nameLine = `${prog} ${spec.name}`;
  const indent = ' '.repeat(nameLine.length + 3);
  return [
    'NAME:',
    [`   ${nameLine} - ${first}`, ...more.map((l) => `   ${indent}${l}`)].join('\n'),
    '',
    'USAGE:',
    `   ${prog} ${spec.name} [command options]${spec.argsUsage ? ` ${spec.argsUsage}` : ''}`,
    '',
    'OPTIONS:',
    table([...spec.flags, HELP_FLAG].map((f) => [flagTitle(f), flagDescription(f)])),
    '',
  ].join('\n');
}
