/**
 * The drift check: the live schema, dumped as dbmate dumps it, compared with the schema file
 * committed to the repository. Drift is something to report (a change made outside the
 * migrations, or a stale file), never a failure, so every trouble on the way becomes a
 * `skipped` report with its reason rather than an error.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { withConnection } from '../engine/db.js';
import { dumpSchema } from '../engine/dump.js';
import { configuredHistory } from '../engine/history.js';
import { resolveLedgerName } from '../engine/ledger.js';
import { choosePgDump, serverVersion } from '../engine/pg-tools.js';
import type { DatabaseTarget } from '../engine/url.js';
import { unifiedDiff } from './diff.js';

/**
 * `drift-check: true`: after a successful `up`, the live schema (dumped with the same pg_dump
 * and post-processing as dbmate's schema file) compared with the committed `schema-file`.
 * Drift is reported (summary, warning annotation), never a failure.
 */
export interface DriftReport {
  /** `clean`: identical; `drift`: they differ (see `diff`); `skipped`: could not compare (see `reason`). */
  outcome: 'clean' | 'drift' | 'skipped';
  /** The schema file as configured (relative to the workspace). */
  schemaFile: string;
  /** Unified diff, committed (-) → live (+), when `outcome` is `drift`. */
  diff?: string;
  /** Why the comparison was skipped. */
  reason?: string;
}

/** Options of {@link checkDrift}. */
export interface CheckDriftOptions {
  /** The migrated database. */
  target: DatabaseTarget;
  /** The schema file as configured (for the report and the diff's label). */
  schemaFile: string;
  /** Its committed content ({@link readCommittedSchema}), or undefined when there is none. */
  committed: string | undefined;
  /** `pg-dump-path`: used alone when set; else a pg_dump of the server's major is searched for. */
  pgDumpPath?: string;
  /** dbmate's `--migrations-table`, for the ledger trailer of the dump. */
  migrationsTable: string;
  /** Audit table (excluded from the dump, as from dbmate's schema file); empty string: none. */
  historyTable: string;
  /** Connect timeout of the dump's connection, ms (see `ConnectOptions` in db.ts); undefined = the URL's, else none. */
  connectTimeoutMs?: number;
}

/** The committed schema file, read before `up` (which may rewrite it). */
export async function readCommittedSchema(schemaFile: string, workspace: string): Promise<string | undefined> {
  const path = isAbsolute(schemaFile) ? schemaFile : join(workspace, schemaFile);
  return readFile(path, 'utf8').catch(() => undefined);
}

/** Dump the live schema and compare; every trouble becomes outcome 'skipped' with a reason. Never throws. */
export async function checkDrift(opts: CheckDriftOptions): Promise<DriftReport> {
  const { schemaFile, committed } = opts;
  const skip = (reason: string): DriftReport => ({ outcome: 'skipped', schemaFile, reason });
  if (committed === undefined) return skip(`the schema file ${schemaFile} does not exist in the repository: nothing to compare with`);
  let live: string | { refusal: string };
  try {
    live = await withConnection(opts.target, async (conn) => {
      const server = await serverVersion(conn);
      // A dump by another major differs from the committed one for that reason alone: same major only.
      const choice = await choosePgDump({
        policy: 'same-major',
        serverMajor: server.major,
        serverVersion: server.text,
        ...(opts.pgDumpPath !== undefined ? { explicitPath: opts.pgDumpPath } : {}),
      });
      if ('refusal' in choice) return { refusal: choice.refusal.message };
      const ledger = await resolveLedgerName(conn, opts.migrationsTable, opts.target.searchPath);
      const history = configuredHistory(ledger, opts.historyTable);
      return dumpSchema(conn, opts.target, ledger, { pgDump: choice.found.pgDump, ...(history ? { history } : {}) });
    }, { connectTimeoutMs: opts.connectTimeoutMs });
  } catch (err) {
    return skip(`the live schema could not be dumped: ${(err as Error).message}`);
  }
  if (typeof live !== 'string') return skip(live.refusal);
  if (normalize(live) === normalize(committed)) return { outcome: 'clean', schemaFile };
  const diff = unifiedDiff(normalize(committed), normalize(live), { from: `${schemaFile} (committed)`, to: `${opts.target.database} (live)` });
  return { outcome: 'drift', schemaFile, diff };
}

/** Line endings and pg_dump's per-run `\restrict` key lines do not count as drift. */
function normalize(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((l) => !/^\\(un)?restrict\b/.test(l))
    .join('\n');
}
