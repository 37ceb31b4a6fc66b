import { describe, expect, it } from '@jest/globals';
import { parseGoDuration } from '../src/engine/duration.js';
import { EnvFileError, envFilesFromArgv, loadEnvFiles, mergeEnv, resolveDatabaseUrl } from '../src/cli/args/env-files.js';
import type { CliOptions } from '../src/cli/args/options.js';
import { parseArgs, parseGoBool, type ParsedArgs } from '../src/cli/args/parse.js';
import { CliUsageError, formatUsageError } from '../src/cli/args/usage-error.js';
import { NEW_NAME_MISSING_MESSAGE } from '../src/cli/commands/new.js';
import { connectTimeoutMs } from '../src/cli/context.js';
import { DURATION_FORMAT } from '../src/cli/args/flags.js';
import { parseDatabaseUrl } from '../src/engine/url.js';

type Env = Record<string, string | undefined>;

function opts(argv: string[], env: Env = {}): CliOptions {
  const r: ParsedArgs = parseArgs(argv, env, { version: '1.2.3' });
  if (!('command' in r)) throw new Error(`expected options, got ${JSON.stringify(r)}`);
  return r;
}

function usageError(argv: string[], env: Env = {}): CliUsageError {
  try {
    parseArgs(argv, env, { version: '1.2.3' });
  } catch (err) {
    expect(err).toBeInstanceOf(CliUsageError);
    return err as CliUsageError;
  }
  throw new Error('expected a CliUsageError');
}

describe('defaults', () => {
  it('match dbmate’s and ours', () => {
    const o = opts(['up']);
    expect(o).toEqual({
      command: 'up',
      args: [],
      env: 'DATABASE_URL',
      envFiles: ['.env'],
      migrationsDirs: ['./db/migrations'],
      migrationsTable: 'schema_migrations',
      schemaFile: './db/schema.sql',
      noDumpSchema: false,
      wait: false,
      waitTimeoutMs: 60_000,
      waitIntervalMs: 1_000,
      historyTable: 'schema_migrations_history',
      lockTimeoutMs: 400,
      lockTimeoutExplicit: false,
      lockRetries: 30,
      lockRetryBudgetMs: 30_000,
      lockWaitTimeoutMs: 60_000,
      connectTimeoutMs: 10_000,
      connectTimeoutExplicit: false,
      livenessTimeoutMs: 20_000,
      json: false,
      strict: false,
      verbose: false,
      dryRun: false,
      exitCode: false,
      quiet: false,
      lintFailOn: 'none',
    });
    expect(o.url).toBeUndefined();
    expect(o.driver).toBeUndefined();
    expect(o.steps).toBeUndefined();
  });

  it('are frozen, arrays included', () => {
    const o = opts(['up']);
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(o.migrationsDirs)).toBe(true);
    expect(Object.isFrozen(o.envFiles)).toBe(true);
    expect(Object.isFrozen(o.args)).toBe(true);
  });

  it('rollback defaults to one step', () => {
    expect(opts(['rollback']).steps).toBe(1);
  });
});

describe('global flags', () => {
  it('reads every flag in --flag value form', () => {
    const o = opts([
      '--url', 'postgres://h/d',
      '--env', 'MY_URL',
      '--env-file', 'a.env',
      '--driver', 'postgres',
      '--migrations-dir', 'm1',
      '--migrations-table', 'audit.ledger',
      '--schema-file', 'out.sql',
      '--no-dump-schema',
      '--wait',
      '--wait-timeout', '30s',
      '--wait-interval', '500ms',
      '--history-table', 'hist',
      '--lock-timeout', '2s',
      '--statement-timeout', '1m0s',
      '--lock-retries', '0',
      '--lock-retry-budget', '1m',
      '--lock-wait-timeout', '1h2m3.5s',
      '--connect-timeout', '1s',
      '--liveness-timeout', '45s',
      '--json',
      'status',
    ]);
    expect(o).toMatchObject({
      command: 'status',
      url: 'postgres://h/d',
      env: 'MY_URL',
      envFiles: ['a.env'],
      driver: 'postgres',
      migrationsDirs: ['m1'],
      migrationsTable: 'audit.ledger',
      schemaFile: 'out.sql',
      noDumpSchema: true,
      wait: true,
      waitTimeoutMs: 30_000,
      waitIntervalMs: 500,
      historyTable: 'hist',
      lockTimeoutMs: 2_000,
      lockTimeoutExplicit: true,
      statementTimeoutMs: 60_000,
      lockRetries: 0,
      lockRetryBudgetMs: 60_000,
      lockWaitTimeoutMs: 3_723_500,
      connectTimeoutMs: 1_000,
      connectTimeoutExplicit: true,
      livenessTimeoutMs: 45_000,
      json: true,
    });
  });

  it('accepts short aliases, --flag=value, single dashes and -x=value', () => {
    const o = opts(['-u', 'postgres://x/y', '-e=OTHER', '-d', 'a', '-s=s.sql', '-migrations-table', 't', '--wait=true', 'migrate']);
    expect(o).toMatchObject({ url: 'postgres://x/y', env: 'OTHER', migrationsDirs: ['a'], schemaFile: 's.sql', migrationsTable: 't', wait: true });
  });

  it('repeats -d and splits comma lists like urfave', () => {
    expect(opts(['-d', 'a', '-d', 'b', '-d=c, d', 'up']).migrationsDirs).toEqual(['a', 'b', 'c', 'd']);
    expect(opts(['--migrations-dir', 'a', '-migrations-dir=b', 'up']).migrationsDirs).toEqual(['a', 'b']);
  });

  it('rejects two forms of one flag, as urfave/cli does', () => {
    expect(usageError(['-d', 'a', '--migrations-dir', 'b', 'up']).message).toBe('Cannot use two forms of the same flag: d migrations-dir');
    expect(usageError(['up', '--verbose', '-v']).message).toBe('Cannot use two forms of the same flag: v verbose');
  });

  it('repeats --env-file, keeping each path whole', () => {
    expect(opts(['--env-file', 'a,b.env', '--env-file=c.env', 'up']).envFiles).toEqual(['a,b.env', 'c.env']);
  });

  it('lets the last value of a scalar flag win, as Go’s flag package does', () => {
    expect(opts(['-s', 'a.sql', '-s', 'b.sql', 'up']).schemaFile).toBe('b.sql');
  });

  it('disables the history table with an empty value', () => {
    expect(opts(['--history-table=', 'up']).historyTable).toBeNull();
    expect(opts(['--history-table', '', 'up']).historyTable).toBeNull();
  });

  it('treats an empty --url as absent (dbmate then reads --env)', () => {
    expect(opts(['--url=', 'up']).url).toBeUndefined();
  });

  it('keeps dbmate’s default when --wait-timeout or --wait-interval is 0', () => {
    expect(opts(['--wait-timeout', '0', '--wait-interval', '0s', 'wait'])).toMatchObject({ waitTimeoutMs: 60_000, waitIntervalMs: 1_000 });
  });

  it('takes a flag value that starts with a dash, like Go', () => {
    expect(opts(['-s', '-weird.sql', 'up']).schemaFile).toBe('-weird.sql');
  });

  it('stops at -- and reads the command after it', () => {
    expect(opts(['-d', 'x', '--', 'up']).command).toBe('up');
  });
});

describe('--connect-timeout and --liveness-timeout', () => {
  it('take Go durations in every flag form; 0 means no limit / disabled', () => {
    expect(opts(['--connect-timeout=250ms', '-liveness-timeout', '1m30s', 'up'])).toMatchObject({
      connectTimeoutMs: 250,
      connectTimeoutExplicit: true,
      livenessTimeoutMs: 90_000,
    });
    expect(opts(['--connect-timeout', '0', '--liveness-timeout=0', 'status'])).toMatchObject({
      connectTimeoutMs: 0,
      connectTimeoutExplicit: true,
      livenessTimeoutMs: 0,
    });
  });

  it('an explicit --connect-timeout wins over the URL’s connect_timeout, which replaces the default', () => {
    const target = parseDatabaseUrl('postgres://u@db.example.com/app?connect_timeout=5');
    expect(connectTimeoutMs(opts(['up']), target)).toBe(5_000);
    expect(connectTimeoutMs(opts(['--connect-timeout', '2s', 'up']), target)).toBe(2_000);
    // Even when the explicit value equals the default.
    expect(connectTimeoutMs(opts(['--connect-timeout', '10s', 'up']), target)).toBe(10_000);
    expect(connectTimeoutMs(opts(['up']), parseDatabaseUrl('postgres://u@db.example.com/app'))).toBe(10_000);
    expect(connectTimeoutMs(opts(['up']), parseDatabaseUrl('postgres://u@db.example.com/app?connect_timeout=0'))).toBe(0);
  });

  it.each([
    ['connect-timeout', 'banana'],
    ['connect-timeout', '-1s'],
    ['connect-timeout', '5'],
    ['liveness-timeout', '-1s'],
    ['liveness-timeout', 'soon'],
  ])('--%s %s is a usage error naming the flag and the format', (flag, value) => {
    expect(usageError([`--${flag}`, value, 'up']).message).toBe(`invalid value "${value}" for flag -${flag}: expected ${DURATION_FORMAT}`);
  });

  it('are global flags: after the command they are misplaced', () => {
    expect(usageError(['up', '--connect-timeout', '1s']).message).toBe('flag provided but not defined: -connect-timeout');
  });

  it('are listed in the help with their defaults', () => {
    const help = (parseArgs(['--help'], {}) as { help: string }).help;
    expect(help).toMatch(/--connect-timeout value +how long opening a connection may take .*\(default: 10s\)/);
    expect(help).toMatch(/--liveness-timeout value +how long the database may stop answering .*\(default: 20s\)/);
  });
});

describe('DBMATE_* variables', () => {
  const env: Env = {
    DBMATE_MIGRATIONS_DIR: 'a,b',
    DBMATE_MIGRATIONS_TABLE: 'env_table',
    DBMATE_SCHEMA_FILE: 'env.sql',
    DBMATE_NO_DUMP_SCHEMA: 'true',
    DBMATE_WAIT: '1',
    DBMATE_WAIT_TIMEOUT: '10s',
    DBMATE_WAIT_INTERVAL: '250ms',
    DBMATE_STRICT: 'T',
    DBMATE_VERBOSE: 'True',
    DBMATE_DRIVER: 'postgres',
  };

  it('apply when the flag is absent', () => {
    expect(opts(['up'], env)).toMatchObject({
      migrationsDirs: ['a', 'b'],
      migrationsTable: 'env_table',
      schemaFile: 'env.sql',
      noDumpSchema: true,
      wait: true,
      waitTimeoutMs: 10_000,
      waitIntervalMs: 250,
      strict: true,
      verbose: true,
      driver: 'postgres',
    });
  });

  it('lose to flags', () => {
    const o = opts(
      ['-d', 'f', '--migrations-table', 'ft', '-s', 'f.sql', '--no-dump-schema=false', '--wait=0', '--wait-timeout', '5s', '--wait-interval', '2s', '--driver', 'redshift', 'up', '--strict=false', '--verbose=f'],
      env,
    );
    expect(o).toMatchObject({
      migrationsDirs: ['f'],
      migrationsTable: 'ft',
      schemaFile: 'f.sql',
      noDumpSchema: false,
      wait: false,
      waitTimeoutMs: 5_000,
      waitIntervalMs: 2_000,
      driver: 'redshift',
      strict: false,
      verbose: false,
    });
  });

  it('trims comma-separated directories like urfave', () => {
    expect(opts(['up'], { DBMATE_MIGRATIONS_DIR: ' c , d ' }).migrationsDirs).toEqual(['c', 'd']);
  });

  it('parse bools like Go’s strconv.ParseBool, and "" as false', () => {
    for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(opts(['up'], { DBMATE_STRICT: v }).strict).toBe(true);
    for (const v of ['0', 'f', 'F', 'FALSE', 'false', 'False', '']) expect(opts(['up'], { DBMATE_STRICT: v }).strict).toBe(false);
    expect(parseGoBool('yes')).toBeUndefined();
  });

  it('ignore empty strings for value flags (CI exports unset inputs as "")', () => {
    expect(opts(['up'], { DBMATE_MIGRATIONS_TABLE: '', DBMATE_MIGRATIONS_DIR: '', DBMATE_WAIT_TIMEOUT: '', DBMATE_DRIVER: '' })).toMatchObject({
      migrationsTable: 'schema_migrations',
      migrationsDirs: ['./db/migrations'],
      waitTimeoutMs: 60_000,
    });
  });

  it('scope DBMATE_STRICT and DBMATE_VERBOSE to the commands that have the flag', () => {
    expect(opts(['status'], env)).toMatchObject({ strict: false, verbose: false });
    expect(opts(['rollback'], env)).toMatchObject({ strict: false, verbose: true });
    expect(opts(['status'], { DBMATE_STRICT: 'maybe' }).command).toBe('status');
  });

  it('report invalid values in urfave’s words, naming variable, flag, value and format', () => {
    expect(usageError(['up'], { DBMATE_STRICT: 'maybe' }).message).toBe(
      'could not parse "maybe" as bool value from environment variable "DBMATE_STRICT" for flag strict: strconv.ParseBool: parsing "maybe": invalid syntax (expected true or false)',
    );
    expect(usageError(['up'], { DBMATE_WAIT_TIMEOUT: 'xx' }).message).toBe(
      'could not parse "xx" as duration value from environment variable "DBMATE_WAIT_TIMEOUT" for flag wait-timeout: time: invalid duration "xx" (expected a non-negative duration such as 500ms, 30s or 1m0s)',
    );
    // urfave reads the variable before argv, so a bad one fails even when the flag is given.
    expect(usageError(['--wait-timeout', '1s', 'up'], { DBMATE_WAIT_TIMEOUT: '5' }).message).toContain('time: missing unit in duration "5"');
  });
});

describe('env files and URL resolution', () => {
  const files: Record<string, string> = {
    '.env': 'DATABASE_URL=postgres://from-dotenv/d\nDBMATE_MIGRATIONS_DIR=from_file\n',
    'a.env': 'A=1\nSHARED=first\n# comment\nQUOTED="x y"\n',
    'b.env': 'SHARED=second\nB=2\n',
    'dir.env': '',
  };
  const readFile = (p: string): string => {
    if (p === 'dir.env') throw Object.assign(new Error('EISDIR: illegal operation on a directory, read'), { code: 'EISDIR' });
    if (!(p in files)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
    return files[p];
  };

  it('extracts --env-file values before full parsing', () => {
    expect(envFilesFromArgv(['up'])).toEqual(['.env']);
    expect(envFilesFromArgv(['--env-file', 'a.env', '-d', 'x', '--env-file=b.env', '-env-file', 'c.env', 'up'])).toEqual(['a.env', 'b.env', 'c.env']);
    expect(envFilesFromArgv(['--env-file'])).toEqual(['.env']);
    expect(envFilesFromArgv(['dump', '--', '--env-file', 'x'])).toEqual(['.env']);
  });

  it('loads files in order with dotenv.parse, first file wins, missing files ignored', () => {
    expect(loadEnvFiles(['a.env', 'missing.env', 'b.env'], readFile)).toEqual({ A: '1', SHARED: 'first', QUOTED: 'x y', B: '2' });
    expect(loadEnvFiles(['nope.env'], () => undefined)).toEqual({});
  });

  it('fails with dbmate’s text when a file exists but cannot be read', () => {
    let err: unknown;
    try {
      loadEnvFiles(['a.env', 'dir.env'], readFile);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvFileError);
    expect((err as EnvFileError).message).toBe('loading env file(s) [a.env dir.env]: EISDIR: illegal operation on a directory, read');
    expect((err as EnvFileError).exitCode).toBe(3);
  });

  it('gives the process environment precedence over env files, even when empty', () => {
    expect(mergeEnv({ A: 'proc', B: '', C: undefined }, { A: 'file', B: 'file', C: 'file', D: 'file' })).toEqual({
      A: 'proc',
      B: '',
      C: 'file',
      D: 'file',
    });
  });

  it('applies DBMATE_* from env files: flag > process env > env file > default', () => {
    const fileEnv = loadEnvFiles(envFilesFromArgv(['up']), readFile);
    expect(opts(['up'], mergeEnv({}, fileEnv)).migrationsDirs).toEqual(['from_file']);
    expect(opts(['up'], mergeEnv({ DBMATE_MIGRATIONS_DIR: 'from_process' }, fileEnv)).migrationsDirs).toEqual(['from_process']);
    expect(opts(['-d', 'from_flag', 'up'], mergeEnv({ DBMATE_MIGRATIONS_DIR: 'from_process' }, fileEnv)).migrationsDirs).toEqual(['from_flag']);
    expect(opts(['up'], mergeEnv({}, {})).migrationsDirs).toEqual(['./db/migrations']);
  });

  it('resolves the URL: --url, then the --env variable from the process, then from env files', () => {
    const fileEnv = { DATABASE_URL: 'postgres://file/d', OTHER: 'postgres://file-other/d' };
    expect(resolveDatabaseUrl({ url: 'postgres://flag/d', env: 'DATABASE_URL' }, mergeEnv({ DATABASE_URL: 'postgres://proc/d' }, fileEnv))).toBe('postgres://flag/d');
    expect(resolveDatabaseUrl({ env: 'DATABASE_URL' }, mergeEnv({ DATABASE_URL: 'postgres://proc/d' }, fileEnv))).toBe('postgres://proc/d');
    expect(resolveDatabaseUrl({ env: 'DATABASE_URL' }, mergeEnv({}, fileEnv))).toBe('postgres://file/d');
    expect(resolveDatabaseUrl({ env: 'OTHER' }, mergeEnv({ DATABASE_URL: 'postgres://proc/d' }, fileEnv))).toBe('postgres://file-other/d');
    // godotenv does not override a variable that exists, even empty.
    expect(resolveDatabaseUrl({ env: 'DATABASE_URL' }, mergeEnv({ DATABASE_URL: '' }, fileEnv))).toBe('');
    expect(resolveDatabaseUrl({ env: 'DATABASE_URL' }, mergeEnv({}, {}))).toBe('');
    expect(resolveDatabaseUrl(opts(['-e', 'OTHER', 'up']), mergeEnv({}, fileEnv))).toBe('postgres://file-other/d');
  });
});

describe('commands and their flags', () => {
  it('parses up/migrate flags', () => {
    expect(opts(['up', '--strict', '-v', '--dry-run', '--steps', '2'])).toMatchObject({ command: 'up', strict: true, verbose: true, dryRun: true, steps: 2 });
    expect(opts(['migrate', '--verbose', '--steps=3'])).toMatchObject({ command: 'migrate', verbose: true, steps: 3, strict: false });
  });

  it('parses rollback and its down alias', () => {
    expect(opts(['down'])).toMatchObject({ command: 'rollback', steps: 1 });
    expect(opts(['rollback', '-v', '--steps', '4'])).toMatchObject({ command: 'rollback', verbose: true, steps: 4 });
  });

  it('makes status --quiet imply --exit-code', () => {
    expect(opts(['status'])).toMatchObject({ exitCode: false, quiet: false });
    expect(opts(['status', '--exit-code'])).toMatchObject({ exitCode: true, quiet: false });
    expect(opts(['status', '--quiet'])).toMatchObject({ exitCode: true, quiet: true });
  });

  it('keeps the name of new (alias n), and leaves it unset when missing', () => {
    expect(opts(['new', 'create_users'])).toMatchObject({ command: 'new', name: 'create_users', args: ['create_users'] });
    expect(opts(['n', 'x', 'ignored'])).toMatchObject({ command: 'new', name: 'x' });
    const o = opts(['new']);
    expect(o.name).toBeUndefined();
    expect(NEW_NAME_MISSING_MESSAGE).toBe('please specify a name for the new migration');
  });

  it('passes dump arguments after --', () => {
    expect(opts(['dump', '--', '--no-comments', '-t', 'x']).args).toEqual(['--no-comments', '-t', 'x']);
  });

  it('stops flag parsing at the first positional argument, like Go', () => {
    expect(opts(['status', 'x', '--quiet'])).toMatchObject({ quiet: false, args: ['x', '--quiet'] });
  });

  it.each(['create', 'drop', 'load', 'wait', 'plan', 'lint', 'verify', 'history', 'report'])('knows %s', (name) => {
    expect(opts([name]).command).toBe(name);
  });

  it('gives plan --strict and --steps', () => {
    expect(opts(['plan', '--strict', '--steps', '1'])).toMatchObject({ strict: true, steps: 1 });
  });
});

describe('usage errors', () => {
  it('rejects --strict before the command, as dbmate does (exit 2, help on stdout)', () => {
    const err = usageError(['--strict', 'up']);
    expect(err.message).toBe('flag provided but not defined: -strict');
    expect(err.exitCode).toBe(2);
    expect(err.hint).toBe('-strict is an option of up, migrate, plan: put it after the command');
    const out = formatUsageError(err);
    expect(out.exitCode).toBe(2);
    expect(out.stdout.startsWith('Incorrect Usage: flag provided but not defined: -strict\n\nNAME:\n   db-migrate-action - ')).toBe(true);
    expect(out.stderr).toBe('Error: flag provided but not defined: -strict\nhint: -strict is an option of up, migrate, plan: put it after the command\n');
  });

  it('rejects unknown flags in either scope, with command help for command flags', () => {
    expect(usageError(['--bogus', 'up']).message).toBe('flag provided but not defined: -bogus');
    const err = usageError(['status', '--steps', '1']);
    expect(err.message).toBe('flag provided but not defined: -steps');
    expect(err.helpText).toContain('db-migrate-action status - List applied and pending migrations');
    expect(err.hint).toBe('-steps is an option of up, migrate, rollback, plan: put it after the command');
    expect(usageError(['up', '--url', 'x']).hint).toBe('-url is a global option: put it before the command');
    expect(usageError(['dump', '--no-comments']).message).toBe('flag provided but not defined: -no-comments');
  });

  it('answers an unknown command like urfave: No help topic, exit 3, no help', () => {
    const err = usageError(['frobnicate']);
    expect(err.message).toBe("No help topic for 'frobnicate'");
    expect(err.exitCode).toBe(3);
    expect(formatUsageError(err)).toEqual({ stdout: '', stderr: "No help topic for 'frobnicate'\n", exitCode: 3 });
    expect(usageError(['help', 'frobnicate']).exitCode).toBe(3);
  });

  it('reports a missing value and bad syntax in Go’s words', () => {
    expect(usageError(['--url']).message).toBe('flag needs an argument: -url');
    expect(usageError(['-d']).message).toBe('flag needs an argument: -d');
    expect(usageError(['up', '--steps']).message).toBe('flag needs an argument: -steps');
    expect(usageError(['---x', 'up']).message).toBe('bad flag syntax: ---x');
    expect(usageError(['up', '--strict=maybe']).message).toBe('invalid boolean value "maybe" for -strict: expected true or false (or 1/0, t/f)');
  });

  it.each([
    ['0', 'invalid value "0" for flag -steps: expected a positive integer'],
    ['-1', 'invalid value "-1" for flag -steps: expected a positive integer'],
    ['abc', 'invalid value "abc" for flag -steps: expected a positive integer'],
    ['1.5', 'invalid value "1.5" for flag -steps: expected a positive integer'],
  ])('rejects --steps %s', (value, message) => {
    expect(usageError(['up', '--steps', value]).message).toBe(message);
    expect(usageError(['rollback', `--steps=${value}`]).message).toBe(message);
  });

  it('validates durations and counts, naming flag, value and format', () => {
    expect(usageError(['--wait-timeout', 'abc', 'up']).message).toBe(
      'invalid value "abc" for flag -wait-timeout: expected a non-negative duration such as 500ms, 30s or 1m0s',
    );
    expect(usageError(['--lock-timeout', '-5s', 'up']).message).toBe(
      'invalid value "-5s" for flag -lock-timeout: expected a non-negative duration such as 500ms, 30s or 1m0s',
    );
    expect(usageError(['--statement-timeout=5', 'up']).message).toBe(
      'invalid value "5" for flag -statement-timeout: expected a non-negative duration such as 500ms, 30s or 1m0s',
    );
    expect(usageError(['--lock-retries', '-1', 'up']).message).toBe('invalid value "-1" for flag -lock-retries: expected a non-negative integer');
    expect(usageError(['--lock-retries', 'x', 'up']).message).toBe('invalid value "x" for flag -lock-retries: expected a non-negative integer');
    expect(usageError(['--lock-retry-budget', '30', 'up']).message).toBe(
      'invalid value "30" for flag -lock-retry-budget: expected a non-negative duration such as 500ms, 30s or 1m0s',
    );
    expect(usageError(['--lock-retry-budget=-1s', 'up']).message).toBe(
      'invalid value "-1s" for flag -lock-retry-budget: expected a non-negative duration such as 500ms, 30s or 1m0s',
    );
  });

  it('leaves statement_timeout to the server unless --statement-timeout is given; 0 is an explicit "none"', () => {
    expect(opts(['up']).statementTimeoutMs).toBeUndefined();
    expect(opts(['--statement-timeout', '0', 'up']).statementTimeoutMs).toBe(0);
    expect(opts(['--statement-timeout=5s', 'up']).statementTimeoutMs).toBe(5_000);
  });

  it('counts --lock-timeout as chosen only when given, even at its default value', () => {
    expect(opts(['up'])).toMatchObject({ lockTimeoutMs: 400, lockTimeoutExplicit: false });
    expect(opts(['--lock-timeout', '400ms', 'up'])).toMatchObject({ lockTimeoutMs: 400, lockTimeoutExplicit: true });
    expect(opts(['--lock-timeout', '0', 'up'])).toMatchObject({ lockTimeoutMs: 0, lockTimeoutExplicit: true });
  });
});

describe('help and version', () => {
  it('prints the version for global -v and --version', () => {
    expect(parseArgs(['-v'], {}, { version: '1.2.3' })).toEqual({ version: 'db-migrate-action version 1.2.3' });
    expect(parseArgs(['--version', 'up'], {}, { version: '1.2.3' })).toEqual({ version: 'db-migrate-action version 1.2.3' });
    expect(opts(['--version=false', 'up']).command).toBe('up');
  });

  it('treats -v after up as --verbose', () => {
    expect(opts(['up', '-v']).verbose).toBe(true);
  });

  it('prints app help for no command, help, h, -h and --help', () => {
    for (const argv of [[], ['help'], ['h'], ['-h'], ['--help'], ['--help', 'up']]) {
      const r = parseArgs(argv, {}, { version: '1.2.3' }) as { help: string };
      expect(r.help).toContain('USAGE:\n   db-migrate-action [global options] command [command options]');
      expect(r.help).toContain('VERSION:\n   1.2.3');
      expect(r.help).toContain('rollback, down');
      expect(r.help).toContain('--migrations-dir value, -d value [ --migrations-dir value, -d value ]');
      expect(r.help).toContain('[$DBMATE_MIGRATIONS_DIR]');
    }
  });

  it('prints command help for `help up`, `up -h` and aliases', () => {
    for (const argv of [['help', 'up'], ['up', '-h'], ['up', '--help']]) {
      const r = parseArgs(argv, {}) as { help: string };
      expect(r.help).toContain('NAME:\n   db-migrate-action up - Create database (if necessary) and migrate to the latest version');
      expect(r.help).toContain('--strict');
      expect(r.help).toContain('[$DBMATE_STRICT]');
    }
    expect((parseArgs(['help', 'down'], {}) as { help: string }).help).toContain('db-migrate-action rollback - Rollback the most recent migration');
    expect((parseArgs(['n', '-h'], {}) as { help: string }).help).toContain('db-migrate-action new [command options] NAME');
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['0', 0],
    ['+0', 0],
    ['1m0s', 60_000],
    ['30s', 30_000],
    ['500ms', 500],
    ['250us', 0.25],
    ['250µs', 0.25],
    ['1000ns', 0.001],
    ['1h2m3.5s', 3_723_500],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['5.s', 5_000],
    ['-1.5s', -1_500],
  ])('parses %s', (s, ms) => {
    expect(parseGoDuration(s)).toBeCloseTo(ms, 9);
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['abc', 'time: invalid duration "abc"'],
    ['5', 'time: missing unit in duration "5"'],
    ['1m5', 'time: missing unit in duration "1m5"'],
    ['5x', 'time: unknown unit "x" in duration "5x"'],
    ['.s', 'time: invalid duration ".s"'],
    ['-', 'time: invalid duration "-"'],
    ['1 s', 'time: unknown unit " s" in duration "1 s"'],
  ])('rejects %j like Go', (s, message) => {
    expect(() => parseGoDuration(s)).toThrow(message);
  });
});

describe('lint flags', () => {
  it('up, migrate and plan take --lint-fail-on (default none) and --lint-large-table', () => {
    expect(opts(['up', '--lint-fail-on', 'error'])).toMatchObject({ lintFailOn: 'error' });
    expect(opts(['migrate', '--lint-fail-on=warning', '--lint-large-table', '1M rows'])).toMatchObject({ lintFailOn: 'warning', lintLargeTable: { rows: 1_000_000 } });
    expect(opts(['plan'])).toMatchObject({ lintFailOn: 'none' });
    expect(opts(['plan']).lintLargeTable).toBeUndefined();
    expect(opts(['rollback']).lintFailOn).toBeUndefined();
  });

  it('lint takes --pg-version, --lint-runner and --lint-large-table', () => {
    expect(opts(['lint', '--pg-version', '9.6', '--lint-runner', 'other', '--lint-large-table', '1GB'])).toMatchObject({ pgVersion: 9, lintRunner: 'other', lintLargeTable: { bytes: 1024 ** 3 } });
    expect(opts(['lint'])).toMatchObject({ lintRunner: 'db-migrate' });
    expect(opts(['lint']).pgVersion).toBeUndefined();
  });

  it.each([
    [['up', '--lint-fail-on', 'fatal'], 'invalid value "fatal" for flag -lint-fail-on: expected one of error, warning, none'],
    [['lint', '--pg-version', '8'], 'invalid value "8" for flag -pg-version: expected a PostgreSQL major version: 9.6 or 10 to 19 (e.g. 16), or empty for unknown (every version-dependent rule applies)'],
    [['lint', '--lint-runner', 'psql'], 'invalid value "psql" for flag -lint-runner: expected one of db-migrate, other'],
  ])('%j is a usage error naming the flag, the value and the format', (argv, message) => {
    expect(usageError(argv).message).toBe(message);
  });

  it('an invalid --lint-large-table names the flag and the value', () => {
    expect(usageError(['plan', '--lint-large-table', 'huge']).message).toMatch(/^invalid value "huge" for flag -lint-large-table: expected /);
  });
});
