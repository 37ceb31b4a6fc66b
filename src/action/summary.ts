import type { HealthCheck, HealthResult } from '../safety/health.js';
import type { ActionRun, BackupReport, LintReport, MigrationRow, RowStatus, RunError } from './run-result.js';
import { driftSection } from './steps/drift.js';
import { verifySection } from './steps/verify.js';
import { cell, code, escapeHtml, fence, oneLine } from '../text/markdown.js';
import { recentRunsSection, reportSection } from './steps/report.js';
import { bytes, duration } from '../text/units.js';

/** Label of each row status in the summary table. */
const ROW_LABEL: Record<RowStatus, string> = {
  applied: '✅ applied',
  'rolled-back': '↩️ rolled back',
  'rollback-failed': '❌ rollback failed',
  failed: '❌ failed',
  pending: '⏳ pending',
  'would-apply': '🔍 would apply',
  'would-roll-back': '🔍 would roll back',
  edited: '⚠️ applied, file edited since',
  'no-file': '❔ applied, no file',
};

/** Order of the totals line. */
const TOTAL_ORDER: RowStatus[] = ['applied', 'rolled-back', 'failed', 'rollback-failed', 'would-apply', 'would-roll-back', 'pending', 'edited', 'no-file'];

/**
 * Render the run as the job summary: a headline, the environment/command/target table, the
 * plan, result or status table, totals, the error with its file:line, warnings and (for a dry
 * run) the exact SQL. Pure: the caller writes it. The run is already redacted.
 */
export function renderSummary(run: ActionRun): string {
  const out: string[] = [];
  out.push(`## ${headline(run)}`, '');

  const facts: [string, string][] = [];
  if (run.environment) facts.push(['Environment', code(run.environment)]);
  if (run.command) facts.push(['Command', `${code(run.command)}${run.dryRun ? ' (dry run: nothing was changed)' : ''}`]);
  if (run.target) {
    const t = run.target;
    facts.push(['Database', `${code(`${t.host}:${t.port}/${t.database}`)}${t.user ? ` as ${code(t.user)}` : ''}${run.urlSource ? ` (URL from ${code(run.urlSource)})` : ''}`]);
  }
  if ((run.status !== 'failed' || run.command) && run.command !== 'lint' && run.command !== 'report') facts.push(['Current version', run.currentVersion ? code(run.currentVersion) : 'none applied']);
  if (run.schemaFile) facts.push(['Schema file', code(run.schemaFile)]);
  if (run.backup) facts.push(['Backup', backupFact(run.backup)]);
  facts.push(['Duration', duration(run.durationMs)]);
  if (run.run?.runUrl) facts.push(['Run', `[${run.run.runId ?? 'link'}](${run.run.runUrl})`]);
  if (run.issue) facts.push(['Issue', `[#${run.issue.number}](${run.issue.url}) ${run.issue.action === 'created' ? 'opened' : 'commented on (it was already open)'}`]);
  out.push('| | |', '|---|---|', ...facts.map(([k, v]) => `| ${k} | ${cell(v)} |`), '');

  if (run.rows.length > 0) {
    out.push(`### ${tableTitle(run)}`, '', ...table(run), '', `**Totals:** ${totals(run.rows)}`, '');
  } else if (run.command && !run.error && run.command !== 'verify' && run.command !== 'lint' && run.command !== 'report') {
    out.push(run.command === 'status' ? 'No migration files found.' : 'No migrations to run.', '');
  }

  if (run.lint) out.push(...lintSection(run.lint));

  out.push(...reportSection(run));

  if (run.health) out.push(...healthSection(run.health));

  if (run.verify) out.push(...verifySection(run.verify));

  if (run.drift) out.push(...driftSection(run.drift));

  if (run.error) out.push('### ❌ Error', '', ...errorBlock(run.error));

  if (run.rollback) out.push(...rollbackSection(run));

  if (run.backup && (run.backup.outcome === 'taken' || run.backup.outcome === 'failed')) out.push(...backupSection(run.backup));

  if (run.warnings.length > 0) out.push('### ⚠️ Warnings', '', ...run.warnings.map((w) => `- ${oneLine(w)}`), '');
  if (run.notes.length > 0) out.push('### Notes', '', ...run.notes.map((n) => `- ${oneLine(n)}`), '');

  const sqlRows = run.rows.filter((r) => r.sql !== undefined);
  if (sqlRows.length > 0) {
    out.push('### SQL', '');
    for (const r of sqlRows) {
      out.push(`<details><summary>${escapeHtml(`${r.version} ${r.file}`)} (${r.transaction ? 'one transaction' : 'transaction:false'})</summary>`, '', fence(r.sql ?? '', 'sql'), '', '</details>', '');
    }
  }
  // Last, so the trend sits where people look after reading this run's outcome.
  out.push(...recentRunsSection(run));
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function headline(run: ActionRun): string {
  const health = run.error?.code === 'HEALTH_CHECK_FAILED';
  switch (run.status) {
    case 'failed': {
      if (!run.command) return '❌ Invalid action inputs: nothing ran';
      if (run.command === 'lint') return `❌ Migration lint failed${run.lint ? `: ${run.lint.failing} finding${run.lint.failing === 1 ? '' : 's'} at or above lint-fail-on ${run.lint.failOn}` : ''}`;
      if (run.error?.code === 'LINT_FAILED') return `❌ Migration lint failed${run.environment ? ` on ${run.environment}` : ''}: nothing was applied`;
      if (run.backup?.outcome === 'failed') return `❌ Backup failed${run.environment ? ` on ${run.environment}` : ''}: nothing was ${run.command === 'rollback' ? 'rolled back' : 'applied'}`;
      if (run.command === 'report') return `❌ Migration report failed${run.environment ? ` on ${run.environment}` : ''}`;
      if (run.command === 'verify') return `❌ Verify failed${run.environment ? ` on ${run.environment}` : ''}${run.error?.code === 'VERIFY_FAILED' ? ': the round trip did not give back the same schema' : ''}`;
      const what = health ? 'Health checks failed after migrating' : 'Migration failed';
      const incomplete = run.rollback ? ` — the automatic rollback stopped, ${count(run.rollback.remaining.length)} of this run still applied` : '';
      return `❌ ${what}${run.environment ? ` on ${run.environment}` : ''}${incomplete}`;
    }
    case 'dry-run':
      return `🔍 Dry run on ${run.environment}: nothing was changed`;
    case 'nothing-to-do':
      return `✅ ${run.environment}: already up to date`;
    case 'rolled-back':
      return health
        ? `↩️ Health checks failed on ${run.environment}: this run's migrations were rolled back`
        : `↩️ Migration failed on ${run.environment} and was rolled back`;
    default:
      if (run.command === 'status') return `📋 Migration status of ${run.environment}`;
      if (run.command === 'lint') return run.lint?.findings.length ? `⚠️ Migration lint passed with ${run.lint.findings.length} finding${run.lint.findings.length === 1 ? '' : 's'} below lint-fail-on` : '✅ Migration lint passed';
      if (run.command === 'rollback') return `↩️ Rolled back on ${run.environment}`;
      if (run.command === 'verify') return `✅ Verify passed on ${run.environment}: every down undoes its up`;
      if (run.command === 'report') return `📊 Migration report of ${run.environment}'s database`;
      return `✅ Migrations applied on ${run.environment}`;
  }
}

function count(n: number): string {
  return `${n} migration${n === 1 ? '' : 's'}`;
}

function errorBlock(e: RunError): string[] {
  const where = e.file ? `${e.file}${e.line !== undefined ? `:${e.line}:${e.column ?? 1}` : ''}` : undefined;
  const out: string[] = [];
  if (where) out.push(`In ${code(where)}${e.sqlstate ? ` (SQLSTATE ${code(e.sqlstate)})` : ''}:`, '');
  out.push(fence(e.details, 'text'), '');
  return out;
}

function healthSection(h: HealthResult): string[] {
  const mark = (c: HealthCheck) => (c.skipped ? '⏭️ skipped' : c.ok ? '✅ passed' : '❌ failed');
  return [
    `### ${h.ok ? '✅' : '❌'} Health checks`,
    '',
    '| Check | Result | Detail | Duration |',
    '|---|---|---|---|',
    ...h.checks.map((c) => `| ${cell(HEALTH_LABEL[c.name])} | ${mark(c)}${c.attempts && c.attempts > 1 ? ` (${c.attempts} attempts)` : ''} | ${cell(c.detail)} | ${duration(c.durationMs)} |`),
    '',
  ];
}

const HEALTH_LABEL: Record<HealthCheck['name'], string> = {
  sql: 'SQL (`health-check-sql`)',
  url: 'URL (`health-check-url`)',
  'invalid-indexes': 'No INVALID index',
  ledger: 'Every migration applied',
};

/** Exactly what the automatic rollback undid and what of this run is still applied. */
function rollbackSection(run: ActionRun): string[] {
  const rb = run.rollback!;
  const list = (vs: string[]) => (vs.length ? vs.map(code).join(', ') : 'none');
  const done = rb.remaining.length === 0 && !rb.error;
  const out = [`### ↩️ Automatic rollback${done ? '' : ' (incomplete)'}`, ''];
  out.push(`- **Why:** ${oneLine(rb.reason)}`);
  out.push(`- **Rolled back** (newest first): ${list(rb.rolledBack)}`);
  out.push(`- **Still applied from this run:** ${list(rb.remaining)}`);
  if (rb.stoppedAt) {
    const why: Record<string, string> = { 'no-down': 'its down section is empty', 'no-file': 'its file is missing', unparsable: 'its file does not parse', failed: 'its down SQL failed' };
    out.push(`- **Stopped at:** ${code(rb.stoppedAt.file ?? rb.stoppedAt.version)}: ${why[rb.stoppedAt.reason] ?? rb.stoppedAt.reason}`);
  }
  out.push(`- **Current version now:** ${run.currentVersion ? code(run.currentVersion) : 'none applied'}`);
  out.push('');
  if (rb.error) out.push(...errorBlock(rb.error));
  return out;
}

/** One line for the facts table: taken (where, how big), not taken (why), or what a dry run would do. */
function backupFact(b: BackupReport): string {
  switch (b.outcome) {
    case 'taken':
      return `✅ ${code(b.path ?? '')} (${bytes(b.bytes ?? 0)}, ${duration(b.durationMs ?? 0)}; see below)`;
    case 'failed':
      return `❌ failed (${b.reason}): no migration ran`;
    case 'would-take':
      return `would be taken (${b.reason})${b.pgDump ? ` with pg_dump ${b.pgDumpVersion} (${code(b.pgDump)}) for PostgreSQL ${b.serverVersion}` : ''}; none was taken by this dry run`;
    case 'would-fail':
      return `⚠️ needed (${b.reason}) but could not be taken: see the warnings`;
    default:
      return `not taken (${b.reason})`;
  }
}

/** The backup: where it is, how it was made and checked, and the exact command to restore it. */
function backupSection(b: BackupReport): string[] {
  if (b.outcome === 'failed') {
    return [
      '### ❌ Backup',
      '',
      `- **Why a backup:** ${b.reason}`,
      ...(b.pgDump ? [`- **pg_dump:** ${b.pgDumpVersion} (${code(b.pgDump)})`] : []),
      ...(b.serverVersion ? [`- **Server:** PostgreSQL ${b.serverVersion}`] : []),
      `- **Result:** failed before any migration ran, so nothing was changed: ${oneLine(b.error ?? 'see the error above')}`,
      '',
    ];
  }
  return [
    '### 💾 Backup',
    '',
    `- **Path:** ${code(b.path ?? '')} (mode 0600)`,
    `- **Size:** ${bytes(b.bytes ?? 0)}; **SHA-256:** ${code(b.sha256 ?? '')}`,
    `- **Duration:** ${duration(b.durationMs ?? 0)}; verified with ${code('pg_restore --list')}: ${b.entries ?? 0} entries`,
    `- **Taken with:** pg_dump ${b.pgDumpVersion} (${code(b.pgDump ?? '')}) from a PostgreSQL ${b.serverVersion} server (${b.reason})`,
    '',
    `Restore it into a new database${b.restoreDatabase ? ` ${code(b.restoreDatabase)}` : ''} with the command below (set ${code('PGPASSWORD')} first). It is never run automatically: check the copy, then switch over deliberately.`,
    '',
    fence(b.restoreCommand ?? '', 'sh'),
    '',
  ];
}

function tableTitle(run: ActionRun): string {
  if (run.command === 'status') return 'Status';
  if (run.dryRun || run.command === 'plan') return 'Plan';
  return 'Result';
}

function table(run: ActionRun): string[] {
  const plan = run.rows.some((r) => r.status === 'would-apply' || r.status === 'would-roll-back');
  const timed = run.rows.some((r) => r.durationMs !== undefined);
  const head = ['Version', 'File', 'Status'];
  if (plan) head.push('Mode');
  if (timed) head.push('Duration');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of run.rows) {
    const cols = [code(r.version), r.file ? code(r.file) : '—', label(r)];
    if (plan) cols.push(r.transaction === undefined ? '' : r.transaction ? 'transaction' : 'transaction:false');
    if (timed) cols.push(r.durationMs !== undefined ? duration(r.durationMs) : '');
    lines.push(`| ${cols.map(cell).join(' | ')} |`);
  }
  return lines;
}

function label(r: MigrationRow): string {
  return `${ROW_LABEL[r.status]}${r.attempts && r.attempts > 1 ? ` (${r.attempts} attempts)` : ''}`;
}

function totals(rows: MigrationRow[]): string {
  const parts = TOTAL_ORDER.map((s) => [s, rows.filter((r) => r.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${ROW_LABEL[s].replace(/^\S+ /, '')}`);
  return parts.join(' · ');
}

/** Lint findings as a table a pull request reviewer can act on: where, what, why, and the safe rewrite. */
function lintSection(r: LintReport): string[] {
  const scope = r.scope === 'all' ? 'every migration file' : 'the pending migrations';
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  const warnings = r.findings.length - errors;
  const out = [`### ${r.failed ? '❌' : r.findings.length ? '⚠️' : '✅'} Migration lint`, ''];
  const disabled = r.disabled.length ? `; disabled: ${r.disabled.map(code).join(', ')}` : '';
  out.push(
    r.findings.length
      ? `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} in ${scope} (${r.files} file${r.files === 1 ? '' : 's'}); lint-fail-on: ${code(r.failOn)}${disabled}${r.failed ? ` — ${r.failing} at or above it` : ''}.`
      : `No problems in ${scope} (${r.files} file${r.files === 1 ? '' : 's'}); lint-fail-on: ${code(r.failOn)}${disabled}.`,
    '',
  );
  if (r.findings.length) {
    out.push('| | Rule | Location | Problem | Safe alternative |', '|---|---|---|---|---|');
    for (const f of r.findings) {
      out.push(`| ${f.severity === 'error' ? '❌ error' : '⚠️ warning'} | ${code(f.rule)} | ${code(`${f.file}:${f.line}:${f.column}`)} | ${cell(`${f.message}. ${f.why}`)} | ${cell(f.fix)} |`);
    }
    out.push('');
  }
  if (r.unreadable?.length) out.push(`Not linted (unreadable): ${r.unreadable.map(code).join(', ')}`, '');
  return out;
}
