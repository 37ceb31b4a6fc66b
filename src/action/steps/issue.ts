/**
 * The failure issue: after a failed `up` or `rollback` (the run is finished and redacted), open
 * the failure issue (or comment on the open one) through `src/github/`. Reporting never changes
 * the run's outcome: every problem ends as a warning.
 */
import { reportFailure, type IssueFacts } from '../../github/issue.js';
import { failsGate } from '../../lint/gate.js';
import { ROLLBACK_STOP_REASONS as STOP_REASON, type ActionRun, type IssueReport } from '../run-result.js';
import type { ActionSettings } from '../settings.js';
import type { StepContext } from './context.js';

/**
 * Whether this run pages someone. Only real changes that failed: a failed migration, health
 * check, rollback or backup, or a database that could not be reached for `up`/`rollback`. Not
 * dry runs, not `status`/`plan`/`baseline`, and not what the author of the migrations or the workflow fixes
 * ({@link AUTHORS_ERROR}: lint, a bad file or input): that is for the run that shows it.
 */
export function wantsIssue(s: ActionSettings, run: ActionRun): boolean {
  if (!s.createIssueOnFailure || s.dryRun) return false;
  // `baseline` neither: a refusal (or any failure) leaves the database exactly as it was, since its
  // rows are written in one transaction after the checks; the run's red status says what to fix.
  if (s.command !== 'up' && s.command !== 'rollback') return false;
  if (run.status !== 'failed' && run.status !== 'rolled-back') return false;
  return !(run.applied.length === 0 && AUTHORS_ERROR.test(run.error?.code ?? ''));
}

/**
 * Failures found before anything ran that the author of the migrations or the workflow fixes, not
 * on-call: lint, a malformed or out-of-order file, an invalid input or URL or table name, a URL
 * that reaches a pooler, a standby or another tool's ledger, nothing to roll back. The run that
 * shows them says where (annotations, the summary); paging someone for them would train people to
 * ignore the incident label.
 */
const AUTHORS_ERROR =
  /^(LINT_FAILED|PARSE_[A-Z_0-9]+|OUT_OF_ORDER|DUPLICATE_VERSION|MIGRATIONS_DIR_MISSING|INPUT_INVALID|URL_[A-Z_]+|TABLE_NAME_INVALID|LEDGER_FOREIGN|HISTORY_FOREIGN|POOLER_TRANSACTION_MODE|STANDBY|TARGET_SESSION_ATTRS|NOTHING_TO_ROLLBACK|ROLLBACK_NO_FILE|ROLLBACK_NO_DOWN)$/;

/** Everything the issue says, from the (already redacted) run. */
export function issueFacts(s: ActionSettings, run: ActionRun): IssueFacts {
  const rb = run.rollback;
  let stillApplied: string[] | undefined;
  let rollbackNote: string | undefined;
  if (rb) {
    stillApplied = rb.remaining;
    if (rb.stoppedAt) rollbackNote = `the automatic rollback stopped at ${rb.stoppedAt.file ?? rb.stoppedAt.version}: ${STOP_REASON[rb.stoppedAt.reason] ?? rb.stoppedAt.reason}`;
    else if (rb.error) rollbackNote = `the automatic rollback failed: ${rb.error.message}`;
  } else if (s.command === 'up' && run.applied.length > 0) {
    stillApplied = [...run.applied].reverse();
    rollbackNote = s.rollbackOnFailure ? 'no automatic rollback ran' : 'rollback-on-failure is false: this run\'s migrations were left applied';
  } else if (s.command === 'up') {
    stillApplied = [];
    if (run.backup?.outcome === 'failed') rollbackNote = 'the backup failed before any migration ran: nothing was applied';
    else rollbackNote = 'nothing was applied before the failure, so there was nothing to roll back';
  }
  const b = run.backup;
  const lint = run.lint;
  return {
    environment: s.environment,
    command: s.command,
    status: run.status,
    ...(run.target ? { database: run.target.url } : {}),
    ...(run.error ? { error: run.error } : {}),
    applied: run.applied,
    rolledBack: run.rolledBack,
    ...(stillApplied !== undefined ? { stillApplied } : {}),
    ...(rollbackNote !== undefined ? { rollbackNote } : {}),
    rollbackAttempted: rb !== undefined,
    // Undefined also when the run never read the ledger: the issue then names no version.
    ...(run.currentVersion !== undefined ? { currentVersion: run.currentVersion } : {}),
    ...(lint?.failed ? { lintFindings: lint.findings.filter((f) => failsGate(f, lint.failOn, lint.gate)) } : {}),
    ...(b?.outcome === 'taken' && b.path ? { backup: { path: b.path, ...(b.bytes !== undefined ? { bytes: b.bytes } : {}), ...(b.restoreCommand ? { restoreCommand: b.restoreCommand } : {}) } } : {}),
    ...(s.run.runUrl ? { runUrl: s.run.runUrl } : {}),
    ...(s.run.actor ? { actor: s.run.actor } : {}),
    ...(s.run.sha ? { commit: s.run.sha } : {}),
    durationMs: run.durationMs,
    toolVersion: run.toolVersion,
    secrets: s.secrets,
  };
}

/**
 * Open or comment on the failure issue and record the link in the run (`issue`, `issueUrl`), or
 * add a warning saying why not. `ctx.run` is the finished, redacted run, and `ctx.warn` redacts
 * what it adds (the pipeline's context after the run). Never throws.
 */
export async function reportIssue(ctx: StepContext): Promise<IssueReport | undefined> {
  const { settings: s, run, log, warn } = ctx;
  const repo = s.run.repository;
  if (!repo) {
    warn('create-issue-on-failure: GITHUB_REPOSITORY is not set (not running on GitHub Actions?), so no issue was opened. The migration\'s outcome is unchanged.');
    return undefined;
  }
  if (s.githubToken === '') {
    warn(
      'create-issue-on-failure: the github-token input is empty, so no issue was opened (its default is ${{ github.token }}; the job needs `permissions: issues: write`). ' +
        "The migration's outcome is unchanged.",
    );
    return undefined;
  }
  const [owner, name] = repo.split('/');
  try {
    const client = ctx.ports.createIssueClient({ token: s.githubToken, owner, repo: name, ...(s.apiUrl ? { apiUrl: s.apiUrl } : {}), log });
    const result = await reportFailure(client, issueFacts(s, run), { labels: s.issueLabels, environment: s.environment, log, secrets: s.secrets });
    if ('warning' in result) {
      warn(result.warning);
      return undefined;
    }
    run.issue = { action: result.action, number: result.number, url: result.url, issueUrl: result.issueUrl };
    // No note: the summary's facts line links the issue, and reportFailure logged it.
    run.issueUrl = result.url;
    return run.issue;
  } catch (err) {
    // reportFailure never throws; this guards the client factory.
    warn(`create-issue-on-failure: no issue was opened: ${(err as Error)?.message ?? String(err)}. The migration's outcome is unchanged.`);
    return undefined;
  }
}
