/**
 * Lint one run's migrations as the database will see them, the same way in the action (`up`
 * preflight, `plan`, dry runs) and the CLI (`up`, `migrate`, `plan`): lint the files as one plan,
 * read the server's major and the real size of each existing table a finding names, lint again
 * for that major when it matters, then decide each size-sensitive finding by its table's size.
 */
import { lintFiles, type Finding, type LintInput, type LintOptions } from './index.js';
import type { TableFacts } from '../engine/results.js';
import { judgeBySize, type LargeTable } from './sizes.js';

export type { TableFacts } from '../engine/results.js';

/** Reads {@link TableFacts} for some tables (the engine's `Migrator.tableFacts`). */
export type ReadTableFacts = (tables: readonly string[]) => Promise<TableFacts>;

/** Options of {@link lintPlan}. */
export interface LintPlanOptions extends Pick<LintOptions, 'disabled' | 'runner' | 'pgVersion'> {
  /** At or above either threshold a table is large (`lint-large-table`). */
  large: LargeTable;
  /** Reads the database's facts; absent offline: every existing table may be large, the major is {@link pgVersion}. */
  facts?: ReadTableFacts;
}

/** What {@link lintPlan} found. */
export interface PlanLint {
  /** Every finding, judged by size when the database was read. */
  findings: Finding[];
  /** The major the rules assumed (the server's when read, else `pgVersion`); undefined: unknown. */
  pgVersion?: number;
  /** How many tables a size was read for. */
  sized: number;
  /** Why the database could not be read (then every existing table counts as large). */
  factsError?: string;
}

/**
 * Lint `files` (in plan order: one plan) and, with `facts`, judge them on the database. The
 * database is read only when there is a finding: a clean plan costs no session. Reading it may
 * fail (then the findings stand as offline, with {@link PlanLint.factsError}): lint never stops a
 * run for a reason of its own.
 */
export async function lintPlan(files: readonly LintInput[], opts: LintPlanOptions): Promise<PlanLint> {
  const base = { ...(opts.disabled ? { disabled: opts.disabled } : {}), ...(opts.runner ? { runner: opts.runner } : {}) };
  let pgVersion = opts.pgVersion;
  let findings = await lintFiles(files, { ...base, ...(pgVersion !== undefined ? { pgVersion } : {}) });
  if (!opts.facts || findings.length === 0) return { findings, ...(pgVersion !== undefined ? { pgVersion } : {}), sized: 0 };
  const tables = [...new Set(findings.flatMap((f) => (f.table !== undefined ? [f.table] : [])))];
  let facts: TableFacts;
  try {
    facts = await opts.facts(tables);
  } catch (e) {
    return { findings, ...(pgVersion !== undefined ? { pgVersion } : {}), sized: 0, factsError: (e as Error).message };
  }
  // The server's major wins over a configured one; with it, version-dependent rules may fire less.
  if (facts.serverMajor > 0 && facts.serverMajor !== pgVersion) {
    pgVersion = facts.serverMajor;
    findings = await lintFiles(files, { ...base, pgVersion });
  }
  findings = judgeBySize(findings, facts.sizes, opts.large);
  return { findings, ...(pgVersion !== undefined ? { pgVersion } : {}), sized: facts.sizes.size };
}
