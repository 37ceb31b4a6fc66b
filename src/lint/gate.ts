/**
 * Which lint findings stop a run, stated once for the action and the CLI: the gate of `up` judges
 * what the run executes (its up sections), while `command: lint`, the pull-request review and
 * `db-migrate-action lint` judge every section, down sections included (they run on a rollback).
 */
import { count } from '../text/units.js';
import type { Finding } from './index.js';
import { findingCounts, findingLine } from './report.js';

/** Values of `lint-fail-on` / `--lint-fail-on`: the lowest severity that fails a run (`none`: never). */
export const LINT_FAIL_ON = ['error', 'warning', 'none'] as const;

/** A value of `lint-fail-on`. */
export type LintFailOn = (typeof LINT_FAIL_ON)[number];

/**
 * Which sections a gate judges: `up` (the `up` run and its preview: only the SQL it executes) or
 * `all` (`command: lint`, `db-migrate-action lint`, the pull-request review: down sections too).
 */
export type LintGate = 'up' | 'all';

/** Values of `lint-runner` / `--lint-runner`: who runs the SQL (`other`: the lock-timeout rule applies). */
export const LINT_RUNNERS = ['db-migrate', 'other'] as const;

/** A value of `lint-runner`. */
export type LintRunner = (typeof LINT_RUNNERS)[number];

/** What `pg-version` / `--pg-version` expects, named in every error about it. */
export const PG_VERSION_FORMAT = 'a PostgreSQL major version: 9.6 or 10 to 19 (e.g. 16), or empty for unknown (every version-dependent rule applies)';

/**
 * `pg-version` as the major lint compares with (`9.6` → 9, as the server's major is read; `16` or
 * `16.4` → 16); undefined for an invalid value (the caller reports it with {@link PG_VERSION_FORMAT}).
 */
export function parsePgVersion(text: string): number | undefined {
  const m = /^(?:(9)\.6|(1\d))(?:\.\d+)?$/.exec(text.trim());
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/**
 * Whether one finding fails a run: never when suppressed (`-- db-migrate:disable rule -- why`), of
 * severity `info`, or under `lint-fail-on: none`; a down-section finding (but an empty down
 * section), or one of a review-only rule, never fails the `up` gate ({@link upGateExemption}).
 * A finding without a section (e.g. a file that does not parse) counts as up: it stops `up` too.
 */
export function failsGate(f: Finding, failOn: LintFailOn, gate: LintGate): boolean {
  if (failOn === 'none' || f.suppressed || f.severity === 'info') return false;
  if (upGateExemption(f, gate) !== undefined) return false;
  return failOn === 'warning' || f.severity === 'error';
}

/**
 * Rules the review stops and `up` does not: a secret committed in a migration is leaked by the
 * commit, not by running it, so refusing to deploy (a fresh staging database of an old history)
 * protects nothing; `command: lint` and the pull-request review fail on it.
 */
const REVIEW_ONLY_RULES: ReadonlySet<string> = new Set(['secret-in-migration']);

/**
 * Down-section rules that still gate `up`: an empty down section is not SQL a rollback would run
 * but the absence of one, so it is this run's own automatic rollback that could not undo it.
 */
const GATES_UP_FROM_DOWN: ReadonlySet<string> = new Set(['missing-down']);

/** Why the `up` gate lets a finding through whatever its severity (a down section, a review-only rule), or undefined. */
export function upGateExemption(f: Finding, gate: LintGate): string | undefined {
  if (gate !== 'up') return undefined;
  if (f.direction === 'down' && !GATES_UP_FROM_DOWN.has(f.rule)) return 'down section: does not gate up';
  if (REVIEW_ONLY_RULES.has(f.rule)) return 'a review finding: running it leaks nothing more, so it does not gate up';
  return undefined;
}

/** What a gate decided for a set of findings. */
export interface GateVerdict {
  /** Findings that fail the gate. */
  failing: number;
  /**
   * Down-section findings at or above `lint-fail-on` that the `up` gate let through: `command:
   * lint` and the review fail on them (0 under the `all` gate, which counts them in `failing`).
   */
  downOnly: number;
}

/** Judge the findings by the gate. */
export function judgeGate(findings: readonly Finding[], failOn: LintFailOn, gate: LintGate): GateVerdict {
  const failing = findings.filter((f) => failsGate(f, failOn, gate)).length;
  const downOnly = gate === 'up' ? findings.filter((f) => upGateExemption(f, gate) !== undefined && f.direction === 'down' && failsGate(f, failOn, 'all')).length : 0;
  return { failing, downOnly };
}

/**
 * The `LINT_FAILED` message, the same in the action and the CLI: `migration lint failed, so
 * nothing was applied: 2 findings at or above lint-fail-on: error (…)`.
 */
export function lintFailedMessage(failing: number, failOn: LintFailOn, findings: readonly Finding[], files: number, before = ''): string {
  return `migration lint failed${before}: ${count(failing, 'finding')} at or above lint-fail-on: ${failOn} (${findingCounts(findings, files)})`;
}

/**
 * A finding as the action's log and the CLI's warnings print it: {@link findingLine} (which
 * already shows the size it was judged by and a suppression's reason), then why the `up` gate
 * lets it through, e.g. `… (down section: does not gate up)`.
 */
export function gateLine(f: Finding, gate: LintGate): string {
  const exempt = upGateExemption(f, gate);
  return `${findingLine(f)}${exempt ? ` (${exempt})` : ''}`;
}
