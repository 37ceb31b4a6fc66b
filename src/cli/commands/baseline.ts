import { MigrationError } from '../../engine/errors.js';
import type { BaselineResult } from '../../engine/results.js';
import type { DatabaseCommandContext } from './context.js';

/**
 * `baseline VERSION`: record every migration up to VERSION (dbmate's order) as applied without
 * running it, for a database whose schema already exists; `--dry-run` checks and says what it
 * would record. The engine prints `Baselined: <file>` per version (`Would baseline:` in a dry run,
 * `Already applied:` for versions the ledger has); the last line says what was done. `--json`
 * prints the result instead of that line.
 *
 * @throws {MigrationError} `BASELINE_VERSION_MISSING` without VERSION; the engine's refusals
 *   (`BASELINE_VERSION_UNKNOWN`, `BASELINE_EMPTY_DATABASE`, `BASELINE_SCHEMA_MISMATCH`)
 */
export async function baselineCommand({ opts, migrator, out }: DatabaseCommandContext): Promise<number> {
  const version = opts.args[0];
  if (!version) {
    throw new MigrationError('BASELINE_VERSION_MISSING', 'please specify the version to baseline to', {
      hint: 'db-migrate-action baseline 20240101000000 (the version of the last migration the database already has; `status` lists them)',
    });
  }
  const r = await migrator.baseline({ version, dryRun: opts.dryRun });
  if (opts.json) out(`${JSON.stringify(baselineJson(r), null, 2)}\n`);
  else out(`${baselineLine(r)}\n`);
  return 0;
}

/** The closing line: what was (or would be) recorded, what was already there, what remains for `up`. */
function baselineLine(r: BaselineResult): string {
  const n = r.baselined.length;
  const kept = r.alreadyApplied.length > 0 ? `; ${r.alreadyApplied.length} already applied` : '';
  const pending = `; ${r.pending.length} pending for \`up\``;
  if (n === 0) return `Nothing to baseline: every migration up to ${r.version} is already applied${pending}`;
  const what = `${n} migration(s) up to ${r.version}`;
  const checked = `${r.checkedObjects} object(s) they create found in the database`;
  return r.dryRun
    ? `Baseline (dry run, nothing changed): ${what} would be recorded as applied without running their SQL (${checked})${kept}${pending}`
    : `Baseline: ${what} recorded as applied without running their SQL (${checked})${kept}${pending}`;
}

function baselineJson(r: BaselineResult): unknown {
  return {
    command: r.command,
    status: r.dryRun ? 'dry-run' : r.baselined.length > 0 ? 'success' : 'nothing-to-do',
    version: r.version,
    baselined: r.baselined.map((m) => ({ version: m.version, file: m.displayPath })),
    alreadyApplied: r.alreadyApplied.map((m) => ({ version: m.version, file: m.displayPath })),
    checkedObjects: r.checkedObjects,
    unchecked: r.unchecked,
    pending: r.pending,
    currentVersion: r.currentVersion ?? null,
    ledgerCreated: r.ledgerCreated,
    schemaFile: r.schemaFile ?? null,
    dumpError: r.dumpError?.message,
    durationMs: r.durationMs,
  };
}
