import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { MigrationError } from '../../engine/errors.js';
import type { MigrationRef } from '../../engine/plan.js';
import type { BeforeApply } from '../../engine/results.js';
import { failsGate, gateLine, judgeGate, lintFailedMessage } from '../../lint/gate.js';
import { lintPlan, type ReadTableFacts } from '../../lint/judge.js';
import { lintTally } from '../../lint/report.js';
import { DEFAULT_LARGE_TABLE } from '../../lint/sizes.js';
import type { DatabaseCommandContext } from './context.js';

/**
 * Lint the migrations `up`/`migrate`/`plan` would apply, as the action does: one plan, judged on
 * the database (the server's major and the size of each existing table a finding names), each
 * finding that could stop the run (up sections; not info, not suppressed) or does, printed on stderr as
 * `Warning: <file:line:col: severity rule: message>` — the action's log line — so stdout stays
 * dbmate's. With `--lint-fail-on error|warning`, a finding in the up
 * sections at or above it throws the action's `LINT_FAILED` error (exit 2); by default nothing gates.
 *
 * @throws {MigrationError} `LINT_FAILED` under `--lint-fail-on`
 */
export async function lintPending(ctx: DatabaseCommandContext, migrations: readonly MigrationRef[], before: string, opt: { databaseMissing?: boolean; facts?: ReadTableFacts } = {}): Promise<void> {
  const { opts, io, log, migrator } = ctx;
  const facts = opt.facts ?? ((tables: readonly string[]) => migrator.tableFacts(tables));
  if (migrations.length === 0) return;
  const files = await Promise.all(migrations.map(async (m) => ({ displayPath: m.displayPath, content: await readFile(isAbsolute(m.displayPath) ? m.displayPath : join(io.cwd, m.displayPath)) })));
  const r = await lintPlan(files, { runner: 'db-migrate', large: opts.lintLargeTable ?? DEFAULT_LARGE_TABLE, ...(opt.databaseMissing ? {} : { facts }) });
  const failOn = opts.lintFailOn ?? 'none';
  // What the run executes and could stop it (up sections, neither info nor suppressed), and what
  // does stop it (an empty down section under --lint-fail-on warning). The rest (down sections,
  // info, suppressed) is only counted, so a routine `up` stays as quiet as dbmate's.
  const shown = r.findings.filter((f) => (f.direction !== 'down' && failsGate(f, 'warning', 'up')) || failsGate(f, failOn, 'up'));
  for (const f of shown) log.warn(gateLine(f, 'up'));
  if (r.factsError !== undefined) log.warn(`lint could not read table sizes, so every existing table counts as large: ${r.factsError}`);
  if (shown.length) {
    const rest = r.findings.length - shown.length;
    const more = rest ? `; ${rest} more in down sections, info or suppressed (db-migrate-action lint lists them)` : '';
    log.warn(`Lint (pending, --lint-fail-on ${failOn}${r.pgVersion !== undefined ? `, PostgreSQL ${r.pgVersion}` : ''}): ${lintTally(shown, files.length)}${more}`);
  }
  const { failing } = judgeGate(r.findings, failOn, 'up');
  if (failing > 0) {
    throw new MigrationError('LINT_FAILED', lintFailedMessage(failing, failOn, r.findings, files.length, before), {
      hint: 'fix the migrations as each finding says, suppress one in the file with its reason (-- db-migrate:disable rule-id -- why), or run without --lint-fail-on',
    });
  }
}

/** The `beforeApply` hook of `up`/`migrate`: lint what is about to be applied (called only when something is pending). */
export function lintBeforeApply(ctx: DatabaseCommandContext): BeforeApply {
  // Sized on the run's own connection, which holds the lock: no second session.
  return (migrations, info) => lintPending(ctx, migrations, ', so nothing was applied', { facts: info.tableFacts });
}
