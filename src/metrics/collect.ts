import { withConnection, type Connection } from '../engine/db.js';
import { MigrationError } from '../engine/errors.js';
import { historyName, type HistoryName } from '../engine/history.js';
import { resolveLedgerName } from '../engine/ledger.js';
import type { DatabaseTarget } from '../engine/url.js';
import { migrationCoverage } from './coverage.js';
import { readDownProofs, readHistory, readRecentRuns, type HistoryQuery } from './history-read.js';
import { readReportFigures } from './report-read.js';
import { reportOf } from './report.js';
import { groupRuns } from './runs.js';
import type { Coverage, HistoryRecord, MigrationReport, RunSummary } from './types.js';

/** Where the history lives and what to read. Read-only: nothing is created or changed. */
export interface HistorySource {
  target: DatabaseTarget;
  /** dbmate's `--migrations-table` (the history table lives in the same schema). */
  migrationsTable: string;
  /** The audit table; empty means disabled, which these commands cannot work without. */
  historyTable: string;
  /** Connect timeout of the look-up, ms (see `ConnectOptions` in db.ts); undefined = the URL's, else none. */
  connectTimeoutMs?: number;
}

/** Options of {@link collectReport}. */
export interface CollectOptions extends HistorySource {
  since: Date | null;
  /** Only this environment. */
  environment?: string;
  /** Migration directories for the coverage figures; omitted → no coverage. */
  migrationsDirs?: string[];
  cwd?: string;
  now?: Date;
}

/** Aggregate the window's history (in SQL: one row per run leaves the server) and read the migration files, for the report. */
export async function collectReport(o: CollectOptions): Promise<MigrationReport> {
  return withHistory(o, async (conn, name) => {
    const figures = await readReportFigures(conn, name, { since: o.since, environment: o.environment });
    const coverage = o.migrationsDirs ? await coverageOf(o.migrationsDirs, o.cwd ?? process.cwd(), conn, name) : null;
    return reportOf({ figures, since: o.since, database: o.target.redacted, coverage, ...(o.now ? { generatedAt: o.now } : {}) });
  });
}

/** Coverage needs the files; a report run where they are not (an ops machine) still reports the history. */
async function coverageOf(dirs: string[], cwd: string, conn: Connection, name: HistoryName): Promise<Coverage | null> {
  try {
    return await migrationCoverage(dirs, cwd, await readDownProofs(conn, name));
  } catch (err) {
    if ((err as MigrationError).code === 'MIGRATIONS_DIR_MISSING') return null;
    throw err;
  }
}

/** The audit trail, newest first (`db-migrate-action history`); null when nothing was ever recorded. */
export async function collectHistory(o: HistorySource, q: HistoryQuery): Promise<HistoryRecord[] | null> {
  return withHistory(o, (conn, name) => readHistory(conn, name, q));
}

/** The newest `count` runs of one environment, newest first; empty when nothing was recorded. */
export async function collectRecentRuns(o: HistorySource, environment: string, count: number): Promise<RunSummary[]> {
  const rows = await withHistory(o, (conn, name) => readRecentRuns(conn, name, environment, count));
  return groupRuns(rows ?? []).reverse();
}

async function withHistory<T>(o: HistorySource, fn: (conn: Connection, name: HistoryName) => Promise<T>): Promise<T> {
  if (!o.historyTable) {
    throw new MigrationError('HISTORY_DISABLED', 'the history table is disabled, so there is no history to read', {
      hint: 'set --history-table (the action input history-table) to the table your runs record into, by default schema_migrations_history',
    });
  }
  return withConnection(o.target, async (conn) => fn(conn, historyName(await resolveLedgerName(conn, o.migrationsTable, o.target.searchPath), o.historyTable)), {
    connectTimeoutMs: o.connectTimeoutMs,
  });
}
