import { Outputs } from './constants.js';
import type { ActionRun, RunError } from './run-result.js';
import { upGateExemption } from '../lint/gate.js';

/**
 * Version of the `report` output's shape; bumped when a field changes meaning or goes away.
 * 2: history and report outcomes are `rolled-back` (never `rolled_back`), and a manual rollback
 * is `success` of kind `rollback` instead of the outcome `rollback`.
 */
export const REPORT_SCHEMA_VERSION = 2;

/** The `report` output: the whole run, plus the schema version. */
export interface ActionReport extends ActionRun {
  schemaVersion: number;
}

/** The run as the `report` output's object. */
export function reportOf(run: ActionRun): ActionReport {
  return { schemaVersion: REPORT_SCHEMA_VERSION, ...run };
}

/**
 * Every output of `action.yml` as the string the runner stores. Always the full set, also for a
 * run that failed on its inputs, so `steps.<id>.outputs.status` can be tested in any case.
 */
export function actionOutputs(run: ActionRun): Record<Outputs, string> {
  return {
    [Outputs.Status]: run.status,
    [Outputs.Applied]: JSON.stringify(run.applied),
    [Outputs.RolledBack]: JSON.stringify(run.rolledBack),
    [Outputs.Pending]: JSON.stringify(run.pending),
    [Outputs.CurrentVersion]: run.currentVersion ?? '',
    [Outputs.BackupPath]: run.backupPath ?? '',
    [Outputs.IssueUrl]: run.issueUrl ?? '',
    [Outputs.DurationMs]: String(run.durationMs),
    [Outputs.Report]: JSON.stringify(reportOf(run)),
  };
}

/** An error annotation on a migration file (`core.error` with file and line). */
export interface FileAnnotation {
  message: string;
  title: string;
  file: string;
  /** 1-based; line 1 when the failure has no known line (a parse error), so it still lands in the file. */
  startLine: number;
  startColumn?: number;
}

/**
 * Annotations on the files that failed: the run's error, and the automatic rollback's own failure
 * when a down section broke. Errors without a file get none (setFailed reports them).
 */
export function fileAnnotations(run: ActionRun): FileAnnotation[] {
  const of = (e: RunError | undefined, title: string): FileAnnotation[] =>
    e?.file ? [{ message: e.details, title, file: e.file, startLine: e.line ?? 1, ...(e.line !== undefined ? { startColumn: e.column ?? 1 } : {}) }] : [];
  return [
    ...of(run.error, errorTitle(run)),
    ...of(run.rollback?.error, run.rollback?.error?.version ? `Rollback of ${run.rollback.error.version} failed` : 'Automatic rollback stopped'),
  ];
}

/** A lint finding as an annotation: `core.error`, `core.warning` or `core.notice` by its severity; the title is the rule id. */
export interface LintAnnotation extends FileAnnotation {
  level: 'error' | 'warning' | 'info';
}

/**
 * One annotation per lint finding, on its file, line and column, with why and the safe
 * alternative; the size it was judged by and, for a down-section finding of `up`, that it does not
 * gate the run. A suppressed finding is a notice, with its reason, and so is a down-section
 * finding of `up` (but `missing-down`, which says this run cannot be rolled back); an error that
 * only the review gates (a committed secret) is a warning on `up`.
 */
export function lintAnnotations(run: ActionRun): LintAnnotation[] {
  const gate = run.lint?.gate ?? 'all';
  return (run.lint?.findings ?? []).map((f) => {
    const exempt = upGateExemption(f, gate);
    const notes = [
      ...(f.size ? [`Judged by: ${f.size}`] : []),
      ...(f.suppressed ? [`Suppressed: ${f.suppressed.reason || 'no reason given'}`] : []),
      // An info finding gates nothing anywhere; an error one does fail command: lint at its default.
      ...(exempt && f.severity !== 'info' ? [`${exempt[0]!.toUpperCase()}${exempt.slice(1)}${f.severity === 'error' ? ' (command: lint fails on it)' : ''}`] : []),
    ];
    // On up, what a rollback would run is a notice: error marks on a green run would say it broke.
    const downOnUp = gate === 'up' && f.direction === 'down' && f.rule !== 'missing-down';
    return {
      level: f.suppressed || downOnUp ? 'info' : exempt && f.severity === 'error' ? 'warning' : f.severity,
      message: [f.message, `Why: ${f.why}`, `Fix: ${f.fix}`, ...notes].join('\n'),
      title: f.rule,
      file: f.file,
      startLine: f.line,
      startColumn: f.column,
    };
  });
}

/**
 * The title of the run's error annotation: a file that does not parse never ran, and a dry run
 * ran nothing, so neither is a migration that failed (on-call reads the title first).
 */
function errorTitle(run: ActionRun): string {
  const e = run.error;
  if (e?.code?.startsWith('PARSE_')) return 'Invalid migration file';
  if (run.dryRun || run.command === 'plan') return `${run.command === 'rollback' ? 'Rollback' : 'up'} would fail (dry run)`;
  return e?.version ? `Migration ${e.version} failed` : 'Migration failed';
}

/** A warning annotation on the schema file when the live schema drifted from it (`core.warning`), with the diff. */
export function driftAnnotations(run: ActionRun): FileAnnotation[] {
  const d = run.drift;
  if (d?.outcome !== 'drift') return [];
  return [{ message: `The live schema differs from this file:\n${d.diff ?? ''}`, title: 'Schema drift', file: d.schemaFile, startLine: 1 }];
}
