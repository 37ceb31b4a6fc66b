/**
 * `command: baseline`: adopt a database whose tables already exist (migrated by hand or by
 * another tool). The engine records every migration up to `baseline-version` as applied without
 * running its SQL, after checking that what those migrations create is there; this step only puts
 * its result into the run, in words that cannot be mistaken for "the migrations ran".
 */
import type { BaselineResult, MigrationRef } from '../../engine/results.js';
import { ActionError } from '../errors.js';
import type { MigrationRow } from '../run-result.js';
import type { StepContext } from './context.js';
import { setCurrent } from './record.js';

/**
 * What the check behind a baseline does not cover, said in the summary so nobody reads "checked"
 * as "the schema matches": the engine follows tables, columns, views and named indexes only.
 */
export const BASELINE_NOT_CHECKED = 'functions, types, constraints, triggers, grants and unnamed indexes were not checked';

/**
 * Run the baseline (or, with `dry-run`, only its checks) and record it: one row per migration up
 * to the version (`baselined`, `would-baseline`, or `applied` when the ledger already had it) and
 * one per migration left for `up`; `applied` stays empty, since nothing ran. No backup (see
 * `backup-policy.ts`); a refusal is thrown, and the pipeline records it as the run's error.
 *
 * @throws {ActionError} `BASELINE_VERSION_MISSING` when the settings carry no version (getSettings
 *   always sets it for this command; settings built by hand may not)
 */
export async function baseline(ctx: StepContext): Promise<BaselineResult> {
  const { settings: s, ports, log, run, warn } = ctx;
  const version = s.baselineVersion;
  if (version === undefined) throw new ActionError('BASELINE_VERSION_MISSING', 'command baseline needs the baseline-version input: the version of the last migration the database already has');
  if (!s.dryRun) {
    run.backup = { outcome: 'not-taken', reason: ctx.backup.reason };
    log.info(`No backup: ${ctx.backup.reason}`);
  }
  if (!ports.migrator.baseline) throw new ActionError('COMMAND_UNSUPPORTED', 'command baseline is not available with this migrator');
  const r = await ports.migrator.baseline({ version, dryRun: s.dryRun });
  const row = (m: MigrationRef, status: MigrationRow['status']): MigrationRow => ({ version: m.version, file: m.displayPath, status });
  run.rows = [...r.alreadyApplied.map((m) => row(m, 'applied')), ...r.baselined.map((m) => row(m, s.dryRun ? 'would-baseline' : 'baselined')), ...r.pendingFiles.map((m) => row(m, 'pending'))];
  // Nothing ran: `applied` (the output) lists migrations whose SQL this run executed.
  run.applied = [];
  run.pending = r.pending;
  setCurrent(run, r.currentVersion);
  if (r.schemaFile) run.schemaFile = r.schemaFile;
  if (r.dumpError) warn(`the schema dump failed (the baseline itself was recorded): ${r.dumpError.message}`);
  for (const u of r.unchecked) run.warnings.push(`${u.file}: its up section could not be parsed, so the objects it creates were not checked (${u.reason})`);
  run.notes.push(...baselineNotes(ctx, r));
  run.status = s.dryRun ? 'dry-run' : r.baselined.length > 0 ? 'success' : 'nothing-to-do';
  return r;
}

/** The sentences of the summary: what was recorded and that its SQL never ran, what the check covered, how to undo it, what is left for `up`. */
function baselineNotes(ctx: StepContext, r: BaselineResult): string[] {
  const { settings: s } = ctx;
  const n = r.baselined.length;
  const notes: string[] = [];
  const migrations = `${n} migration${n === 1 ? '' : 's'}`;
  if (n === 0) {
    notes.push(`Nothing to baseline: every migration up to ${r.version} is already in the ledger; nothing was recorded.`);
  } else {
    const checked = `${r.checkedObjects} table(s), column(s), view(s) and named index(es) they create were found in the database; ${BASELINE_NOT_CHECKED}`;
    notes.push(
      s.dryRun
        ? `Dry run: ${migrations} up to ${r.version} would be RECORDED AS APPLIED WITHOUT RUNNING their SQL; nothing was written. ${capital(checked)}.`
        : `${migrations} up to ${r.version} ${n === 1 ? 'was' : 'were'} RECORDED AS APPLIED WITHOUT RUNNING their SQL: the database already had their schema. Each has a \`baselined\` row in the history table. ${capital(checked)}.`,
    );
    if (r.ledgerCreated) notes.push(`The ledger table ${s.migrationsTable}${s.historyTable ? ` and the history table ${s.historyTable}` : ''} did not exist${s.dryRun ? ' and would be created' : ' and were created'}.`);
    if (!s.dryRun) {
      notes.push(`To undo the baseline, delete its ledger rows: delete from ${s.migrationsTable} where version in (${r.baselined.map((m) => `'${m.version}'`).join(', ')}); (no restore needed: no migration SQL ran).`);
    }
  }
  if (r.alreadyApplied.length > 0) notes.push(`Already in the ledger, left as they were: ${r.alreadyApplied.map((m) => m.version).join(', ')}.`);
  notes.push(r.pending.length > 0 ? `Left for \`up\`, which runs their SQL: ${r.pending.join(', ')}.` : 'No migration is left for `up`.');
  return notes;
}

function capital(text: string): string {
  return `${text[0]!.toUpperCase()}${text.slice(1)}`;
}
