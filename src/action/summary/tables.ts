/** The job summary's tables: the run's facts, its migrations, the health checks and the lint findings. */
import type { Finding } from '../../lint/index.js';
import { upGateExemption, type LintGate } from '../../lint/gate.js';
import type { HealthCheck, HealthResult } from '../../safety/health.js';
import type { ActionRun, BackupReport, LintReport, MigrationRow, RowStatus } from '../run-result.js';
import { cell, code } from '../../text/markdown.js';
import { bytes, count, duration } from '../../text/units.js';

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
};

/** Order of the totals line. */
const TOTAL_ORDER: RowStatus[] = ['applied', 'rolled-back', 'failed', 'cancelled', 'unknown', 'rollback-failed', 'would-apply', 'would-roll-back', 'pending', 'edited', 'no-file'];

/** The two-column table under the headline: environment, command, database, version, backup, duration, run, issue. */
export function factsTable(run: ActionRun): string[] {
  const facts: [string, string][] = [];
  if (run.environment) facts.push(['Environment', code(run.environment)]);
  if (run.command) facts.push(['Command', `${code(run.command)}${run.dryRun ? ' (dry run: nothing was changed)' : ''}`]);
  if (run.target) {
    const t = run.target;
    facts.push(['Database', `${code(`${t.host}:${t.port}/${t.database}`)}${t.user ? ` as ${code(t.user)}` : ''}${run.urlSource ? ` (URL from ${code(run.urlSource)})` : ''}`]);
  }
  if ((run.status !== 'failed' || run.command) && run.command !== 'lint' && run.command !== 'report') facts.push(['Current version', currentVersion(run)]);
  if (run.schemaFile) facts.push(['Schema file', code(run.schemaFile)]);
  if (run.backup) facts.push(['Backup', backupFact(run.backup)]);
  facts.push(['Duration', duration(run.durationMs)]);
  if (run.run?.runUrl) facts.push(['Run', `[${run.run.runId ?? 'link'}](${run.run.runUrl})`]);
  if (run.issue) facts.push(['Issue', `[#${run.issue.number}](${run.issue.url}) ${run.issue.action === 'created' ? 'opened' : 'commented on (it was already open)'}`]);
  return ['| | |', '|---|---|', ...facts.map(([k, v]) => `| ${k} | ${cell(v)} |`), ''];
}

/** The database's version after the run, as the facts table and the rollback section show it. */
export function currentVersion(run: Pick<ActionRun, 'currentVersion'>): string {
  return run.currentVersion ? code(run.currentVersion) : 'none applied';
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

const HEALTH_LABEL: Record<HealthCheck['name'], string> = {
  sql: 'SQL (`health-check-sql`)',
  url: 'URL (`health-check-url`)',
  'invalid-indexes': 'No INVALID index',
  ledger: 'Every migration applied',
};

/** Each health check after migrating: passed, failed or skipped, with its detail and duration. */
export function healthSection(h: HealthResult): string[] {
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

/**
 * Lint findings as a table a pull request reviewer can act on: where, what, why, and the safe
 * rewrite; `info` and suppressed findings (with their reason) apart from those that can fail, the
 * table size a finding was judged by, and the down-section findings that do not gate `up`.
 */
export function lintSection(r: LintReport): string[] {
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
  if (r.findings.length) {
    out.push('| | Rule | Location | Problem | Safe alternative |', '|---|---|---|---|---|');
    for (const f of r.findings) {
      const notes = [
        ...(f.size ? [`Judged by ${f.size}.`] : []),
        ...(f.suppressed ? [`Suppressed: ${f.suppressed.reason || 'no reason given'}.`] : []),
        ...(exemptNote(f, r.gate)),
      ];
      out.push(`| ${severityCell(f)} | ${code(f.rule)} | ${code(`${f.file}:${f.line}:${f.column}`)} | ${cell([`${f.message}. ${f.why}`, ...notes].join(' '))} | ${cell(f.fix)} |`);
    }
    out.push('');
  }
  if (r.unreadable?.length) out.push(`Not linted (unreadable): ${r.unreadable.map(code).join(', ')}`, '');
  return out;
}

/** `Down section: does not gate up.` (or why else `up` lets the finding through), as a list for a notes array. */
function exemptNote(f: Finding, gate: LintGate | undefined): string[] {
  const why = gate ? upGateExemption(f, gate) : undefined;
  return why ? [`${why[0]!.toUpperCase()}${why.slice(1)}.`] : [];
}
