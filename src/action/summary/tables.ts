/** The job summary's facts line and tables (its migrations, the health checks), and the lint findings. */
import type { Finding } from '../../lint/index.js';
import { failsGate, upGateExemption, type LintGate } from '../../lint/gate.js';
import type { HealthCheck, HealthResult } from '../../safety/health.js';
import type { ActionRun, BackupReport, LintReport, MigrationRow, RowStatus } from '../run-result.js';
import { cell, code, oneLine, pathCode } from '../../text/markdown.js';
import { count, duration } from '../../text/units.js';

/** Label of each row status in the summary table. */
const ROW_LABEL: Record<RowStatus, string> = {
  applied: '✅ applied',
  'rolled-back': '↩️ rolled back',
  'rollback-failed': '❌ rollback failed',
  failed: '❌ failed',
  cancelled: '⏹️ cancelled',
  unknown: '❔ outcome unknown (connection lost)',
  pending: '⏳ pending',
  'would-apply': '🔍 would apply',
  'would-roll-back': '🔍 would roll back',
  edited: '⚠️ applied, file edited since',
  'no-file': '❔ applied, no file',
  baselined: '📌 recorded as applied, SQL not run',
  'would-baseline': '🔍 would record as applied, SQL not run',
};

/** Order of the totals line. */
const TOTAL_ORDER: RowStatus[] = ['applied', 'baselined', 'rolled-back', 'failed', 'cancelled', 'unknown', 'rollback-failed', 'would-apply', 'would-roll-back', 'would-baseline', 'pending', 'edited', 'no-file'];

/**
 * The run's facts under the headline, as two short lines rather than a key/value table (GitHub
 * draws such a table with an empty header row, and a long host name widens it past the column):
 * where (environment, command, database), then how it ended (version, schema file, a backup not
 * taken and why, duration, run, issue).
 */
export function factsLine(run: ActionRun): string[] {
  const where: string[] = [];
  const after: string[] = [];
  if (run.environment) where.push(`**Environment:** ${code(run.environment)}`);
  if (run.command) where.push(`**Command:** ${code(run.command)}${run.dryRun ? ' (dry run)' : ''}`);
  if (run.target) {
    const t = run.target;
    where.push(`**Database:** ${code(`${t.host}:${t.port}/${t.database}`)}${t.user ? ` as ${code(t.user)}` : ''}${run.urlSource ? ` (URL from ${code(run.urlSource)})` : ''}`);
  }
  if ((run.status !== 'failed' || run.command) && run.command !== 'lint' && run.command !== 'report') after.push(`**Current version:** ${currentVersion(run)}`);
  if (run.schemaFile) after.push(`**Schema file:** ${code(run.schemaFile)}`);
  // A dry run says what the backup would do in its notes (or its error), once.
  if (run.backup && !run.dryRun && !hasBackupSection(run.backup)) after.push(`**Backup:** not taken (${run.backup.reason})`);
  after.push(`**Duration:** ${duration(run.durationMs)}`);
  if (run.run?.runUrl) after.push(`**Run:** [${run.run.runId ?? 'link'}](${run.run.runUrl})`);
  if (run.issue) after.push(`**Issue:** [#${run.issue.number}](${run.issue.url}) ${run.issue.action === 'created' ? 'opened' : 'commented on (it was already open)'}`);
  // A backslash at the end of a line is a hard line break (CommonMark).
  return [[where, after].filter((l) => l.length > 0).map((l) => l.join(' · ')).join(' \\\n'), ''];
}

/** Whether the backup has a section of its own (taken or failed), which then says what the facts line would. */
export function hasBackupSection(b: BackupReport): boolean {
  return b.outcome === 'taken' || b.outcome === 'failed';
}

/** The database's version after the run, as the facts table and the rollback section show it. */
export function currentVersion(run: Pick<ActionRun, 'currentVersion'>): string {
  return run.currentVersion ? code(run.currentVersion) : 'none applied';
}

/**
 * The plan, result or status of each migration with its totals, or the sentence saying there was
 * none; nothing for the commands whose runs have no migration rows (verify, lint, report) or an
 * error that stopped the run before it had any.
 */
export function migrationsSection(run: ActionRun): string[] {
  if (run.rows.length > 0) return [`### ${tableTitle(run)}`, '', ...migrationTable(run), '', `**Totals:** ${totals(run.rows)}`, ''];
  if (run.command && !run.error && run.command !== 'verify' && run.command !== 'lint' && run.command !== 'report') {
    return [run.command === 'status' ? 'No migration files found.' : 'No migrations to run.', ''];
  }
  return [];
}

function tableTitle(run: ActionRun): string {
  if (run.command === 'status') return 'Status';
  if (run.dryRun || run.command === 'plan') return 'Plan';
  return 'Result';
}

function migrationTable(run: ActionRun): string[] {
  const plan = run.rows.some((r) => r.status === 'would-apply' || r.status === 'would-roll-back');
  const timed = run.rows.some((r) => r.durationMs !== undefined);
  const head = ['Version', 'File', 'Status'];
  if (plan) head.push('Mode');
  if (timed) head.push('Duration');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of run.rows) {
    const cols = [code(r.version), r.file ? pathCode(r.file) : '—', label(r)];
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

const HEALTH_LABEL: Record<HealthCheck['name'], string> = {
  sql: 'SQL (`health-check-sql`)',
  url: 'URL (`health-check-url`)',
  'invalid-indexes': 'No INVALID index',
  ledger: 'Every migration applied',
};

/** Each health check after migrating: passed, failed or skipped, with its detail and duration. */
export function healthSection(h: HealthResult): string[] {
  return [`### ${h.ok ? '✅' : '❌'} Health checks`, '', ...healthTable(h), ''];
}

/** The health checks' table, for their section or, when they failed the run, the error. */
export function healthTable(h: HealthResult): string[] {
  const mark = (c: HealthCheck) => (c.skipped ? '⏭️ skipped' : c.ok ? '✅ passed' : '❌ failed');
  return [
    '| Check | Result | Detail | Duration |',
    '|---|---|---|---|',
    ...h.checks.map((c) => `| ${cell(HEALTH_LABEL[c.name])} | ${mark(c)}${c.attempts && c.attempts > 1 ? ` (${c.attempts} attempts)` : ''} | ${cell(c.detail)} | ${duration(c.durationMs)} |`),
  ];
}

/** The failed health checks by name, e.g. `URL (`health-check-url`)`. */
export function failedHealthChecks(h: HealthResult): string {
  return h.checks
    .filter((c) => !c.ok && !c.skipped)
    .map((c) => HEALTH_LABEL[c.name])
    .join(', ');
}

/** The severity cell: a suppressed finding shows what it would have been. */
function severityCell(f: Finding): string {
  if (f.suppressed) return `🔕 suppressed ${f.severity}`;
  return f.severity === 'error' ? '❌ error' : f.severity === 'warning' ? '⚠️ warning' : 'ℹ️ info';
}

/** `2 errors, 1 warning, 3 info, 1 suppressed`: suppressed findings are counted apart from their severity. */
function lintCounts(findings: readonly Finding[]): string {
  const active = findings.filter((f) => !f.suppressed);
  const n = (sev: Finding['severity']) => active.filter((f) => f.severity === sev).length;
  const suppressed = findings.length - active.length;
  return [count(n('error'), 'error'), count(n('warning'), 'warning'), ...(n('info') ? [`${n('info')} info`] : []), ...(suppressed ? [`${suppressed} suppressed`] : [])].join(', ');
}

/** The findings that fail the run at or above `lint-fail-on` under the report's gate. */
export function failingFindings(r: LintReport): Finding[] {
  return r.findings.filter((f) => failsGate(f, r.failOn, r.gate));
}

/**
 * One finding as a list item a pull request reviewer can act on: severity, rule and file:line
 * first, then what and why (with the size it was judged by, a suppression's reason, why `up` lets
 * it through), then the safe rewrite on its own line. A list, not a table: its prose and paths
 * wrap in the column, where a five-column table is as wide as its longest path and rule together.
 */
export function findingItem(f: Finding, gate: LintGate | undefined): string[] {
  const notes = [...(f.size ? [`Judged by ${f.size}.`] : []), ...(f.suppressed ? [`Suppressed: ${f.suppressed.reason || 'no reason given'}.`] : []), ...exemptNote(f, gate)];
  return [
    `- ${severityCell(f)} ${code(f.rule)} at ${code(`${f.file}:${f.line}:${f.column}`)}: ${oneLine([`${f.message}. ${f.why}`, ...notes].join(' '))} \\`,
    `  **Safe alternative:** ${oneLine(f.fix)}`,
  ];
}

/** How {@link lintSection} shows the findings. */
export interface LintSectionOptions {
  /** Collapse the findings in `<details>` (the summary of a run lint did not stop: they are not its news). */
  collapse?: boolean;
  /** The failing findings are the run's error, listed above: list only the others here. */
  failingShownAbove?: boolean;
}

/**
 * Lint findings for a pull request reviewer: the counts and what they were judged by, then each
 * finding (where, what, why, and the safe rewrite); `info` and suppressed ones (with their reason)
 * included, the table size a finding was judged by, and the down-section findings that do not gate `up`.
 */
export function lintSection(r: LintReport, opts: LintSectionOptions = {}): string[] {
  const scope = r.scope === 'all' ? 'every migration file' : 'the pending migrations';
  const out = [`### ${r.failed ? '❌' : r.findings.some((f) => !f.suppressed && f.severity !== 'info') ? '⚠️' : '✅'} Migration lint`, ''];
  const disabled = r.disabled.length ? `; disabled: ${r.disabled.map(code).join(', ')}` : '';
  const files = count(r.files, 'file');
  const judged = [
    ...(r.pgVersion !== undefined ? [`PostgreSQL ${r.pgVersion}`] : []),
    r.databaseAware ? 'table sizes read from the database' : r.scope === 'all' || r.factsError ? 'no database read: every existing table counts as large' : '',
  ].filter((x) => x !== '');
  out.push(
    r.findings.length
      ? `${lintCounts(r.findings)} in ${scope} (${files}); lint-fail-on: ${code(r.failOn)}${disabled}${r.failed ? ` — ${r.failing} at or above it` : ''}.`
      : `No problems in ${scope} (${files}); lint-fail-on: ${code(r.failOn)}${disabled}.`,
    ...(judged.length && r.findings.length ? [`Judged for ${judged.join('; ')}.`] : []),
    ...(r.downOnly ? [`${count(r.downOnly, 'down-section finding')} at or above it ${r.downOnly === 1 ? 'does' : 'do'} not gate \`up\` (\`command: lint\` fails on ${r.downOnly === 1 ? 'it' : 'them'}).`] : []),
    '',
  );
  const failing = new Set(opts.failingShownAbove ? failingFindings(r) : []);
  const shown = r.findings.filter((f) => !failing.has(f));
  if (failing.size) out.push(`The ${count(failing.size, 'finding')} that failed the run ${failing.size === 1 ? 'is' : 'are'} listed under the error above${shown.length ? '; the others:' : '.'}`, '');
  if (shown.length) {
    const items = shown.flatMap((f) => findingItem(f, r.gate));
    if (opts.collapse) {
      const what = failing.size ? `${count(shown.length, 'other finding')}` : count(shown.length, 'finding');
      out.push(`<details><summary>${what}: where, why and the safe alternative</summary>`, '', ...items, '', '</details>', '');
    } else out.push(...items, '');
  }
  if (r.unreadable?.length) out.push(`Not linted (unreadable): ${r.unreadable.map(code).join(', ')}`, '');
  return out;
}
/** `Down section: does not gate up.` (or why else `up` lets the finding through), as a list for a notes array. */
function exemptNote(f: Finding, gate: LintGate | undefined): string[] {
  const why = gate ? upGateExemption(f, gate) : undefined;
  return why ? [`${why[0]!.toUpperCase()}${why.slice(1)}.`] : [];
}
