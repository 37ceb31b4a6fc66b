import type { CliOptions } from './args/options.js';
import { resolveConnectTimeout } from '../engine/db.js';
import type { RunContext } from '../engine/history.js';
import type { Logger } from '../engine/logger.js';
import type { MigratorConfig } from '../engine/migrator.js';
import type { DatabaseTarget } from '../engine/url.js';
import { VERSION } from '../version.js';
import { runUrl } from '../github/run-url.js';

/**
 * Audit context for CLI runs: who ran it and, inside GitHub Actions, which commit and run.
 * The environment name comes from the URL variable (`STAGING_DATABASE_URL` → `staging`).
 */
function cliRunContext(envVar: string, env: Readonly<Record<string, string | undefined>>): RunContext {
  const m = /^(.+?)_DATABASE_URL$/.exec(envVar);
  const environment = env.DB_MIGRATE_ENVIRONMENT || (m ? m[1].toLowerCase() : undefined);
  return {
    environment: environment === 'dev' ? 'development' : environment,
    actor: env.GITHUB_ACTOR || env.USER || env.LOGNAME,
    gitSha: env.GITHUB_SHA,
    runId: env.GITHUB_RUN_ID,
    runUrl: runUrl(env),
    toolVersion: VERSION,
  };
}

/**
 * The connect timeout of every connection the command opens, ms (0 = no limit): `--connect-timeout`
 * when given, else the URL's `connect_timeout`, else the flag's default (10 s).
 */
export function connectTimeoutMs(opts: CliOptions, target: DatabaseTarget): number {
  return resolveConnectTimeout(target, opts.connectTimeoutExplicit ? opts.connectTimeoutMs : undefined, opts.connectTimeoutMs);
}

/** The engine configuration a command line asks for, with the audit context of {@link cliRunContext}. */
export function migratorConfig(
  opts: CliOptions,
  target: DatabaseTarget,
  env: Readonly<Record<string, string | undefined>>,
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
    lockTimeoutExplicit: opts.lockTimeoutExplicit,
    ...(opts.statementTimeoutMs !== undefined ? { statementTimeoutMs: opts.statementTimeoutMs } : {}),
    lockRetries: opts.lockRetries,
    lockRetryBudgetMs: opts.lockRetryBudgetMs,
    lockWaitTimeoutMs: opts.lockWaitTimeoutMs,
    connectTimeoutMs: connectTimeoutMs(opts, target),
    livenessTimeoutMs: opts.livenessTimeoutMs,
    dumpArgs: [...opts.args],
    verbose: opts.verbose,
    ctx: cliRunContext(opts.env, env),
    log,
    cwd,
  };
}
