/**
 * How lint results read in text: the CLI's output and the action's log and error say a finding
 * and the tally of a run the same way.
 */
import { count } from '../text/units.js';
import type { Finding } from './index.js';

/** `db/migrations/1_a.sql:3:1: error rule-id: message`: where, how bad, which rule, what. */
export function findingLine(f: Finding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.severity} ${f.rule}: ${f.message}`;
}

/** `1 error, 2 warnings in 3 files`. */
export function findingCounts(findings: readonly Finding[], files: number): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  return `${count(errors, 'error')}, ${count(findings.length - errors, 'warning')} in ${count(files, 'file')}`;
}

/** {@link findingCounts}, or `no problems in 3 files` when there is no finding. */
export function lintTally(findings: readonly Finding[], files: number): string {
  return findings.length ? findingCounts(findings, files) : `no problems in ${count(files, 'file')}`;
}
