import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { connect, closeQuietly } from '../../engine/db.js';
import { dumpSchema, pgDumpVersion } from '../../engine/dump.js';
import { historyName } from '../../engine/history.js';
import { resolveLedgerName } from '../../engine/ledger.js';
import { unifiedDiff } from '../../safety/verify.js';
import type { DriftReport } from '../run-result.js';
import type { ActionSettings } from '../settings.js';
import type { StepContext } from './context.js';

/** The committed schema file, read before `up` (which may rewrite it when dump-schema is on). */
export async function readCommittedSchema(s: ActionSettings): Promise<string | undefined> {
  const path = isAbsolute(s.schemaFile) ? s.schemaFile : join(s.workspace, s.schemaFile);
  return readFile(path, 'utf8').catch(() => undefined);
}

/**
 * After a successful `up` (`drift-check`): dump the live schema and compare it with `committed`
 * (the file's content before the run, from {@link readCommittedSchema}), and record the verdict
 * in the run. Every trouble (no committed file, a pg_dump whose major version is not the
 * server's, a dump that fails) becomes a warning and a `skipped` report. Never fails the run.
 */
export async function driftCheck(ctx: StepContext, committed: string | undefined): Promise<DriftReport> {
  const { settings: s, log, run, warn } = ctx;
  const skip = (reason: string): DriftReport => {
    run.drift = { outcome: 'skipped', schemaFile: s.schemaFile, reason };
    warn(`drift check skipped: ${reason}`);
    return run.drift;
  };
  if (committed === undefined) return skip(`the schema file ${s.schemaFile} does not exist in the repository: nothing to compare with`);
  let live: string;
  try {
    const conn = await connect(s.target);
    try {
      const pgDump = s.pgDumpPath ?? 'pg_dump';
      const { rows } = await conn.query<{ v: string }>("select current_setting('server_version_num') as v");
      const serverMajor = Math.floor(Number(rows[0].v) / 10000);
      const dumpVersion = await pgDumpVersion(pgDump);
      if (!dumpVersion) return skip(`cannot run ${pgDump} to dump the live schema`);
      if (dumpVersion[0] !== serverMajor) {
        return skip(`${pgDump} is version ${dumpVersion[0]} but the server is PostgreSQL ${serverMajor}: a dump by another major version would differ from the schema file for that reason alone; use a pg_dump of the server's major version (pg-dump-path)`);
      }
      const ledger = await resolveLedgerName(conn, s.migrationsTable, s.target.searchPath);
      live = await dumpSchema(conn, s.target, ledger, { pgDump, ...(s.historyTable ? { history: historyName(ledger, s.historyTable) } : {}) });
    } finally {
      await closeQuietly(conn);
    }
  } catch (err) {
    return skip(`the live schema could not be dumped: ${(err as Error).message}`);
  }
  if (normalize(live) === normalize(committed)) {
    run.drift = { outcome: 'clean', schemaFile: s.schemaFile };
    log.info(`No drift: the live schema matches ${s.schemaFile}`);
    return run.drift;
  }
  const diff = unifiedDiff(normalize(committed), normalize(live), { from: `${s.schemaFile} (committed)`, to: `${s.target.database} (live)` });
  run.drift = { outcome: 'drift', schemaFile: s.schemaFile, diff };
  warn(`schema drift: the live schema of ${s.target.database} differs from ${s.schemaFile} (see the diff in the summary)`);
  log.info(diff.replace(/\n$/, ''));
  return run.drift;
}

/** Line endings and pg_dump's per-run `\restrict` key lines do not count as drift. */
function normalize(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((l) => !/^\\(un)?restrict\b/.test(l))
    .join('\n');
}
