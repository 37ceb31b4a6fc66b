/**
 * The job summary of a run. This file is its entry (headline and order of the parts); the parts
 * live in `summary/`: `tables.ts` (facts, migrations, health, lint) and `sections.ts` (the rest).
 * It stays at `summary.ts` so every importer of `renderSummary` keeps its path.
 */
import type { ActionRun } from './run-result.js';
import { factsLine, hasBackupSection, healthSection, lintSection, migrationsSection } from './summary/tables.js';
import {
  backupSection,
  driftSection,
  errorSection,
  healthFailed,
  listSection,
  recentRunsSection,
  reportSection,
  rollbackSection,
  sqlSection,
  verifySection,
} from './summary/sections.js';
import { count } from '../text/units.js';

/**
 * Render the run as the job summary, in the order someone reads it after a deploy: the outcome
 * (headline and one line of facts), the error once, what changed (migrations, health, verify,
 * drift, report), what was undone and the backup to restore, the lint (collapsed unless it failed
 * the run: then its failing findings are the error), warnings and notes, the SQL of a dry run
 * (collapsed), and the recent runs last. Pure: the caller writes it. The run is already redacted.
 */
export function renderSummary(run: ActionRun): string {
  const out: string[] = [
    `## ${headline(run)}`,
    '',
    ...factsLine(run),
    ...(run.error ? errorSection(run.error, { ...(run.lint ? { lint: run.lint } : {}), ...(run.health ? { health: run.health } : {}) }) : []),
    ...migrationsSection(run),
    ...(run.health && !healthFailed(run.error, run.health) ? healthSection(run.health) : []),
    ...(run.verify ? verifySection(run.verify) : []),
    ...(run.drift ? driftSection(run.drift) : []),
    ...reportSection(run),
    ...rollbackSection(run),
    ...(run.backup && hasBackupSection(run.backup) ? backupSection(run.backup, run.error !== undefined) : []),
    // `command: lint` has nothing else to show: its findings stay open.
    ...(run.lint ? lintSection(run.lint, { collapse: run.command !== 'lint', failingShownAbove: run.lint.failed && run.error !== undefined }) : []),
    ...listSection('⚠️ Warnings', run.warnings),
    ...listSection('Notes', run.notes),
    ...sqlSection(run),
    // Last, so the trend sits where people look after reading this run's outcome.
    ...recentRunsSection(run),
  ];
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function headline(run: ActionRun): string {
  const health = run.error?.code === 'HEALTH_CHECK_FAILED';
  const on = run.environment ? ` on ${run.environment}` : '';
  switch (run.status) {
    case 'failed': {
      if (!run.command) return '❌ Invalid action inputs: nothing ran';
      if (run.command === 'lint') return `❌ Migration lint failed${run.lint ? `: ${count(run.lint.failing, 'finding')} at or above lint-fail-on ${run.lint.failOn}` : ''}`;
      if (run.error?.code === 'LINT_FAILED') return `❌ Migration lint failed${on}: nothing was applied`;
      if (run.error?.code === 'DRY_RUN_WOULD_FAIL') return `❌ Dry run on ${run.environment}: ${run.command === 'rollback' ? 'rollback' : 'up'} would fail (nothing was changed)`;
      if (run.backup?.outcome === 'failed') return `❌ Backup failed${on}: nothing was ${run.command === 'rollback' ? 'rolled back' : 'applied'}`;
      if (run.command === 'report') return `❌ Migration report failed${on}`;
      // One transaction, refused before it: a failed baseline recorded nothing.
      if (run.command === 'baseline') return `❌ Baseline failed${on}: nothing was recorded`;
      if (run.command === 'verify') return `❌ Verify failed${on}${run.error?.code === 'VERIFY_FAILED' ? ': the round trip did not give back the same schema' : ''}`;
      const what = health ? 'Health checks failed after migrating' : 'Migration failed';
      const incomplete = run.rollback ? ` — the automatic rollback stopped, ${count(run.rollback.remaining.length, 'migration')} of this run still applied` : '';
      return `❌ ${what}${on}${incomplete}`;
    }
    case 'dry-run':
      return `🔍 Dry run on ${run.environment}: nothing was changed`;
    case 'nothing-to-do':
      if (run.command === 'baseline') return `✅ Baseline on ${run.environment}: nothing to record, every migration up to the version is already in the ledger`;
      return `✅ ${run.environment}: already up to date`;
    case 'rolled-back':
      return health
        ? `↩️ Health checks failed on ${run.environment}: this run's migrations were rolled back`
        : `↩️ Migration failed on ${run.environment} and was rolled back`;
    default:
      if (run.command === 'status') return `📋 Migration status of ${run.environment}`;
      if (run.command === 'lint') return run.lint?.findings.length ? `⚠️ Migration lint passed with ${count(run.lint.findings.length, 'finding')} below lint-fail-on` : '✅ Migration lint passed';
      if (run.command === 'rollback') return `↩️ Rolled back on ${run.environment}`;
      if (run.command === 'verify') return `✅ Verify passed on ${run.environment}: every down undoes its up`;
      if (run.command === 'report') return `📊 Migration report of ${run.environment}'s database`;
      if (run.command === 'baseline') {
        return `📌 Baseline on ${run.environment}: ${count(run.rows.filter((r) => r.status === 'baselined').length, 'migration')} recorded as applied WITHOUT RUNNING their SQL`;
      }
      return `✅ Migrations applied on ${run.environment}`;
  }
}
