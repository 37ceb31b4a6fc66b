import { readFileSync, existsSync } from 'node:fs';
import { mkdir, writeFile, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { EnvFileError, envFilesFromArgv, loadEnvFiles, mergeEnv, resolveDatabaseUrl } from './args/env-files.js';
import type { CliOptions } from './args/options.js';
import { parseArgs } from './args/parse.js';
import { CliUsageError, formatUsageError } from './args/usage-error.js';
import { cliRunContext } from './context.js';
import { parseDatabaseUrl, type DatabaseTarget } from '../engine/url.js';
import { redact } from '../engine/redact.js';
import { Migrator, type MigratorConfig } from '../engine/migrator.js';
import { type RunResult } from '../engine/results.js';
import { MigrationError } from '../engine/errors.js';
import { SqlMigrationError } from '../engine/sql-error.js';
import { waitForDatabase } from '../engine/wait.js';
import { newMigrationFileName, NEW_MIGRATION_TEMPLATE } from '../engine/files.js';
import { connect, closeQuietly } from '../engine/db.js';
import { editedWarning } from '../engine/history.js';
import type { Logger } from '../engine/logger.js';
import { VERSION } from '../version.js';
import { verifyCommand } from './commands/verify.js';
import { lintCommand } from './commands/lint.js';
import { historyCommand, reportCommand } from './commands/report.js';

/** dbmate's error for `new` without a name; raised by the command, not by parsing. */
export const NEW_NAME_MISSING_MESSAGE = 'please specify a name for the new migration';

/** Where the CLI writes; injected so tests can run it in-process. */
export interface CliIO {
  stdout(s: string): void;
  stderr(s: string): void;
  cwd: string;
}

/**
 * Run the CLI and return its exit code (dbmate's: 0 ok, 2 error, 1 for `status --exit-code`
 * with pending migrations, 3 for an unreadable env file or unknown command).
 */
export async function main(argv: string[], processEnv: Record<string, string | undefined>, io: CliIO): Promise<number> {
  const secrets: string[] = [];
  const out = (s: string) => io.stdout(redact(s, secrets));
  const err = (s: string) => io.stderr(redact(s, secrets));
  let opts: CliOptions;
  let env: Record<string, string | undefined>;
  try {
    const fileEnv = loadEnvFiles(envFilesFromArgv(argv), (p) => {
      const abs = join(io.cwd, p);
      return existsSync(abs) ? readFileSync(abs, 'utf8') : undefined;
    });
    env = mergeEnv(processEnv, fileEnv);
    const parsed = parseArgs(argv, env, { version: VERSION, name: 'db-migrate' });
    if ('help' in parsed) {
      out(parsed.help);
      return 0;
    }
    if ('version' in parsed) {
      out(`${parsed.version}\n`);
      return 0;
    }
    opts = parsed;
  } catch (e) {
    if (e instanceof CliUsageError) {
      const f = formatUsageError(e);
      out(f.stdout);
      err(f.stderr);
      return f.exitCode;
    }
    if (e instanceof EnvFileError) {
      err(`Error: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }

  // In --json mode stdout carries only the JSON document; progress lines go to stderr.
  const log: Logger = {
    info: (m) => (opts.json ? err(`${m}\n`) : out(`${m}\n`)),
    warn: (m) => err(`Warning: ${m}\n`),
    debug: () => undefined,
  };

  try {
    if (opts.command === 'new') return await newMigration(opts, io, out);
    if (opts.command === 'lint') return await lintCommand(opts, io.cwd, out); // needs no database URL
    const target = parseDatabaseUrl(resolveDatabaseUrl(opts, env), { driver: opts.driver });
    if (target.password) secrets.push(target.password);
    const migrator = new Migrator(migratorConfig(opts, target, env, io.cwd, log));
    if (opts.wait && opts.command !== 'wait') await wait(opts, target, out);
    return await dispatch(opts, migrator, target, io, out, log, env);
  } catch (e) {
    err(formatError(e));
    return 2;
  }
}

function migratorConfig(
  opts: CliOptions,
  target: DatabaseTarget,
  env: Record<string, string | undefined>,
  cwd: string,
  log: Logger,
): MigratorConfig {
  return {
    target,
    migrationsDirs: [...opts.migrationsDirs],
    migrationsTable: opts.migrationsTable,
    historyTable: opts.historyTable ?? '',
    schemaFile: opts.schemaFile,
    dumpSchema: !opts.noDumpSchema,
    strict: opts.strict,
    lockTimeoutMs: opts.lockTimeoutMs,
    statementTimeoutMs: opts.statementTimeoutMs,
    lockRetries: opts.lockRetries,
    lockWaitTimeoutMs: opts.lockWaitTimeoutMs,
    dumpArgs: [...opts.args],
    verbose: opts.verbose,
    ctx: cliRunContext(opts.env, env),
    log,
    cwd,
  };
}

async function dispatch(
  opts: CliOptions,
  migrator: Migrator,
  target: DatabaseTarget,
  io: CliIO,
  out: (s: string) => void,
  log: Logger,
  env: Record<string, string | undefined>,
): Promise<number> {
  switch (opts.command) {
    case 'up':
    case 'migrate':
      if (opts.dryRun) return plan(opts, migrator, out);
      return runResult(opts, await migrator.up({ createDatabase: opts.command === 'up', steps: opts.steps }), out);
    case 'rollback':
      if (opts.dryRun) return planRollback(opts, migrator, out);
      return runResult(opts, await migrator.rollback({ steps: opts.steps ?? 1 }), out);
    case 'plan':
      return plan(opts, migrator, out);
    case 'status':
      return status(opts, migrator, out, log);
    case 'create':
      await migrator.createDatabase();
      return 0;
    case 'drop':
      await migrator.dropDatabase();
      return 0;
    case 'dump':
      await migrator.dump();
      return 0;
    case 'wait':
      await wait(opts, target, out);
      return 0;
    case 'load':
      return load(opts, target, io, out);
    case 'history':
      return historyCommand(opts, target, out);
    case 'report':
      // With --json or --markdown stdout is the document alone; the HTML file's note goes to stderr then.
      return reportCommand(opts, target, io.cwd, out, opts.json || opts.markdown ? (s) => io.stderr(s) : out);
    case 'verify':
      // The run context labels the proofs verify records in the target's history table.
      return verifyCommand(opts, migratorConfig(opts, target, env, io.cwd, log), out);
    default:
      throw new MigrationError('UNKNOWN_COMMAND', `unknown command ${opts.command}`);
  }
}

async function newMigration(opts: CliOptions, io: CliIO, out: (s: string) => void): Promise<number> {
  if (!opts.name) throw new MigrationError('MIGRATION_NAME_MISSING', NEW_NAME_MISSING_MESSAGE, { hint: 'db-migrate new create_users' });
  const dir = opts.migrationsDirs[0];
  const display = posix.join(dir, newMigrationFileName(opts.name, new Date()));
  const abs = join(io.cwd, display);
  await mkdir(join(io.cwd, dir), { recursive: true });
  out(`Creating migration: ${display}\n`);
  try {
    await writeFile(abs, NEW_MIGRATION_TEMPLATE, { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new MigrationError('MIGRATION_EXISTS', 'file already exists', { hint: `${display} exists: wait a second or pick another name` });
    throw e;
  }
  return 0;
}

async function wait(opts: CliOptions, target: DatabaseTarget, out: (s: string) => void): Promise<void> {
  await waitForDatabase(target, {
    timeoutMs: opts.waitTimeoutMs,
    intervalMs: opts.waitIntervalMs,
    onWaiting: () => out('Waiting for database'),
    onTick: () => out('.'),
    onDone: () => out('\n'),
  });
}

function runResult(opts: CliOptions, r: RunResult, out: (s: string) => void): number {
  if (opts.json) out(`${JSON.stringify(runJson(r), null, 2)}\n`);
  if (r.error) throw r.error;
  return 0;
}

function runJson(r: RunResult): unknown {
  return {
    command: r.command,
    status: r.error ? 'failed' : r.steps.length ? 'success' : 'nothing-to-do',
    steps: r.steps.map((s) => ({
      version: s.version,
      file: s.displayPath,
      direction: s.direction,
      outcome: s.outcome,
      transaction: s.transaction,
      durationMs: Math.round(s.durationMs * 1000) / 1000,
      attempts: s.attempts,
      error: s.error ? errorJson(s.error) : undefined,
    })),
    pending: r.pending,
    currentVersion: r.currentVersion ?? null,
    schemaFile: r.schemaFile ?? null,
    dumpError: r.dumpError?.message,
    durationMs: r.durationMs,
  };
}

function errorJson(e: Error): unknown {
  if (e instanceof SqlMigrationError) return { code: e.code, message: e.message, hint: e.hint, ...e.failure };
  return { code: (e as MigrationError).code, message: e.message, hint: (e as MigrationError).hint };
}

async function plan(opts: CliOptions, migrator: Migrator, out: (s: string) => void): Promise<number> {
  const p = await migrator.plan({ steps: opts.steps });
  if (opts.json) {
    out(`${JSON.stringify(p, null, 2)}\n`);
    return 0;
  }
  if (p.databaseMissing) out('The database does not exist yet; `up` will create it (`migrate` will not).\n');
  if (p.pending.length === 0) {
    out(`Nothing to apply: ${p.applied} applied, 0 pending (dry run, nothing changed)\n`);
    return 0;
  }
  out(`Plan: ${p.pending.length} pending migration(s); ${p.applied} already applied (dry run, nothing changed)\n`);
  for (const m of p.pending) {
    out(`\n=== ${m.displayPath} (version ${m.version}, ${m.transaction ? 'one transaction' : 'transaction:false: statements run one by one, not atomic'})\n`);
    out(m.sql.endsWith('\n') ? m.sql : `${m.sql}\n`);
  }
  if (!p.ledgerExists) out('\nThe migrations table does not exist yet; `up` will create it.\n');
  return 0;
}

/** `rollback --dry-run`: what would be undone, with the exact down SQL; nothing changes. */
async function planRollback(opts: CliOptions, migrator: Migrator, out: (s: string) => void): Promise<number> {
  const p = await migrator.planRollback({ steps: opts.steps ?? 1 });
  if (opts.json) {
    out(`${JSON.stringify(p, null, 2)}\n`);
    return 0;
  }
  if (p.targets.length === 0) {
    throw new MigrationError('NOTHING_TO_ROLLBACK', "can't rollback: no migrations have been applied", { hint: 'run `status` to see what is applied' });
  }
  out(`Rollback plan: ${p.targets.length} migration(s), newest first (dry run, nothing changed)\n`);
  for (const m of p.targets) {
    const mode = m.transaction ? 'one transaction' : 'transaction:false: statements run one by one, not atomic';
    out(`\n=== ${m.displayPath} (version ${m.version}, ${mode}${m.empty ? '; EMPTY down section: only the ledger row would be deleted' : ''})\n`);
    out(m.sql.endsWith('\n') ? m.sql : `${m.sql}\n`);
  }
  return 0;
}

async function status(opts: CliOptions, migrator: Migrator, out: (s: string) => void, log: Logger): Promise<number> {
  const s = await migrator.status();
  if (opts.json) {
    out(`${JSON.stringify(s, null, 2)}\n`);
  } else if (!opts.quiet) {
    // Byte for byte dbmate's output; anything extra goes to stderr.
    out(s.entries.map((e) => `${e.applied ? '[X]' : '[ ]'} ${e.fileName}\n`).join('') + `\nApplied: ${s.applied}\nPending: ${s.pending}\n`);
  }
  if (!opts.quiet) {
    for (const v of s.edited) {
      const e = s.entries.find((x) => x.version === v);
      log.warn(editedWarning(e?.fileName ?? v));
    }
  }
  return (opts.exitCode || opts.quiet) && s.pending > 0 ? 1 : 0;
}

/** dbmate's `load`: run schema.sql minus psql meta-commands (`\restrict` lines) in one batch. */
async function load(opts: CliOptions, target: DatabaseTarget, io: CliIO, out: (s: string) => void): Promise<number> {
  // As dbmate: the file is checked before `Reading:` is printed, with Go's `stat <file>: …` message.
  const text = await readFile(join(io.cwd, opts.schemaFile), 'utf8').catch((e) => {
    const message =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? `stat ${opts.schemaFile}: no such file or directory` : `cannot read ${opts.schemaFile}: ${(e as Error).message}`;
    throw new MigrationError('SCHEMA_FILE_MISSING', message, { hint: 'run `db-migrate dump` first, or pass --schema-file' });
  });
  out(`Reading: ${opts.schemaFile}\n`);
  const sql = text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('\\'))
    .join('\n');
  const conn = await connect(target);
  try {
    await conn.query(sql);
  } finally {
    await closeQuietly(conn);
  }
  return 0;
}

/** `Error: <message>` as dbmate prints it, then our details and hint on following lines. */
export function formatError(e: unknown): string {
  if (e instanceof SqlMigrationError) return `Error: ${e.describe()}\n`;
  if (e instanceof MigrationError) return `Error: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`;
  const m = e as { message?: string; code?: string };
  return `Error: ${m?.message ?? String(e)}${m?.code && !m.message?.includes(m.code) ? ` (${m.code})` : ''}\n`;
}
