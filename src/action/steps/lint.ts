import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from '../../engine/logger.js';
import type { BeforeApply } from '../../engine/results.js';
import { MigrationError } from '../../engine/errors.js';
import { findMigrationFiles } from '../../engine/files.js';
import type { LintInput } from '../../lint/index.js';
import { gateLine, judgeGate, lintFailedMessage, type LintGate } from '../../lint/gate.js';
import { lintPlan, type ReadTableFacts } from '../../lint/judge.js';
import { lintTally } from '../../lint/report.js';
import { DEFAULT_LARGE_TABLE } from '../../lint/sizes.js';
import { count } from '../../text/units.js';
import type { MigratorPort } from '../ports.js';
import type { ActionRun, LintReport } from '../run-result.js';
import type { ActionSettings } from '../settings.js';
import type { StepContext } from './context.js';
import { predictFailure } from './predict.js';

/** The settings lint reads. */
export type LintStepSettings = Pick<ActionSettings, 'migrationsDirs' | 'workspace' | 'lintFailOn' | 'lintDisable' | 'lintLargeTable' | 'pgVersion' | 'lintRunner' | 'steps'>;

/**
 * Lint these files as one plan and judge them against `lint-fail-on`. Scope `all` (`command:
 * lint`) is offline: `pg-version` and `lint-runner` apply and every existing table counts as large;
 * scope `pending` (`up`, `plan`) reads the server's major and the sizes of the tables the findings
 * name through `facts`, lints as our runner and gates on the up sections only. Unreadable files
 * are listed, not fatal.
 */
export async function lintReport(
  s: LintStepSettings,
  files: readonly { displayPath: string; absPath?: string }[],
  scope: LintReport['scope'],
  facts?: ReadTableFacts,
): Promise<LintReport> {
  const failOn = s.lintFailOn ?? 'error';
  const gate: LintGate = scope === 'all' ? 'all' : 'up';
  const disabled = [...(s.lintDisable ?? [])];
  const inputs: LintInput[] = [];
  const unreadable: string[] = [];
  for (const f of files) {
    try {
      inputs.push({ displayPath: f.displayPath, content: await readFile(f.absPath ?? resolve(s.workspace, f.displayPath)) });
    } catch {
      unreadable.push(f.displayPath);
    }
  }
  const judged = await lintPlan(inputs, {
    disabled,
    // `up` and `plan` run the SQL with our runner, which sets lock_timeout; `lint-runner` is for `command: lint`.
    runner: scope === 'all' ? (s.lintRunner ?? 'db-migrate') : 'db-migrate',
    ...(s.pgVersion !== undefined ? { pgVersion: s.pgVersion } : {}),
    large: s.lintLargeTable ?? DEFAULT_LARGE_TABLE,
    ...(facts ? { facts } : {}),
  });
  const { findings } = judged;
  const { failing, downOnly } = judgeGate(findings, failOn, gate);
  return {
    scope,
    gate,
    failOn,
    disabled,
    files: inputs.length,
    ...(unreadable.length ? { unreadable } : {}),
    findings,
    failing,
    downOnly,
    failed: failing > 0,
    ...(judged.pgVersion !== undefined ? { pgVersion: judged.pgVersion } : {}),
    databaseAware: facts !== undefined && judged.factsError === undefined,
    ...(judged.factsError !== undefined ? { factsError: judged.factsError } : {}),
  };
}

function logReport(log: Logger, r: LintReport): void {
  for (const f of r.findings) log.info(gateLine(f, r.gate));
  const facts = [r.scope, `lint-fail-on: ${r.failOn}`, ...(r.pgVersion !== undefined ? [`PostgreSQL ${r.pgVersion}`] : []), ...(r.databaseAware ? ['table sizes from the database'] : [])];
  log.info(`Lint (${facts.join(', ')}): ${lintTally(r.findings, r.files)}`);
}

/** The error of a run that lint stops (its message is the CLI's too: lint/gate.ts). */
export function lintError(r: LintReport, before: string): MigrationError {
  return new MigrationError('LINT_FAILED', lintFailedMessage(r.failing, r.failOn, r.findings, r.files, before), {
    hint: 'fix the migrations as each finding says, suppress one in the file with its reason (-- db-migrate:disable rule-id -- why), disable a rule with lint-disable, or set lint-fail-on',
  });
}

/** The warning of a run whose down sections have findings that do not gate `up` but fail `command: lint`. */
function downOnlyWarning(r: LintReport): string {
  return `${count(r.downOnly, 'down-section finding')} at or above lint-fail-on: ${r.failOn} (${r.downOnly === 1 ? 'it does' : 'they do'} not stop up, but command: lint fails on ${r.downOnly === 1 ? 'it' : 'them'}: fix the down section before a rollback needs it)`;
}

/** What `command: lint` is given: it needs no database, so no ports and no target. */
export interface LintContext {
  readonly settings: LintStepSettings;
  readonly log: Logger;
  /** The run so far; the report is recorded here. */
  readonly run: ActionRun;
}

/**
 * `command: lint`: lint every migration file and record the report in the run. Needs no database
 * (and no URL). Throws the `LINT_FAILED` error when a finding is at or above `lint-fail-on`.
 */
export async function lintAll(ctx: LintContext): Promise<LintReport> {
  const { settings: s, log, run } = ctx;
  const files = await findMigrationFiles([...s.migrationsDirs], s.workspace);
  const r = await lintReport(s, files, 'all');
  run.lint = r;
  logReport(log, r);
  if (r.failed) throw lintError(r, '');
  return r;
}

/**
 * The migrator, with lint in preflight (commands `up` and `plan`, and dry runs of `up`): `plan`
 * lints the migrations it would apply and records them in the run; `up` lints the pending files
 * in its `beforeApply` hook, after planning and before the backup and the first migration, and
 * stops the run with nothing applied when a finding is at or above `lint-fail-on`.
 */
export function lintingMigrator(ctx: StepContext): MigratorPort {
  const { settings: s, log, run, warn } = ctx;
  const migrator = ctx.ports.migrator;
  const facts: ReadTableFacts = (tables) => migrator.tableFacts(tables);
  const record = (r: LintReport) => {
    run.lint = r;
    logReport(log, r);
    if (r.unreadable?.length) log.info(`Lint: could not read ${r.unreadable.join(', ')}`);
    if (r.factsError !== undefined) warn(`lint could not read table sizes, so every existing table counts as large: ${r.factsError}`);
  };
  const recordRunOutcome = migrator.recordRunOutcome;
  // Bound, not spread: the engine's methods live on its prototype.
  return {
    ...(recordRunOutcome ? { recordRunOutcome: (...args: Parameters<typeof recordRunOutcome>) => recordRunOutcome.apply(migrator, args) } : {}),
    status: (...args) => migrator.status(...args),
    planRollback: (...args) => migrator.planRollback(...args),
    rollback: (...args) => migrator.rollback(...args),
    rollbackVersions: (...args) => migrator.rollbackVersions(...args),
    holdLock: (...args) => migrator.holdLock(...args),
    tableFacts: (...args) => migrator.tableFacts(...args),
    plan: async (...args) => {
      const plan = await migrator.plan(...args);
      const take = s.steps ?? plan.pending.length;
      // A plan of a database that does not exist yet has no table to size (and may have no server to ask).
      const r = await lintReport(s, plan.pending.slice(0, take), 'pending', plan.databaseMissing ? undefined : facts);
      record(r);
      if (r.failed) predictFailure(ctx, `up would fail before applying anything: ${lintError(r, '').message}`);
      // The preview is the pull request's review: down sections count there, as in command: lint.
      if (r.downOnly) warn(downOnlyWarning(r));
      return plan;
    },
    up: async (opts = {}) => {
      const next = opts.beforeApply;
      const beforeApply: BeforeApply = async (migrations, info) => {
        // Sized on the run's own connection, which holds the lock: no second session.
        const r = await lintReport(s, migrations, 'pending', info.tableFacts);
        record(r);
        if (r.downOnly) run.notes.push(`Lint: ${downOnlyWarning(r)}.`);
        if (r.failed) {
          run.rows = migrations.map((m) => ({ version: m.version, file: m.displayPath, status: 'pending' }));
          run.pending = migrations.map((m) => m.version);
          run.notes.push('No migration was applied and no backup was taken: lint runs first and found problems at or above lint-fail-on.');
          throw lintError(r, ', so nothing was applied');
        }
        if (next) await next(migrations, info);
      };
      return migrator.up({ ...opts, beforeApply });
    },
  };
}
