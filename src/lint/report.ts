/**
 * How lint results read in text: the CLI's output and the action's log and error say a finding
 * and the tally of a run the same way.
 */
import { count } from '../text/units.js';
import type { Finding } from './index.js';

/**
 * `db/migrations/1_a.sql:3:1: error rule-id: message (orders: ~12 M rows, 3.1 GB) [suppressed: why]`:
 * where, how bad, which rule, what; the size the severity was judged by and the suppression, when there are.
 */
export function findingLine(f: Finding): string {
  const size = f.size ? ` (${f.size})` : '';
  const suppressed = f.suppressed ? (f.suppressed.reason ? ` [suppressed: ${f.suppressed.reason}]` : ' [suppressed]') : '';
  return `${f.file}:${f.line}:${f.column}: ${f.severity} ${f.rule}: ${f.message}${size}${suppressed}`;
}

/** How many findings of each kind: suppressed ones count only as suppressed, whatever their severity. */
export interface FindingTally {
  errors: number;
  warnings: number;
  info: number;
  suppressed: number;
}

/** Count findings by severity; a suppressed finding counts only as suppressed. */
export function tallyFindings(findings: readonly Finding[]): FindingTally {
  const t: FindingTally = { errors: 0, warnings: 0, info: 0, suppressed: 0 };
  for (const f of findings) {
    if (f.suppressed) t.suppressed++;
    else if (f.severity === 'error') t.errors++;
    else if (f.severity === 'warning') t.warnings++;
    else t.info++;
  }
  return t;
}

/** `1 error, 2 warnings in 3 files`, with `, 1 info` and `, 2 suppressed` when there are any. */
export function findingCounts(findings: readonly Finding[], files: number): string {
  const t = tallyFindings(findings);
  const extra = `${t.info ? `, ${t.info} info` : ''}${t.suppressed ? `, ${t.suppressed} suppressed` : ''}`;
  return `${count(t.errors, 'error')}, ${count(t.warnings, 'warning')}${extra} in ${count(files, 'file')}`;
}

/** {@link findingCounts}, or `no problems in 3 files` when there is no finding at all. */
export function lintTally(findings: readonly Finding[], files: number): string {
  return findings.length ? findingCounts(findings, files) : `no problems in ${count(files, 'file')}`;
}
