import { jsonError, reportedInDocument } from '../json-error.js';
import { MigrationError } from '../../engine/errors.js';
import type { DatabaseCommandContext } from './context.js';
import { lintPending } from './lint-preflight.js';

const NON_ATOMIC = 'transaction:false: statements run one by one, not atomic';

/** A plan entry's SQL, ending in exactly the newline the file may lack. */
const sqlBlock = (sql: string): string => (sql.endsWith('\n') ? sql : `${sql}\n`);

/**
 * `plan` and `up`/`migrate --dry-run`: the pending migrations with the exact SQL each would run;
 * nothing changes (not even the ledger table is created). `--json` prints the plan as is. The
 * migrations to apply are linted as `up` lints them (warnings on stderr; exit 2 with `LINT_FAILED`
 * under `--lint-fail-on`, after the plan is printed).
 */
export async function planCommand(ctx: DatabaseCommandContext): Promise<number> {
  const { opts, migrator, out } = ctx;
  const p = await migrator.plan({ steps: opts.steps });
  // A database that does not exist yet has no table to size: lint as offline.
  const lint = () => lintPending(ctx, p.pending, '', { databaseMissing: p.databaseMissing });
  if (opts.json) {
    // One document on stdout: a lint gate that stops the plan is its `error` field, not a second document.
    const failed = await lint().then(
      () => undefined,
      (e: unknown) => ({ e }),
    );
    out(`${JSON.stringify(failed ? { ...p, error: jsonError(failed.e) } : p, null, 2)}\n`);
    if (failed) throw reportedInDocument(failed.e);
    return 0;
  }
  if (p.databaseMissing) out('The database does not exist yet; `up` will create it (`migrate` will not).\n');
  if (p.pending.length === 0) {
    out(`Nothing to apply: ${p.applied} applied, 0 pending (dry run, nothing changed)\n`);
    return 0;
  }
  out(`Plan: ${p.pending.length} pending migration(s); ${p.applied} already applied (dry run, nothing changed)\n`);
  for (const m of p.pending) {
    out(`\n=== ${m.displayPath} (version ${m.version}, ${m.transaction ? 'one transaction' : NON_ATOMIC})\n`);
    out(sqlBlock(m.sql));
  }
  if (!p.ledgerExists) out('\nThe migrations table does not exist yet; `up` will create it.\n');
  await lint();
  return 0;
}

/**
 * `rollback --dry-run`: what would be undone, newest first, with the exact down SQL; nothing changes.
 *
 * @throws {MigrationError} `NOTHING_TO_ROLLBACK` with dbmate's message when nothing is applied
 */
export async function planRollbackCommand({ opts, migrator, out }: DatabaseCommandContext): Promise<number> {
  const p = await migrator.planRollback({ steps: opts.steps ?? 1 });
  if (opts.json) {
    out(`${JSON.stringify(p, null, 2)}\n`);
    return 0;
  }
  if (p.targets.length === 0) {
    throw new MigrationError('NOTHING_TO_ROLLBACK', "can't rollback: no migrations have been applied", { hint: 'run `status` to see what is applied' });
  }
  out(`Rollback plan: ${p.targets.length} migration(s), newest first (dry run, nothing changed)\n`);
  for (const m of p.targets) {
    const mode = m.transaction ? 'one transaction' : NON_ATOMIC;
    out(`\n=== ${m.displayPath} (version ${m.version}, ${mode}${m.empty ? '; EMPTY down section: only the ledger row would be deleted' : ''})\n`);
    out(sqlBlock(m.sql));
  }
  return 0;
}
