/**
 * Command-line parsing for `db-migrate-action`, following dbmate 2.36 (urfave/cli v2 on Go's `flag`
 * package) so scripts written for dbmate keep working:
 *
 * - global flags come before the command, command flags after it; a flag in the wrong place is
 *   `flag provided but not defined: -x` (so `db-migrate-action --strict up` fails, as in dbmate);
 * - `-x`, `--x`, `-x=v`, `--x=v` and `--x v` are all accepted; bool flags take no separate value;
 * - flag parsing stops at the first positional argument or at `--` (`dump -- --extra-pg-dump-arg`);
 * - `DBMATE_*` variables apply when the flag is absent; flag > environment > default.
 *
 * Everything here is pure: the caller reads env files and `process.env` and passes them in.
 */
import { parseGoDuration } from '../../engine/duration.js';
import { HISTORY_TABLE_FORMAT, MIGRATIONS_TABLE_FORMAT, SAME_TABLE_PROBLEM, historyIsLedger, tableNameProblem } from '../../engine/identifiers.js';
import { LINT_FAIL_ON, LINT_RUNNERS, parsePgVersion, PG_VERSION_FORMAT, type LintFailOn, type LintRunner } from '../../lint/gate.js';
import { parseLargeTable } from '../../lint/sizes.js';
import { parseSince, SINCE_FORMAT } from '../../metrics/since.js';
import { COMMANDS, DURATION_FORMAT, findCommand, GLOBAL_FLAGS, HELP_FLAG, type FlagSpec } from './flags.js';
import { renderAppHelp, renderCommandHelp } from './help.js';
import type { CliOptions } from './options.js';
import { CliUsageError } from './usage-error.js';

/** What {@link parseArgs} returns: a command to run, or text to print and exit 0. */
export type ParsedArgs = CliOptions | { readonly help: string } | { readonly version: string };

/** Program facts shown by `--version` and `--help`. */
export interface ProgramInfo {
  /** Version printed by `-v`/`--version` (pass package.json's). */
  version?: string;
  /** Program name in help and version text. Default `db-migrate-action`. */
  name?: string;
}

/**
 * Parse `db-migrate-action` arguments (without `node` and the script path).
 *
 * @param argv user arguments, e.g. `process.argv.slice(2)`
 * @param env the merged environment (`mergeEnv` of `process.env` and `loadEnvFiles`),
 *   so `.env` files can set `DBMATE_*` variables as they can for dbmate
 * @param info version and program name for `--version`/`--help`
 * @returns frozen {@link CliOptions}, or `{help}`/`{version}` text to print to stdout with exit 0
 * @throws CliUsageError for anything urfave/cli would reject, and for values that do not validate
 */
export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, info: ProgramInfo = {}): ParsedArgs {
  const prog = info.name ?? 'db-migrate-action';
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
  const statementTimeoutMs = global.value<number | undefined>('statement-timeout');

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
    lockTimeoutExplicit: global.isGiven('lock-timeout'),
    ...(statementTimeoutMs !== undefined ? { statementTimeoutMs } : {}),
    lockRetries: global.value<number>('lock-retries'),
    lockRetryBudgetMs: global.value<number>('lock-retry-budget'),
    lockWaitTimeoutMs: global.value<number>('lock-wait-timeout'),
    connectTimeoutMs: global.value<number>('connect-timeout'),
    connectTimeoutExplicit: global.isGiven('connect-timeout'),
    livenessTimeoutMs: global.value<number>('liveness-timeout'),
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
  checkTableNames(options, global, env, appHelp);
  const lint = lintOptions(local, has, cmdHelp);
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
  return Object.freeze({ ...options, ...lint });
}

/** `--lint-fail-on`, `--lint-large-table`, `--pg-version`, `--lint-runner`, validated (values as the action's inputs take them). */
function lintOptions(local: Scope, has: (name: string) => boolean, help: () => string): Pick<CliOptions, 'lintFailOn' | 'lintLargeTable' | 'pgVersion' | 'lintRunner'> {
  const bad = (flag: string, value: string, expected: string) => new CliUsageError(`invalid value "${value}" for flag -${flag}: expected ${expected}`, { helpText: help() });
  const out: { -readonly [K in 'lintFailOn' | 'lintLargeTable' | 'pgVersion' | 'lintRunner']?: CliOptions[K] } = {};
  if (has('lint-fail-on')) {
    const v = local.value<string>('lint-fail-on');
    if (!(LINT_FAIL_ON as readonly string[]).includes(v)) throw bad('lint-fail-on', v, `one of ${LINT_FAIL_ON.join(', ')}`);
    out.lintFailOn = v as LintFailOn;
  }
  const large = has('lint-large-table') ? local.value<string | undefined>('lint-large-table') : undefined;
  if (large !== undefined && large !== '') {
    const parsed = parseLargeTable(large);
    if (typeof parsed === 'string') throw bad('lint-large-table', large, parsed);
    out.lintLargeTable = parsed;
  }
  const pg = has('pg-version') ? local.value<string | undefined>('pg-version') : undefined;
  if (pg !== undefined && pg !== '') {
    const major = parsePgVersion(pg);
    if (major === undefined) throw bad('pg-version', pg, PG_VERSION_FORMAT);
    out.pgVersion = major;
  }
  if (has('lint-runner')) {
    const v = local.value<string>('lint-runner');
    if (!(LINT_RUNNERS as readonly string[]).includes(v)) throw bad('lint-runner', v, `one of ${LINT_RUNNERS.join(', ')}`);
    out.lintRunner = v as LintRunner;
  }
  return out;
}

/**
 * `--migrations-table`/`DBMATE_MIGRATIONS_TABLE` and `--history-table` by the engine's one rule
 * (identifiers.ts), before anything connects. dbmate accepts any name and quotes it; names that
 * need quoting beyond `-` (spaces, quotes, `;`) or that PostgreSQL would truncate are refused here.
 */
function checkTableNames(options: CliOptions, global: Scope, env: Readonly<Record<string, string | undefined>>, help: () => string): void {
  const source = (flag: string, variable?: string): string =>
    !global.isGiven(flag) && variable !== undefined && env[variable] ? `from environment variable "${variable}" for flag ${flag}` : `for flag -${flag}`;
  const check = (flag: string, value: string, qualified: boolean, format: string, variable?: string): void => {
    const problem = tableNameProblem(value, { qualified });
    if (problem) throw new CliUsageError(`invalid value "${value}" ${source(flag, variable)}: expected ${format} (${problem})`, { helpText: help() });
  };
  check('migrations-table', options.migrationsTable, true, MIGRATIONS_TABLE_FORMAT, 'DBMATE_MIGRATIONS_TABLE');
  if (options.historyTable === null) return;
  check('history-table', options.historyTable, false, HISTORY_TABLE_FORMAT);
  if (historyIsLedger(options.migrationsTable, options.historyTable)) {
    throw new CliUsageError(`invalid value "${options.historyTable}" for flag -history-table: ${SAME_TABLE_PROBLEM} ("${options.migrationsTable}")`, {
      helpText: help(),
      hint: 'give --history-table its own name (default schema_migrations_history), or --history-table= to disable it',
    });
  }
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
  /** Whether the flag was on the command line (not from a variable or the default). */
  isGiven(name: string): boolean;
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
    isGiven: (name) => given.has(name),
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
  const command = COMMANDS.find((c) => c.name === scope);
  if ((name === 'env' || name === 'e') && command?.flags.some((f) => f.name === 'environment')) {
    return `-${name} is the global option naming the variable that holds the database URL (put it before the command); to show one environment, use --environment NAME`;
  }
  const isGlobal = GLOBAL_FLAGS.some((f) => f.name === name || f.aliases?.includes(name));
  if (scope !== 'global' && isGlobal) return `-${name} is a global option: put it before the command`;
  const owners = COMMANDS.filter((c) => c.flags.some((f) => f.name === name || f.aliases?.includes(name))).map((c) => c.name);
  if (owners.length > 0) return `-${name} is an option of ${owners.join(', ')}: put it after the command`;
  return undefined;
}

function unknownCommand(word: string): CliUsageError {
  // urfave/cli v2 hands an unknown command to its help action, which answers this and exits 3.
  return new CliUsageError(`No help topic for '${word}'`, { exitCode: 3 });
}
