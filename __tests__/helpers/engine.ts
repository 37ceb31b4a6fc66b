import type { MigratorConfig } from '../../src/engine/migrator.js';
import { silentLogger } from '../../src/engine/logger.js';
import { parseDatabaseUrl } from '../../src/engine/url.js';

/**
 * Engine settings for `db/migrations` under `cwd`, with `over` on top: the CLI's defaults except
 * for the lock schedule (one 5 s attempt, no retries: a lock failure is one quick, predictable
 * attempt) and statement_timeout explicitly off. Busy-table tests set the real defaults.
 */
export function engineConfig(url: string, cwd: string, over: Partial<MigratorConfig> = {}): MigratorConfig {
  return {
    target: parseDatabaseUrl(url),
    migrationsDirs: ['db/migrations'],
    migrationsTable: 'schema_migrations',
    historyTable: 'schema_migrations_history',
    schemaFile: 'db/schema.sql',
    dumpSchema: false,
    strict: false,
    lockTimeoutMs: 5000,
    statementTimeoutMs: 0,
    lockRetries: 0,
    lockWaitTimeoutMs: 5000,
    ctx: { toolVersion: 'test' },
    log: silentLogger,
    cwd,
    ...over,
  };
}
