import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvFileError, envFilesFromArgv, loadEnvFiles, mergeEnv, missingUrlError, resolveDatabaseUrl } from './args/env-files.js';
import type { CliOptions } from './args/options.js';
import { CLOSED_OUTPUT_EXIT_CODE, type ClosedOutput, watchClosedOutput } from './closed-output.js';
import { parseArgs } from './args/parse.js';
import { CliUsageError, formatUsageError } from './args/usage-error.js';
import { migratorConfig } from './context.js';
import type { CliIO, CommandContext, DatabaseCommandContext, Out } from './commands/context.js';
import { databaseCommand, offlineCommand } from './commands/registry.js';
import { waitForTarget } from './commands/wait.js';
import { MigrationError } from '../engine/errors.js';
import type { Logger } from '../engine/logger.js';
import { Migrator } from '../engine/migrator.js';
import { redact } from '../engine/redact.js';
import { argvWantsJson, isReportedInDocument, jsonError, jsonErrorDocument } from './json-error.js';
import { SqlMigrationError } from '../engine/sql-error.js';
import { parseDatabaseUrl } from '../engine/url.js';
import { VERSION } from '../version.js';

type Env = Record<string, string | undefined>;

/**
 * Run the CLI and return its exit code (dbmate's: 0 ok, 2 error, 1 for `status --exit-code`
 * with pending migrations, 3 for an unreadable env file or unknown command, 141 when the reader
 * of stdout or stderr went away, as the shell reports dbmate killed by SIGPIPE).
 */
export async function main(argv: string[], processEnv: Env, io: CliIO): Promise<number> {
  const output = watchClosedOutput();
  const code = await run(argv, processEnv, io, output);
  // A failed write is reported on the next tick (the stream's 'error' event): let the last one land.
  await new Promise((r) => setImmediate(r));
  return output.closed ? CLOSED_OUTPUT_EXIT_CODE : code;
}

async function run(argv: string[], processEnv: Env, io: CliIO, output: ClosedOutput): Promise<number> {
  const secrets: string[] = [];
  // Once the reader has gone, every further write would fail the same way: skip them, as dbmate's death would.
  const out: Out = (s) => void (output.closed || io.stdout(redact(s, secrets)));
  const err: Out = (s) => void (output.closed || io.stderr(redact(s, secrets)));
  const line = readCommandLine(argv, processEnv, io.cwd, out, err, argvWantsJson(argv));
  if (typeof line === 'number') return line;
  const { opts, env } = line;
  // In --json mode stdout carries only the JSON document; progress lines go to stderr.
  const log: Logger = {
    info: (m) => (opts.json ? err(`${m}\n`) : out(`${m}\n`)),
    warn: (m) => err(`Warning: ${m}\n`),
    debug: () => undefined,
  };
  const base: CommandContext = { opts, env, io, out, log };
  try {
    const offline = offlineCommand(opts.command);
    if (offline) return await offline(base);
    const url = resolveDatabaseUrl(opts, env);
    if (url === '') throw missingUrlError(opts, env);
    const target = parseDatabaseUrl(url, { driver: opts.driver });
    secrets.push(...target.secrets);
    const config = { ...migratorConfig(opts, target, env, io.cwd, log), ...(io.signal ? { signal: io.signal } : {}) };
    const ctx: DatabaseCommandContext = { ...base, target, config, migrator: new Migrator(config) };
    if (opts.wait && opts.command !== 'wait') await waitForTarget(opts, target, out);
    return await databaseCommand(opts.command)(ctx);
  } catch (e) {
    if (opts.json && !isReportedInDocument(e)) out(jsonErrorDocument(jsonError(e)));
    err(formatError(e));
    return 2;
  }
}

/** Env files, then the command line; help, version and usage errors are printed here and end the run. */
function readCommandLine(argv: string[], processEnv: Env, cwd: string, out: Out, err: Out, json: boolean): { opts: CliOptions; env: Env } | number {
  try {
    const fileEnv = loadEnvFiles(envFilesFromArgv(argv), (p) => {
      const abs = join(cwd, p);
      return existsSync(abs) ? readFileSync(abs, 'utf8') : undefined;
    });
    const env = mergeEnv(processEnv, fileEnv);
    const parsed = parseArgs(argv, env, { version: VERSION, name: 'db-migrate-action' });
    if ('help' in parsed) {
      out(parsed.help);
      return 0;
    }
    if ('version' in parsed) {
      out(`${parsed.version}\n`);
      return 0;
    }
    return { opts: parsed, env };
  } catch (e) {
    if (e instanceof CliUsageError) {
      const f = formatUsageError(e);
      // Under --json stdout is the error document, not dbmate's `Incorrect Usage:` and help.
      out(json ? jsonErrorDocument({ code: 'USAGE', message: e.message, hint: e.hint ?? null }) : f.stdout);
      err(f.stderr);
      return f.exitCode;
    }
    if (e instanceof EnvFileError) {
      if (json) out(jsonErrorDocument({ code: 'ENV_FILE', message: e.message, hint: null }));
      err(`Error: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

/** `Error: <message>` as dbmate prints it, then our details and hint on following lines. */
function formatError(e: unknown): string {
  if (e instanceof SqlMigrationError) return `Error: ${e.describe()}\n`;
  if (e instanceof MigrationError) return `Error: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`;
  const m = e as { message?: string; code?: string };
  return `Error: ${m?.message ?? String(e)}${m?.code && !m.message?.includes(m.code) ? ` (${m.code})` : ''}\n`;
}
