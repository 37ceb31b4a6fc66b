import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from '../../engine/logger.js';
import type { BeforeApply } from '../../engine/results.js';
import { MigrationError } from '../../engine/errors.js';
import { findMigrationFiles } from '../../engine/files.js';
import { lintFiles, type Finding, type LintInput } from '../../lint/index.js';
import { findingCounts, findingLine, lintTally } from '../../lint/report.js';
import { count } from '../../text/units.js';
import type { LintFailOn } from '../constants.js';
import type { MigratorPort } from '../ports.js';
import type { ActionRun, LintReport } from '../run-result.js';
import type { ActionSettings } from '../settings.js';
import type { StepContext } from './context.js';

/** The settings lint reads. */
export type LintStepSettings = Pick<ActionSettings, 'migrationsDirs' | 'workspace' | 'lintFailOn' | 'lintDisable' | 'steps'>;

/** Whether a finding of this severity fails the run under `lint-fail-on`. */
export function failsRun(severity: Finding['severity'], failOn: LintFailOn): boolean {
  if (failOn === 'none') return false;
  return failOn === 'warning' || severity === 'error';
}

/** Lint these files and judge them against `lint-fail-on`. Unreadable files are listed, not fatal. */
export async function lintReport(s: LintStepSettings, files: readonly { displayPath: string; absPath?: string }[], scope: LintReport['scope']): Promise<LintReport> {
  const failOn = s.lintFailOn ?? 'error';
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
  const findings = await lintFiles(inputs, { disabled });
  const failing = findings.filter((f) => failsRun(f.severity, failOn)).length;
  return { scope, failOn, disabled, files: inputs.length, ...(unreadable.length ? { unreadable } : {}), findings, failing, failed: failing > 0 };
}

function logReport(log: Logger, r: LintReport): void {
  for (const f of r.findings) log.info(findingLine(f));
  log.info(`Lint (${r.scope}, lint-fail-on: ${r.failOn}): ${lintTally(r.findings, r.files)}`);
}

/** The error of a run that lint stops. */
export function lintError(r: LintReport, before: string): MigrationError {
  return new MigrationError('LINT_FAILED', `migration lint failed${before}: ${count(r.failing, 'finding')} at or above lint-fail-on: ${r.failOn} (${findingCounts(r.findings, r.files)})`, {
    hint: 'fix the migrations as each finding says, disable a rule in the file (-- db-migrate:disable rule-id) or with lint-disable, or set lint-fail-on',
  });
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
  const record = (r: LintReport) => {
    run.lint = r;
    logReport(log, r);
    if (r.unreadable?.length) log.info(`Lint: could not read ${r.unreadable.join(', ')}`);
  };
  // Bound, not spread: the engine's methods live on its prototype.
  return {
    status: (...args) => migrator.status(...args),
    planRollback: (...args) => migrator.planRollback(...args),
    rollback: (...args) => migrator.rollback(...args),
    rollbackVersions: (...args) => migrator.rollbackVersions(...args),
    holdLock: (...args) => migrator.holdLock(...args),
    plan: async (...args) => {
      const plan = await migrator.plan(...args);
      const take = s.steps ?? plan.pending.length;
      const r = await lintReport(s, plan.pending.slice(0, take), 'pending');
      record(r);
      if (r.failed) warn(`up would fail before applying anything: ${lintError(r, '').message}`);
      return plan;
    },
    up: async (opts = {}) => {
      const next = opts.beforeApply;
      const beforeApply: BeforeApply = async (migrations, info) => {
        const r = await lintReport(s, migrations, 'pending');
        record(r);
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
