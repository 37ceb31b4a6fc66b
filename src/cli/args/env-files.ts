/**
 * The env files dbmate loads before parsing (`--env-file`, default `.env`) and the environment they
 * give: process variables win over file values, as with godotenv, and the database URL is read
 * from that environment. Reading the files is the caller's; everything here is pure.
 */
import { MigrationError } from '../../engine/errors.js';
import { parse as parseDotenv } from 'dotenv';
import type { CliOptions } from './options.js';

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
 * The `--env-file` values of a command line, for the pass that must run before `parseArgs`
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
 * in `env`, the process environment merged with the env files ({@link mergeEnv}). Returns `''` when there is none;
 * `parseDatabaseUrl('')` then raises dbmate's `invalid url, have you set your --url flag…`.
 */
export function resolveDatabaseUrl(
  opts: Pick<CliOptions, 'url' | 'env'>,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (opts.url) return opts.url;
  return env[opts.env] ?? '';
}

/** Words that name an environment (the action's `environment` input), not a variable. */
const ENVIRONMENT_WORDS = /^(?:dev|development|staging|stage|prod|production|test|testing|qa|preview|local)$/i;

/**
 * The error when neither `--url` nor the `--env` variable gives a URL: dbmate's message, naming
 * the variable actually asked for (dbmate always says DATABASE_URL). When the `--env` value reads
 * as an environment name (`--env production`), the hint says that `--env` takes a variable and
 * where the environment name goes instead.
 */
export function missingUrlError(opts: Pick<CliOptions, 'env' | 'envFiles' | 'command'>, env: Readonly<Record<string, string | undefined>>): MigrationError {
  const name = opts.env;
  const message = `invalid url, have you set your --url flag or ${name} environment variable?`;
  const where = `${name} is ${env[name] === '' ? 'empty' : 'not set'} in the environment or the env file(s) ${opts.envFiles.join(', ')}`;
  if (name !== 'DATABASE_URL' && (ENVIRONMENT_WORDS.test(name) || /^[a-z][a-z0-9-]*$/.test(name))) {
    const filter = opts.command === 'history' || opts.command === 'report' ? `${opts.command} --environment ${name}` : `history --environment ${name}`;
    return new MigrationError('URL_MISSING', message, {
      hint: `${where}; --env names the variable that holds the database URL, and "${name}" looks like an environment name: to show one environment's runs use \`db-migrate-action ${filter}\`, to reach its database pass --env ${name.toUpperCase().replace(/-/g, '_')}_DATABASE_URL or --url`,
    });
  }
  return new MigrationError('URL_MISSING', message, { hint: `${where}: set it, or pass --url` });
}
