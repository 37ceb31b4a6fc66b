import { VERSION } from '../version.js';
import type { ActionRun, RunError } from './run-result.js';
import type { ActionSettings, LintSettings } from './settings.js';

/**
 * The one constructor of an {@link ActionRun}: what a run copies from its settings, and the empty
 * records its steps fill in. Without settings (the inputs were invalid) the run names no command,
 * environment or database, and carries `error`. A `lint` run names no database even when a URL is
 * set: lint never connects. The keys come in the order the `report` output has always shown them.
 */
export function newRun(startedAt: number, settings?: ActionSettings | LintSettings, error?: RunError): ActionRun {
  const s = settings;
  const target = s?.command !== 'lint' ? s?.target : undefined;
  const urlSource = s?.command !== 'lint' ? s?.urlSource : undefined;
  return {
    status: error ? 'failed' : 'success',
    ...(s ? { command: s.command } : {}),
    dryRun: s?.dryRun ?? false,
    ...(s ? { environment: s.environment } : {}),
    ...(target && urlSource
      ? {
          target: { host: target.host, port: target.port, database: target.database, ...(target.user ? { user: target.user } : {}), url: target.redacted },
          urlSource: urlSource.name,
        }
      : {}),
    startedAt: new Date(startedAt).toISOString(),
    durationMs: 0,
    rows: [],
    applied: [],
    rolledBack: [],
    pending: [],
    ...(error ? { error } : {}),
    warnings: [],
    notes: [],
    toolVersion: VERSION,
    ...(s ? { run: { ...s.run } } : {}),
  };
}
