/**
 * The real systems behind {@link ActionPorts}: PostgreSQL through the engine, pg_dump, the health
 * checks, GitHub and the webhook. `main.ts` passes these; tests pass fakes of the same shape.
 */
import { withConnection } from '../engine/db.js';
import type { Logger } from '../engine/logger.js';
import { Migrator, type MigratorConfig } from '../engine/migrator.js';
import type { DatabaseTarget } from '../engine/url.js';
import { createIssueClient } from '../github/issue-client.js';
import { postWebhook } from '../notify/webhook.js';
import { selectPgDump, takeBackup } from '../safety/backup.js';
import { serverVersion } from '../engine/pg-tools.js';
import { invalidIndexNames, runHealthChecks } from '../safety/health.js';
import { VERSION } from '../version.js';
import { CONNECT_RETRIES, CONNECT_RETRY_BASE_MS } from './constants.js';
import type { ActionPorts, BackupPort, HealthPort } from './ports.js';
import type { ActionSettings } from './settings.js';

/** Engine configuration from validated settings. */
export function migratorConfig(s: ActionSettings, log: Logger, signal?: AbortSignal): MigratorConfig {
  return {
    target: s.target,
    migrationsDirs: [...s.migrationsDirs],
    migrationsTable: s.migrationsTable,
    historyTable: s.historyTable,
    schemaFile: s.schemaFile,
    dumpSchema: s.dumpSchema,
    strict: s.strict,
    lockTimeoutMs: s.lockTimeoutMs,
    ...(s.lockTimeoutExplicit !== undefined ? { lockTimeoutExplicit: s.lockTimeoutExplicit } : {}),
    ...(s.statementTimeoutMs !== undefined ? { statementTimeoutMs: s.statementTimeoutMs } : {}),
    lockRetries: s.lockRetries,
    ...(s.lockRetryBudgetMs !== undefined ? { lockRetryBudgetMs: s.lockRetryBudgetMs } : {}),
    lockWaitTimeoutMs: s.lockWaitTimeoutMs,
    connectTimeoutMs: s.connectTimeoutMs,
    livenessTimeoutMs: s.livenessTimeoutMs,
    // A database that is restarting or a network blip should not fail a deploy: connecting is retried with backoff.
    connectRetries: CONNECT_RETRIES,
    connectRetryBaseMs: CONNECT_RETRY_BASE_MS,
    ...(s.pgDumpPath !== undefined ? { pgDump: s.pgDumpPath } : {}),
    ctx: { environment: s.environment, actor: s.run.actor, gitSha: s.run.sha, runId: s.run.runId, runUrl: s.run.runUrl, toolVersion: VERSION },
    log,
    cwd: s.workspace,
    secrets: s.secrets,
    ...(signal ? { signal } : {}),
  };
}

/** Health checks against the run's database, each on its own short connection, opened within `connectTimeoutMs` (undefined: the URL's `connect_timeout`). */
export function healthPort(target: DatabaseTarget, connectTimeoutMs?: number): HealthPort {
  return {
    invalidIndexes: () => invalidIndexNames(target, { connectTimeoutMs }),
    run: (opts) => runHealthChecks(target, { connectTimeoutMs, ...opts }),
  };
}

/** Real backups of the settings' database into `backup-dir`, with a pg_dump matched to the server. */
export function backupPort(s: ActionSettings, log: Logger, signal?: AbortSignal): BackupPort {
  return {
    serverVersion: (conn) => serverVersion(conn),
    probeServerVersion: () => withConnection(s.target, serverVersion, { connectTimeoutMs: s.connectTimeoutMs }),
    select: (server) =>
      selectPgDump({
        ...(s.pgDumpPath !== undefined ? { explicitPath: s.pgDumpPath } : {}),
        serverMajor: server.major,
        serverVersion: server.text,
        logger: log,
      }),
    take: (sel, currentVersion) =>
      takeBackup({
        target: s.target,
        dir: s.backupDir,
        environment: s.environment,
        ...(currentVersion !== undefined ? { currentVersion } : {}),
        pgDump: sel.pgDump,
        pgRestore: sel.pgRestore,
        logger: log,
        ...(signal ? { signal } : {}),
      }),
  };
}

/**
 * Every port of a run, wired to the real systems, except those given in `given` (a test's fakes).
 * Building them touches nothing: the engine connects on its first command, and the GitHub client
 * loads @actions/github only on its first request, so a run that succeeds never loads it.
 * `signal` cancels the run (the engine and pg_dump stop; see `docs/RELIABILITY.md`).
 */
export function realPorts(settings: ActionSettings, log: Logger, given: Partial<ActionPorts> = {}, signal?: AbortSignal): ActionPorts {
  return {
    migrator: given.migrator ?? new Migrator(migratorConfig(settings, log, signal)),
    health: given.health ?? healthPort(settings.target, settings.connectTimeoutMs),
    backup: given.backup ?? backupPort(settings, log, signal),
    createIssueClient: given.createIssueClient ?? createIssueClient,
    postWebhook: given.postWebhook ?? postWebhook,
    now: given.now ?? Date.now,
  };
}
