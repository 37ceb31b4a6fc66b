import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { findMigrationFiles } from '../../engine/files.js';
import { MigrationError } from '../../engine/errors.js';
import { gateLine, judgeGate } from '../../lint/gate.js';
import { RULE_IDS, type Finding, type LintInput } from '../../lint/index.js';
import { lintPlan } from '../../lint/judge.js';
import { lintTally } from '../../lint/report.js';
import { DEFAULT_LARGE_TABLE } from '../../lint/sizes.js';
import type { CommandContext } from './context.js';

/**
 * `db-migrate-action lint [FILES...]`: lint the given files (default: every migration in the migrations
 * directories). Needs no database. Prints `file:line:column: severity rule: message` with the why
 * and the fix indented, then a summary; `--json` prints the findings array instead.
 *
 * `--pg-version` and `--lint-runner` are as the action's `pg-version` and `lint-runner`.
 *
 * @returns 1 when any finding (of any section, not suppressed) is an error, 0 otherwise
 * @throws {MigrationError} `LINT_UNKNOWN_RULE` for an unknown id in `--disable`, `LINT_FLAG_AFTER_FILES`
 *   for a flag written after the files; read errors as is
 */
export async function lintCommand({ opts, io, out }: CommandContext): Promise<number> {
  const cwd = io.cwd;
  const disabled = opts.disabledRules ?? [];
  const unknown = disabled.filter((id) => id !== '' && !RULE_IDS.includes(id));
  if (unknown.length) {
    throw new MigrationError('LINT_UNKNOWN_RULE', `--disable: unknown rule ${unknown.map((u) => `"${u}"`).join(', ')}`, {
      hint: `known rules: ${RULE_IDS.join(', ')}`,
    });
  }
  // Flags end at the first file, as in dbmate's urfave/cli: `lint FILE --disable x` reads
  // `--disable` as a file. Say so, instead of "no such file" for a path that was meant as a flag.
  const late = opts.args.find((p) => p.startsWith('-') && !existsSync(isAbsolute(p) ? p : join(cwd, p)));
  if (late !== undefined) {
    throw new MigrationError('LINT_FLAG_AFTER_FILES', `lint: ${late} comes after a file, where it is read as a file name, and no such file exists`, {
      hint: `put the flags before the files: db-migrate-action lint ${late} … FILES`,
    });
  }
  const files: LintInput[] = opts.args.length
    ? opts.args.map((p) => ({ displayPath: p, absPath: isAbsolute(p) ? p : join(cwd, p) }))
    : await findMigrationFiles([...opts.migrationsDirs], cwd);
  // Offline: every existing table may be large (lintPlan without facts); --lint-large-table is accepted for symmetry with up and plan.
  const { findings } = await lintPlan(files, {
    disabled,
    runner: opts.lintRunner ?? 'db-migrate',
    ...(opts.pgVersion !== undefined ? { pgVersion: opts.pgVersion } : {}),
    large: opts.lintLargeTable ?? DEFAULT_LARGE_TABLE,
  });
  if (opts.json) out(`${JSON.stringify(findings, null, 2)}\n`);
  else out(formatFindings(findings, files.length));
  // Every section counts, down sections too; suppressed and info findings never fail.
  return judgeGate(findings, 'error', 'all').failing > 0 ? 1 : 0;
}

/** Human-readable findings and a summary line. */
function formatFindings(findings: readonly Finding[], fileCount: number): string {
  let s = '';
  for (const f of findings) s += `${gateLine(f, 'all')}\n    why: ${f.why}\n    fix: ${f.fix}\n`;
  return `${s}${s ? '\n' : ''}Lint: ${lintTally(findings, fileCount)}\n`;
}
