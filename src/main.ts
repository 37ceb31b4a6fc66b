import * as core from '@actions/core';
import { getSettings, isLintSettings } from './action/inputs.js';
import { failedRun, runLintCommand, runPipeline } from './action/pipeline.js';
import { realPorts } from './action/real-ports.js';
import { actionOutputs, driftAnnotations, fileAnnotations, lintAnnotations } from './action/outputs.js';
import type { ActionRun } from './action/run-result.js';
import { renderSummary } from './action/summary.js';
import { coreLogger } from './action/core-logger.js';
import { cancelOnSignals, LAST_RESORT_MS } from './engine/signals.js';

/**
 * The action: validated inputs → engine → outputs, job summary and annotations. Decisions live
 * in `action/pipeline.ts`; this file only wires. Every output is set, even when the inputs are
 * invalid, and nothing reaches the database before every input has been validated.
 */
export async function run(): Promise<void> {
  const startedAt = Date.now();
  const cancel = cancelOnSignals({
    onSignal: (name, first) =>
      core.warning(first ? `${name} received: the job is being cancelled; stopping the run (no new migration starts; the one in flight is cancelled)` : `${name} received again: finishing the record of the run`),
    // Only if the run could not wind down in time: at least the status output and a failed step.
    lastResort: (name) => {
      core.setOutput('status', 'cancelled');
      core.setFailed(`cancelled by ${name}: the run did not end within ${LAST_RESORT_MS} ms; run \`status\` to see what is applied`);
      process.exit(1);
    },
  });
  let result: ActionRun;
  try {
    const settings = getSettings();
    const log = coreLogger(settings.secrets);
    // `command: lint` needs no database, so no URL and no engine.
    result = isLintSettings(settings)
      ? await runLintCommand(settings, { log })
      : await runPipeline(settings, { log, signal: cancel.signal, ...realPorts(settings, log, {}, cancel.signal) });
  } catch (err) {
    // Only invalid inputs get here: the pipeline reports its own failures in the result.
    result = failedRun(err, startedAt);
  }

  for (const [name, value] of Object.entries(actionOutputs(result))) core.setOutput(name, value);

  try {
    await core.summary.addRaw(renderSummary(result)).write();
  } catch (err) {
    core.warning(`could not write the job summary: ${(err as Error).message}`);
  }

  // Annotations land on the failing line of the migration file in the pull request.
  for (const { message, ...where } of fileAnnotations(result)) core.error(message, where);
  // Lint findings, on their line and column, titled with the rule id.
  for (const { level, message, ...where } of lintAnnotations(result)) (level === 'error' ? core.error : level === 'warning' ? core.warning : core.notice)(message, where);
  for (const { message, ...where } of driftAnnotations(result)) core.warning(message, where);
  const e = result.error;
  if (e) core.setFailed(e.file ? e.message : e.details);
  else if (result.status === 'cancelled') core.setFailed(`cancelled by ${result.cancelled ?? 'a signal'}`);
  cancel.dispose();
}
