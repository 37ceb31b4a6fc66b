/**
 * `drift-check` as the action runs it: after a successful `up`, the live schema against the
 * schema file as committed (read before `up`, which may rewrite it). The comparison is
 * `safety/drift.ts`'s; this step records the verdict, warns about drift or a skipped check, and
 * prints the diff. It never fails the run.
 */
import { checkDrift, readCommittedSchema, type DriftReport } from '../../safety/drift.js';
import type { ActionSettings } from '../settings.js';
import type { StepContext } from './context.js';

/** The committed schema file of these settings, or undefined when the repository has none. */
export function committedSchema(s: Pick<ActionSettings, 'schemaFile' | 'workspace'>): Promise<string | undefined> {
  return readCommittedSchema(s.schemaFile, s.workspace);
}

/** Compare the live schema with `committed` (from {@link committedSchema}) and record the verdict in the run. */
export async function driftCheck(ctx: StepContext, committed: string | undefined): Promise<DriftReport> {
  const { settings: s, log, run, warn } = ctx;
  const report = await checkDrift({
    target: s.target,
    schemaFile: s.schemaFile,
    committed,
    ...(s.pgDumpPath !== undefined ? { pgDumpPath: s.pgDumpPath } : {}),
    migrationsTable: s.migrationsTable,
    historyTable: s.historyTable,
    connectTimeoutMs: s.connectTimeoutMs,
  });
  run.drift = report;
  if (report.outcome === 'skipped') {
    warn(`drift check skipped: ${report.reason ?? 'unknown reason'}`);
  } else if (report.outcome === 'clean') {
    log.info(`No drift: the live schema matches ${s.schemaFile}`);
  } else {
    warn(`schema drift: the live schema of ${s.target.database} differs from ${s.schemaFile} (see the diff in the summary)`);
    log.info((report.diff ?? '').replace(/\n$/, ''));
  }
  return report;
}
