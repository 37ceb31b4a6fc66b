/**
 * What `db-migrate-action` accepts: the global flags, the commands and each command's flags, with
 * dbmate 2.36's names, aliases, `DBMATE_*` variables and defaults. Parsing and help both read
 * these tables, so a flag is declared once.
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
  | 'report'
  | 'baseline';

/** How a flag's value is read: urfave/cli's flag types, plus the integer kinds we validate. */
export type FlagKind = 'string' | 'bool' | 'slice' | 'duration' | 'count' | 'positive';

/** One flag of a scope (the global flags, or one command's). */
export interface FlagSpec {
  /** Long name, without dashes (`migrations-dir`). */
  name: string;
  /** Other names (`d`); one letter is shown as `-d`, longer ones as `--env`. */
  aliases?: readonly string[];
  /** How the value is read and converted. */
  kind: FlagKind;
  /** Environment variable used when the flag is absent (`DBMATE_MIGRATIONS_DIR`). */
  env?: string;
  /** One line for the help. */
  usage: string;
  /** Default as text (durations in Go syntax); parsed like a flag value. */
  default?: string;
}

/** One command: its name, aliases, help text and flags. */
export interface CommandSpec {
  /** Canonical name. */
  name: CommandName;
  /** Other words that select it (`down` for `rollback`). */
  aliases: readonly string[];
  /** Help text; the first line is also the command list's entry. */
  usage: string;
  /** What follows the options in the USAGE line (`NAME`, `[FILES...]`). */
  argsUsage?: string;
  /** The command's own flags (`--help` is added to every scope). */
  flags: readonly FlagSpec[];
}

/** What a duration flag expects, named in every error about one. */
export const DURATION_FORMAT = 'a non-negative duration such as 500ms, 30s or 1m0s';

/** `--help`/`-h`, accepted in every scope. */
export const HELP_FLAG: FlagSpec = { name: 'help', aliases: ['h'], kind: 'bool', usage: 'show help' };

/** The flags before the command: dbmate's global flags in dbmate's order, then ours. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
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
  {
    name: 'lock-timeout',
    kind: 'duration',
    default: '400ms',
    usage: "longest lock_timeout of any lock attempt; attempts start at 50ms and double up to it (0 = none: wait as long as it takes; at the default a shorter lock_timeout of the role or database is kept)",
  },
  { name: 'statement-timeout', kind: 'duration', usage: "statement_timeout for each migration (0 = none; default: the role's or database's own, nothing is set)" },
  { name: 'lock-retries', kind: 'count', default: '30', usage: 'retries of a migration that hit its lock_timeout, within --lock-retry-budget' },
  { name: 'lock-retry-budget', kind: 'duration', default: '30s', usage: 'wall time the lock attempts and pauses of one migration may take (0 = no limit)' },
  { name: 'lock-wait-timeout', kind: 'duration', default: '60s', usage: 'how long to wait for a concurrent run to finish' },
  {
    name: 'connect-timeout',
    kind: 'duration',
    default: '10s',
    usage: "how long opening a connection may take (0 = no limit; the URL's connect_timeout replaces the default, this flag wins over it)",
  },
  {
    name: 'liveness-timeout',
    kind: 'duration',
    default: '20s',
    usage: 'how long the database may stop answering during a run before the connection counts as dead (0 disables)',
  },
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

const LINT_FAIL_ON_FLAG: FlagSpec = {
  name: 'lint-fail-on',
  kind: 'string',
  default: 'none',
  usage: 'lint the migrations to apply and stop with nothing applied when a finding in their up sections is at or above: error, warning or none (findings are printed as warnings)',
};
const LINT_LARGE_TABLE_FLAG: FlagSpec = {
  name: 'lint-large-table',
  kind: 'string',
  usage: 'when an existing table is large for lint: rows, size or both, e.g. 100k, 1M rows, 1GB, 100k,1GB (default 100k rows or 10MB); smaller tables make a finding info',
};

// No `--env` alias: the global --env names the URL variable, and one spelling has one meaning.
const ENVIRONMENT_FILTER: FlagSpec = {
  name: 'environment',
  kind: 'string',
  usage: 'only runs recorded for this environment name (development, staging, production, …)',
};
const LOCAL_JSON: FlagSpec = { name: 'json', kind: 'bool', usage: 'print machine-readable JSON' };

/** Every command, in the order the help lists them (dbmate's first, then ours). */
export const COMMANDS: readonly CommandSpec[] = [
  { name: 'new', aliases: ['n'], usage: 'Generate a new migration file', argsUsage: 'NAME', flags: [] },
  {
    name: 'up',
    aliases: [],
    usage: 'Create database (if necessary) and migrate to the latest version',
    flags: [STRICT, VERBOSE, DRY_RUN, STEPS_UP, LINT_FAIL_ON_FLAG, LINT_LARGE_TABLE_FLAG],
  },
  { name: 'create', aliases: [], usage: 'Create database', flags: [] },
  { name: 'drop', aliases: [], usage: 'Drop database (if it exists)', flags: [] },
  { name: 'migrate', aliases: [], usage: 'Migrate to the latest version', flags: [STRICT, VERBOSE, DRY_RUN, STEPS_UP, LINT_FAIL_ON_FLAG, LINT_LARGE_TABLE_FLAG] },
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
      'Write the database schema to disk.\nSupports passing extra arguments to the underlying dump tool for pg\nexample: db-migrate-action dump -- --extra-flag',
    argsUsage: '[-- PG_DUMP_ARGS...]',
    flags: [],
  },
  { name: 'load', aliases: [], usage: 'Load schema file to the database', flags: [] },
  { name: 'wait', aliases: [], usage: 'Wait for the database to become available', flags: [] },
  {
    name: 'plan',
    aliases: [],
    usage: 'Show pending migrations and what they would run (changes nothing)',
    flags: [STRICT, STEPS_UP, { ...LINT_FAIL_ON_FLAG, usage: 'exit 2 when a finding in the up sections to apply is at or above: error, warning or none (findings are printed as warnings)' }, LINT_LARGE_TABLE_FLAG],
  },
  {
    name: 'lint',
    aliases: [],
    usage: 'Check migration files for risky statements and parse errors',
    argsUsage: '[FILES...]',
    flags: [
      { ...LOCAL_JSON, usage: 'print the findings as a JSON array' },
      { name: 'disable', kind: 'slice', usage: 'rule ids to disable (comma-separated, repeatable)' },
      { name: 'pg-version', kind: 'string', usage: 'PostgreSQL major the SQL will run on, for version-dependent rules: 9.6 or 10 to 19 (default: unknown, every such rule applies)' },
      { name: 'lint-runner', kind: 'string', default: 'db-migrate', usage: 'who runs the SQL: db-migrate, or other (dbmate, psql: the lock-timeout rule applies)' },
      { ...LINT_LARGE_TABLE_FLAG, usage: 'as for up; lint reads no database, so every existing table counts as large' },
    ],
  },
  { name: 'verify', aliases: [], usage: 'Apply, roll back and re-apply every migration on a scratch database to prove their down blocks', flags: [] },
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
  {
    name: 'baseline',
    aliases: [],
    usage:
      'Record the migrations up to VERSION as applied without running them (adopting an existing database).\n' +
      'Refused when an object they create is missing from the database; versions already applied are left as they are',
    argsUsage: 'VERSION',
    flags: [DRY_RUN, LOCAL_JSON],
  },
];

/** The command a word selects, by name or alias; undefined for an unknown word. */
export function findCommand(word: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === word || c.aliases.includes(word));
}
