/**
 * The health checks after `up` applied something: the configured SQL and URL checks, INVALID
 * indexes this run left behind, and every expected version in the ledger. A failed check fails
 * the run; what happens next (the automatic rollback) is `auto-rollback.ts`'s.
 */
import type { RunResult } from '../../engine/results.js';
import type { HealthCheck, HealthResult } from '../../safety/health.js';
import { ActionError, errorOf } from '../errors.js';
import type { StepContext } from './context.js';

/**
 * The INVALID indexes before migrating, so the check afterwards blames only new ones; undefined
 * when they cannot be read (a missing database has none).
 */
export async function invalidIndexesBefore(ctx: StepContext): Promise<string[] | undefined> {
  return ctx.ports.health.invalidIndexes().catch(() => undefined);
}

/** The checks that failed (skipped ones did not run, so they did not fail). */
export function failedChecks(h: HealthResult): HealthCheck[] {
  return h.checks.filter((c) => !c.ok && !c.skipped);
}

/**
 * Run the checks after `applied`, log each verdict and record the result in the run. When one
 * fails, the run is `failed` with a `HEALTH_CHECK_FAILED` error naming every failed check.
 */
export async function healthChecks(ctx: StepContext, applied: RunResult, invalidBefore: string[] | undefined): Promise<HealthResult> {
  const { settings: s, ports, log, run } = ctx;
  const h = await log.group('Health checks', async () => {
    const result = await ports.health.run({
      ...(s.healthCheckSql !== '' ? { sql: s.healthCheckSql } : {}),
      ...(s.healthCheckUrl !== undefined ? { url: s.healthCheckUrl } : {}),
      retries: s.healthCheckRetries,
      intervalMs: s.healthCheckIntervalMs,
      ...(invalidBefore !== undefined ? { invalidIndexesBefore: invalidBefore } : {}),
      // After a full `up` every file must be in the ledger; with `steps`, at least this run's.
      expectedApplied: s.steps === undefined ? applied.files.map((f) => f.version) : run.applied,
      migrationsTable: s.migrationsTable,
      secrets: s.secrets,
    });
    for (const c of result.checks) log.info(`${c.skipped ? 'skipped' : c.ok ? 'ok' : 'FAILED'} ${c.name}: ${c.detail}`);
    return result;
  });
  run.health = h;
  if (h.ok) return h;
  const failed = failedChecks(h);
  run.status = 'failed';
  run.error = errorOf(
    new ActionError(
      'HEALTH_CHECK_FAILED',
      `health check${failed.length > 1 ? 's' : ''} failed after migrating: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
      s.rollbackOnFailure ? undefined : 'rollback-on-failure is false: the migrations stay applied; fix forward or roll back by hand',
    ),
  );
  return h;
}
