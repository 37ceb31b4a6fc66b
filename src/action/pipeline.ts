/**
 * The action's orchestrator: one run of the command the settings ask for, as data. It builds the
 * run and its context, runs the command's steps (`steps/`), and after the run redacts it, opens
 * the failure issue, keeps the pull-request comment and posts the notification. Every decision
 * below that lives in a step.
 */
import type { Logger } from '../engine/logger.js';
import { abortReason } from '../engine/cancel.js';
import { redact, redactDeep } from '../engine/redact.js';
import { ActionError, errorOf } from './errors.js';
import { baseline } from './steps/baseline.js';
import { newRun } from './new-run.js';
import { createIssueClient } from '../github/issue-client.js';
import type { ActionPorts, IssueClientFactory, PipelineLog } from './ports.js';
import { realPorts } from './real-ports.js';
import type { ActionRun } from './run-result.js';
import type { ActionSettings, LintSettings } from './settings.js';
import { stepContext, type StepContext } from './steps/context.js';
import { committedSchema, driftCheck } from './steps/drift.js';
import { recordRunOutcome } from './steps/history.js';
import { reportIssue, wantsIssue } from './steps/issue.js';
import { lintAll, lintingMigrator } from './steps/lint.js';
import { notify, wantsNotification } from './steps/notify.js';
import { prComment, wantsPrComment } from './steps/pr-comment.js';
import { planRollback, planUp } from './steps/plan.js';
import { recentRuns, report } from './steps/report.js';
import { rollback } from './steps/rollback.js';
import { status } from './steps/status.js';
import { up } from './steps/up.js';
import { verify } from './steps/verify.js';

/** What {@link runPipeline} is given: the log, and any of the ports; the real ones fill the rest. */
export interface PipelineDeps extends Partial<ActionPorts> {
  readonly log: PipelineLog;
  /** Aborted when the job is cancelled (main.ts turns SIGINT/SIGTERM into it). */
  readonly signal?: AbortSignal;
}

/**
 * Run the command the settings ask for and return the whole run as data. Never throws: a
 * failure is in `run.error`, with `status: 'failed'`, or `rolled-back` when this run's migrations
 * were undone automatically; a failed `up`/`rollback` then opens or comments on the failure issue.
 * Dry runs only use the engine's read-only calls (`plan`, `planRollback`, `status`) and read the
 * server version, so they cannot change anything.
 */
export async function runPipeline(settings: ActionSettings, deps: PipelineDeps): Promise<ActionRun> {
  const { log } = deps;
  // `command: lint` needs no database (main.ts calls it directly when no URL is set).
  if (settings.command === 'lint') return runLintCommand({ ...settings, command: 'lint' }, deps);
  const { signal } = deps;
  const ports = realPorts(settings, log, deps, signal);
  const t0 = ports.now();
  const run = newRun(t0, settings);
  const plain = stepContext(settings, ports, log, run, signal);
  // Migration lint in preflight (steps/lint.ts): `plan` lints what `up` would apply; `up` lints the pending files before the backup and the first migration.
  const ctx = settings.command === 'up' || settings.command === 'plan' ? { ...plain, ports: { ...ports, migrator: lintingMigrator(plain) } } : plain;
  log.info(`Environment: ${settings.environment}; database: ${settings.target.redacted} (from ${settings.urlSource.name}); command: ${settings.command}${settings.dryRun ? ' (dry run)' : ''}`);
  try {
    for (const m of laterFeatureWarnings(settings)) ctx.warn(m);
    await runCommand(ctx);
  } catch (err) {
    run.status = signal?.aborted ? 'cancelled' : 'failed';
    if (signal?.aborted) run.cancelled = abortReason(signal);
    run.error = errorOf(err);
  }
  if (run.status === 'cancelled') cancelNote(run);
  // The run's one duration, taken as its outcome is decided: `duration-ms`, the summary and the
  // history table give this figure; what follows reports on the run and is not part of it.
  run.durationMs = Math.round(ports.now() - t0);
  await recordRunOutcome(ctx);
  // After the run, so the table includes it; a cancelled job has seconds left, not for this.
  if (settings.command === 'up' && !signal?.aborted) await recentRuns(ctx);

  // From here on the run is redacted, and so is every warning added to it.
  const done = redactDeep(run, settings.secrets);
  const warnRedacted = (m: string) => {
    const text = redact(m, settings.secrets);
    done.warnings.push(text);
    log.warn(text);
  };
  const after: StepContext = { ...ctx, run: done, warn: warnRedacted };
  if (wantsIssue(settings, done)) await log.group('Failure issue', () => reportIssue(after));
  if (wantsPrComment(settings, done)) await log.group('Pull-request comment', () => prComment(after));
  // After the issue, so the message links it; a failed webhook is only a warning (steps/notify.ts).
  if (wantsNotification(settings, done)) await log.group('Notification', () => notify(after));
  return redactDeep(done, settings.secrets);
}

/** The steps of each command, in the order they run. */
async function runCommand(ctx: StepContext): Promise<void> {
  const { settings: s, log } = ctx;
  switch (s.command) {
    case 'status':
      await log.group('Status', () => status(ctx));
      break;
    case 'report':
      await log.group('Report', () => report(ctx));
      break;
    case 'verify':
      // A scratch database on the same server: the configured database is never touched.
      await log.group('Verify', () => verify(ctx));
      break;
    case 'plan':
      await log.group('Plan (dry run)', () => planUp(ctx));
      break;
    case 'up':
      if (s.dryRun) await log.group('Plan (dry run)', () => planUp(ctx));
      else await upThenDriftCheck(ctx);
      break;
    case 'rollback':
      if (s.dryRun) await log.group('Rollback plan (dry run)', () => planRollback(ctx));
      else await rollback(ctx);
      break;
    case 'baseline':
      // Only ledger rows, under the migration lock; no backup (steps/backup-policy.ts).
      await log.group(s.dryRun ? 'Baseline check (dry run)' : 'Baseline', () => baseline(ctx));
      break;
    default:
      // `lint` never gets here (runPipeline hands it to runLintCommand); a command added to the
      // inputs but not here fails the run instead of doing something else.
      throw new ActionError('COMMAND_UNSUPPORTED', `command ${s.command} is not available in this version`);
  }
}

/** `up`, then (`drift-check`) the live schema against the committed file when `up` succeeded. */
async function upThenDriftCheck(ctx: StepContext): Promise<void> {
  const { settings: s, log, run } = ctx;
  // Read before `up`, which rewrites the schema file when dump-schema is on.
  const committed = s.driftCheck ? await committedSchema(s) : undefined;
  await up(ctx);
  if (s.driftCheck && (run.status === 'success' || run.status === 'nothing-to-do')) await log.group('Drift check', () => driftCheck(ctx, committed));
}

/**
 * `command: lint`: lint every migration file. Needs no database (and no URL). Status `failed`
 * when a finding is at or above `lint-fail-on`, else `success`. On a pull request it keeps the
 * pull-request comment (`pr-comment`) as the pipeline does, through `createIssueClient` (default:
 * the real client, which loads @actions/github only on its first request).
 */
export async function runLintCommand(settings: LintSettings, deps: { log: Logger | PipelineLog; now?: () => number; createIssueClient?: IssueClientFactory }): Promise<ActionRun> {
  const now = deps.now ?? Date.now;
  const t0 = now();
  const run = newRun(t0, settings);
  try {
    await lintAll({ settings, log: deps.log, run });
  } catch (err) {
    run.status = 'failed';
    run.error = errorOf(err);
  }
  run.durationMs = Math.round(now() - t0);
  if (!wantsPrComment(settings, run)) return run;
  const { log } = deps;
  const done = redactDeep(run, settings.secrets);
  const warn = (m: string) => {
    const text = redact(m, settings.secrets);
    done.warnings.push(text);
    log.warn(text);
  };
  const ports = { createIssueClient: deps.createIssueClient ?? createIssueClient };
  const keep = () => prComment({ settings, run: done, log, warn, ports });
  await ('group' in log ? log.group('Pull-request comment', keep) : keep());
  return done;
}

/** A run that failed before the inputs were valid: every output still gets a value. */
export function failedRun(err: unknown, startedAt: number, now: number = Date.now()): ActionRun {
  const run = newRun(startedAt, undefined, errorOf(err));
  run.durationMs = Math.round(now - startedAt);
  return run;
}

/**
 * What a cancelled run leaves, in one sentence on top of its rows: what stayed applied, and that
 * nothing ran after the cancel (no further migration, no health check, no automatic rollback).
 */
function cancelNote(run: ActionRun): void {
  const kept = run.applied.filter((v) => !run.rolledBack.includes(v));
  run.notes.unshift(
    `The job was cancelled (${run.cancelled ?? 'cancel'}): no further migration, health check or automatic rollback started. ` +
      (kept.length > 0
        ? `Migrations this run applied before the cancel stay applied (each committed with its ledger row): ${kept.join(', ')}.`
        : 'This run left no migration applied.') +
      ' Run the workflow again to continue.',
  );
}

/** Inputs that do not apply to this command: say so instead of pretending. */
function laterFeatureWarnings(s: ActionSettings): string[] {
  const out: string[] = [];
  if (s.driftCheck && s.command !== 'up') out.push(`drift-check applies to command up only: the schema was not compared (command ${s.command})`);
  return out;
}
