import * as core from '@actions/core';
import { parseDatabaseUrl } from './engine/url.js';
import { Migrator } from './engine/migrator.js';
import { SqlMigrationError } from './engine/sql-error.js';
import { VERSION } from './version.js';
import type { Logger } from './engine/logger.js';

/**
 * The action entry. This first version runs the engine's `up`, `status`, `rollback` and `plan`
 * from a handful of inputs; the full input set, summary and safety pipeline come with the
 * action issues (#4, #5).
 */
export async function run(): Promise<void> {
  try {
    const command = core.getInput('command') || 'up';
    if (!['up', 'status', 'rollback', 'plan'].includes(command)) {
      throw new Error(`input command: got '${command}', expected one of up, status, rollback, plan`);
    }
    const environment = core.getInput('environment') || 'development';
    const prefix = environment === 'development' || environment === 'dev' ? 'DEV' : environment.toUpperCase().replace(/[^A-Z0-9]/g, '_');
    const url = core.getInput('database-url') || process.env[`${prefix}_DATABASE_URL`] || process.env.DATABASE_URL || '';
    const target = parseDatabaseUrl(url);
    if (target.password) core.setSecret(target.password);
    const log: Logger = { info: (m) => core.info(m), warn: (m) => core.warning(m), debug: (m) => core.debug(m) };
    const migrator = new Migrator({
      target,
      migrationsDirs: [core.getInput('migrations-dir') || 'db/migrations'],
      migrationsTable: core.getInput('migrations-table') || 'schema_migrations',
      historyTable: core.getInput('history-table') ?? 'schema_migrations_history',
      schemaFile: core.getInput('schema-file') || 'db/schema.sql',
      dumpSchema: core.getInput("dump-schema") === "true",
      strict: core.getInput('strict') === 'true',
      lockTimeoutMs: 5000,
      statementTimeoutMs: 0,
      lockRetries: 3,
      lockWaitTimeoutMs: 60000,
      ctx: {
        environment,
        actor: process.env.GITHUB_ACTOR,
        gitSha: process.env.GITHUB_SHA,
        runId: process.env.GITHUB_RUN_ID,
        toolVersion: VERSION,
      },
      log,
    });
    const dryRun = core.getInput('dry-run') === 'true';
    if (command === 'plan' || (dryRun && command === 'up')) {
      const p = await migrator.plan();
      core.setOutput('status', 'dry-run');
      core.setOutput('pending', JSON.stringify(p.pending.map((m) => m.version)));
      for (const m of p.pending) core.info(`would apply ${m.displayPath}`);
      return;
    }
    if (command === 'status') {
      const s = await migrator.status();
      core.setOutput('pending', JSON.stringify(s.entries.filter((e) => !e.applied).map((e) => e.version)));
      core.setOutput('current-version', s.currentVersion ?? '');
      core.setOutput('status', 'success');
      return;
    }
    const steps = Number(core.getInput('steps') || (command === 'rollback' ? '1' : '0')) || undefined;
    const r = command === 'up' ? await migrator.up({ steps }) : await migrator.rollback({ steps });
    const done = r.steps.filter((s) => s.outcome !== 'failed').map((s) => s.version);
    core.setOutput(command === 'up' ? 'applied' : 'rolled-back', JSON.stringify(done));
    core.setOutput('pending', JSON.stringify(r.pending));
    core.setOutput('current-version', r.currentVersion ?? '');
    core.setOutput('duration-ms', String(r.durationMs));
    core.setOutput('status', r.error ? 'failed' : done.length ? 'success' : 'nothing-to-do');
    if (r.error) throw r.error;
  } catch (err) {
    core.setFailed(err instanceof SqlMigrationError ? err.describe() : (err as Error).message);
  }
}
