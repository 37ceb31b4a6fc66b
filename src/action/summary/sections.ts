/**
 * The job summary's sections besides the facts, migrations, health and lint: what went wrong and
 * what was undone, the backup, the verify and drift verdicts, the report and the recent runs, the
 * run's own notes and SQL. Code blocks are wrapped to {@link CODE_WIDTH}: GitHub scrolls a wider line.
 */
import { renderMarkdown, renderRecentRuns } from '../../metrics/markdown.js';
import { ROLLBACK_STOP_REASONS, type ActionRun, type BackupReport, type LintReport, type RunError, type VerifyReport } from '../run-result.js';
import type { DriftReport } from '../../safety/drift.js';
import type { HealthResult } from '../../safety/health.js';
import { CODE_WIDTH, code, errorText, escapeHtml, fence, oneLine, plain, wrapDiff, wrapShell, wrapSql } from '../../text/markdown.js';
import { bytes, duration } from '../../text/units.js';
import { currentVersion, failedHealthChecks, failingFindings, findingItem, healthTable } from './tables.js';

/** What else {@link errorSection} shows when it is what failed the run. */
export interface ErrorContext {
  /** The lint report: when it failed the run, its failing findings are the error. */
  lint?: LintReport;
  /** The health checks: when they failed the run, their table is the error's detail. */
  health?: HealthResult;
}

/**
 * The run's error, said once: where (file:line:column, SQLSTATE) and what, then what the
 * description adds (detail, hints, what stayed applied) and the failing statement. When lint
 * failed the run, the findings that failed it (file:line, rule, the safe alternative) are the
 * error; when the health checks did, their table is (its details are the message's).
 */
export function errorSection(e: RunError, ctx: ErrorContext = {}): string[] {
  if (healthFailed(e, ctx.health)) {
    const h = ctx.health!;
    return ['### ❌ Error', '', `The health checks after migrating failed: ${failedHealthChecks(h)}.`, '', ...healthTable(h), ''];
  }
  const lint = ctx.lint;
  return ['### ❌ Error', '', ...errorBlock(e, lint?.failed ? failingFindings(lint).flatMap((f) => findingItem(f, lint.gate)) : [])];
}

/** Whether the health checks failed the run, so the error section shows their table. */
export function healthFailed(e: RunError | undefined, h: HealthResult | undefined): boolean {
  return e?.code === 'HEALTH_CHECK_FAILED' && h !== undefined && !h.ok;
}

/**
 * An error as the summary words it (the run's, and the rollback's own): one line with where
 * (`In `file:4:15` (SQLSTATE `42P01`): …`) and the message without them, the `findings` that are
 * the error, what the description adds (labelled: detail, hints; what stayed applied), and the
 * failing statement in a block.
 */
function errorBlock(e: RunError, findings: string[] = []): string[] {
  const t = errorText(e);
  const sqlstate = e.sqlstate ? ` (SQLSTATE ${code(e.sqlstate)})` : '';
  const out = [t.where ? `In ${code(t.where)}${sqlstate}: ${plain(t.message)}` : `${plain(t.message)}${sqlstate}`, ''];
  if (findings.length) out.push(...findings, '');
  if (t.extras.length) out.push(...t.extras.map((x) => (x.label ? `- **${x.label}:** ${plain(x.text)}` : `- ${plain(`${x.text[0]!.toUpperCase()}${x.text.slice(1)}`)}`)), '');
  if (e.statement) {
    const sql = wrapSql(e.statement.trim());
    out.push(`Failing statement${sql !== e.statement.trim() ? ` (lines over ${CODE_WIDTH} characters wrapped)` : ''}:`, '', fence(sql, 'sql'), '');
  }
  return out;
}

/** Exactly what the automatic rollback undid and what of this run is still applied. */
export function rollbackSection(run: ActionRun): string[] {
  const rb = run.rollback;
  if (!rb) return [];
  const list = (vs: string[]) => (vs.length ? vs.map(code).join(', ') : 'none');
  const done = rb.remaining.length === 0 && !rb.error;
  const out = [`### ↩️ Automatic rollback${done ? '' : ' (incomplete)'}`, ''];
  out.push(`- **Why:** ${oneLine(rb.reason)}`);
  out.push(`- **Rolled back** (newest first): ${list(rb.rolledBack)}`);
  out.push(`- **Still applied from this run:** ${list(rb.remaining)}`);
  if (rb.stoppedAt) {
    out.push(`- **Stopped at:** ${code(rb.stoppedAt.file ?? rb.stoppedAt.version)}: ${ROLLBACK_STOP_REASONS[rb.stoppedAt.reason] ?? rb.stoppedAt.reason}`);
  }
  out.push(`- **Current version now:** ${currentVersion(run)}`);
  out.push('');
  if (rb.error) out.push(...errorBlock(rb.error));
  return out;
}

/** The backup: where it is, how it was made and checked, and the exact command to restore it. */
export function backupSection(b: BackupReport, errorAbove = false): string[] {
  if (b.outcome === 'failed') {
    return [
      '### ❌ Backup',
      '',
      `- **Why a backup:** ${b.reason}`,
      ...(b.pgDump ? [`- **pg_dump:** ${b.pgDumpVersion} (${code(b.pgDump)})`] : []),
      ...(b.serverVersion ? [`- **Server:** PostgreSQL ${b.serverVersion}`] : []),
      `- **Result:** failed before any migration ran, so nothing was changed${errorAbove || !b.error ? ': see the error above' : `: ${plain(b.error)}`}`,
      '',
    ];
  }
  if (b.outcome !== 'taken') return [];
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
    fence(wrapShell(b.restoreCommand ?? ''), 'sh'),
    '',
  ];
}

/** A long text collapsed under a one-line title, fenced so nothing in it renders as markup. */
function details(title: string, text: string, lang: string): string[] {
  return [`<details><summary>${title}</summary>`, '', fence(text, lang), '', '</details>', ''];
}

/** The verify verdict: every down undoes its up, or the first down that does not, with the diff. */
export function verifySection(v: VerifyReport): string[] {
  if (v.ok) {
    return ['### ✅ Verify', '', `${v.migrations} migration(s) applied, rolled back and re-applied on the scratch database ${code(v.scratchDatabase)}: every down undoes its up.`, ''];
  }
  const head = v.firstBadDown
    ? `The down section of ${code(v.firstBadDown.file)} (version ${code(v.firstBadDown.version)}) does not undo its up.`
    : 'The round trip did not give back the same schema.';
  return ['### ❌ Verify', '', head, '', ...details('Verdict and diff', wrapDiff(v.verdict), 'diff')];
}

/** The drift verdict, and the diff collapsed in `<details>`. */
export function driftSection(d: DriftReport): string[] {
  switch (d.outcome) {
    case 'clean':
      return ['### ✅ Schema drift', '', `The live schema matches ${code(d.schemaFile)}.`, ''];
    case 'skipped':
      return ['### ⚠️ Schema drift', '', `Not checked: ${d.reason ?? 'unknown reason'}`, ''];
    default:
      return [
        '### ⚠️ Schema drift',
        '',
        `The live schema differs from the committed ${code(d.schemaFile)} (changed outside the migrations, or the file is stale). This is reported, not a failure.`,
        '',
        ...details('Unified diff: committed (-) vs live (+)', wrapDiff(d.diff ?? ''), 'diff'),
      ];
  }
}

/** The body of `command: report`: the reliability figures of the window. */
export function reportSection(run: ActionRun): string[] {
  return run.metrics ? [renderMarkdown(run.metrics)] : [];
}

/** The closing section of `up`: this environment's newest runs, this one included. */
export function recentRunsSection(run: ActionRun): string[] {
  if (!run.recentRuns) return [];
  const n = run.recentRuns.length;
  const which = n === 0 ? 'Recent runs' : n === 1 ? 'Last run' : `Last ${n} runs`;
  // This run is among them: its error is the section above, not repeated in the list of errors.
  return [renderRecentRuns(run.recentRuns, `${which} in ${run.environment ?? 'this environment'}`, run.error ? { shownAbove: run.error.message } : {})];
}

/** A titled bullet list of the run's warnings or notes, one line each; nothing when there are none. */
export function listSection(title: string, items: readonly string[]): string[] {
  return items.length > 0 ? [`### ${title}`, '', ...items.map((i) => `- ${oneLine(i)}`), ''] : [];
}

/** The exact SQL of each migration that carries it (a dry run), collapsed one per migration. */
export function sqlSection(run: ActionRun): string[] {
  const rows = run.rows.filter((r) => r.sql !== undefined);
  if (rows.length === 0) return [];
  const shown = rows.map((r) => ({ r, sql: wrapSql(r.sql ?? '') }));
  return [
    '### SQL',
    '',
    ...(shown.some(({ r, sql }) => sql !== r.sql) ? [`Lines over ${CODE_WIDTH} characters are wrapped for display; the files hold them as written.`, ''] : []),
    ...shown.flatMap(({ r, sql }) => details(`${escapeHtml(`${r.version} ${r.file}`)} (${r.transaction ? 'one transaction' : 'transaction:false'})`, sql, 'sql')),
  ];
}
