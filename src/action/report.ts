import { Outputs } from './constants.js';
import type { ActionRun } from './run-result.js';

/** Version of the `report` output's shape; bumped when a field changes meaning or goes away. */
export const REPORT_SCHEMA_VERSION = 1;

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
