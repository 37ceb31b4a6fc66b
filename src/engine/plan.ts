import type { MigrationFile } from './types.js';
import { MigrationError } from './errors.js';

/** A migration file by name only: enough for reports, without its path on disk. */
export interface MigrationRef {
  version: string;
  /** Bare file name, e.g. `20240101000000_create_users.sql`. */
  fileName: string;
  /** Path as dbmate prints it: `<dir>/<fileName>` with the dir as configured. */
  displayPath: string;
}

/** The reportable part of a file. */
export function refOf(file: MigrationFile): MigrationRef {
  return { version: file.version, fileName: file.fileName, displayPath: file.displayPath };
}

/** Files set against the ledger. */
export interface MigrationPlan {
  /** Every file, in dbmate's order, with whether its version is in the ledger. */
  files: { file: MigrationFile; applied: boolean }[];
  /** Files whose version is not in the ledger, in order (including ones older than the newest applied). */
  pending: MigrationFile[];
  /** Ledger versions that have no file (never rolled back, never block, as in dbmate). */
  orphans: string[];
  /** Highest applied version that has a file (string order, as dbmate compares). */
  highestApplied?: string;
}

/** Compare files with applied versions. Pure. */
export function makePlan(files: MigrationFile[], applied: Set<string>): MigrationPlan {
  const known = new Set(files.map((f) => f.version));
  const rows = files.map((file) => ({ file, applied: applied.has(file.version) }));
  let highestApplied: string | undefined;
  for (const r of rows) if (r.applied && (highestApplied === undefined || r.file.version > highestApplied)) highestApplied = r.file.version;
  return {
    files: rows,
    pending: rows.filter((r) => !r.applied).map((r) => r.file),
    orphans: [...applied].filter((v) => !known.has(v)).sort(),
    highestApplied,
  };
}

/**
 * dbmate's --strict: the first pending version must be higher than every applied one.
 * Same message as dbmate so scripts that match it keep working.
 */
export function checkStrictOrder(plan: MigrationPlan): void {
  const first = plan.pending[0];
  if (first && plan.highestApplied !== undefined && first.version <= plan.highestApplied) {
    throw new MigrationError(
      'OUT_OF_ORDER',
      `migration \`${first.version}\` is out of order with already applied migrations, the version number has to be higher than the applied migration \`${plan.highestApplied}\` in --strict mode`,
      { hint: `rename ${first.displayPath} with a newer timestamp (db-migrate-action new), or run without --strict`, file: first.displayPath },
    );
  }
}

/**
 * Which applied files `rollback` undoes, newest first: repeatedly the last file in filename
 * order whose version is applied (dbmate's rule, which is not the numeric maximum).
 */
export function rollbackTargets(plan: MigrationPlan, steps: number): MigrationFile[] {
  return plan.files
    .filter((r) => r.applied)
    .map((r) => r.file)
    .reverse()
    .slice(0, steps);
}

/**
 * Order versions for undoing, newest first: by position in dbmate's file order (file-name
 * order, the order `up` applies them), reversed. Versions with no file come first, so a rollback
 * stops on them before undoing anything it cannot place.
 */
export function newestFirst(files: readonly MigrationFile[], versions: readonly string[]): string[] {
  const pos = new Map(files.map((f, i) => [f.version, i]));
  const rank = (v: string) => pos.get(v) ?? Number.POSITIVE_INFINITY;
  return [...versions].sort((a, b) => rank(b) - rank(a) || (a < b ? 1 : a > b ? -1 : 0));
}
