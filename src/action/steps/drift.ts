import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { connect, closeQuietly } from '../../engine/db.js';
import { dumpSchema } from '../../engine/dump.js';
import { pgDumpVersion } from '../../engine/pg-tools.js';
import { historyName } from '../../engine/history.js';
import { resolveLedgerName } from '../../engine/ledger.js';
import type { Logger } from '../../engine/logger.js';
import { unifiedDiff } from '../../safety/diff.js';
import type { ActionRun } from '../run-result.js';
import type { DriftReport } from '../../safety/drift.js';
import type { ActionSettings } from '../settings.js';
import { fence } from '../../text/markdown.js';

/** The committed schema file, read before `up` (which may rewrite it when dump-schema is on). */
export async function readCommittedSchema(s: ActionSettings): Promise<string | undefined> {
  const path = isAbsolute(s.schemaFile) ? s.schemaFile : join(s.workspace, s.schemaFile);
  return readFile(path, 'utf8').catch(() => undefined);
}

/**
 * Dump the live schema and compare it with `committed` (the file's content before the run).
 * Every trouble (no committed file, a pg_dump whose major version is not the server's, a dump
 * that fails) becomes a warning and a `skipped` report.
 */
export async function driftStep(s: ActionSettings, committed: string | undefined, log: Logger, run: ActionRun, warn: (m: string) => void): Promise<void> {
  const skip = (reason: string) => {
    run.drift = { outcome: 'skipped', schemaFile: s.schemaFile, reason };
    warn(`drift check skipped: ${reason}`);
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
    return;
  }
  const diff = unifiedDiff(normalize(committed), normalize(live), { from: `${s.schemaFile} (committed)`, to: `${s.target.database} (live)` });
  run.drift = { outcome: 'drift', schemaFile: s.schemaFile, diff };
  warn(`schema drift: the live schema of ${s.target.database} differs from ${s.schemaFile} (see the diff in the summary)`);
  log.info(diff.replace(/\n$/, ''));
}

/** Line endings and pg_dump's per-run `\restrict` key lines do not count as drift. */
function normalize(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((l) => !/^\\(un)?restrict\b/.test(l))
    .join('\n');
}

/** The summary section: the verdict, and the diff collapsed in `<details>`. */
export function driftSection(d: DriftReport): string[] {
  switch (d.outcome) {
    case 'clean':
      return ['### ✅ Schema drift', '', `The live schema matches \`${d.schemaFile}\`.`, ''];
    case 'skipped':
      return ['### ⚠️ Schema drift', '', `Not checked: ${d.reason ?? 'unknown reason'}`, ''];
    default: {
      return [
        '### ⚠️ Schema drift',
        '',
        `The live schema differs from the committed \`${d.schemaFile}\` (changed outside the migrations, or the file is stale). This is reported, not a failure.`,
        '',
        '<details><summary>Unified diff: committed (-) vs live (+)</summary>',
        '',
        fence(d.diff ?? '', 'diff'),
        '',
        '</details>',
        '',
      ];
    }
  }
}

/** A warning annotation on the schema file when the live schema drifted from it. */
export function driftAnnotations(run: ActionRun): { message: string; title: string; file: string; startLine: number }[] {
  const d = run.drift;
  if (d?.outcome !== 'drift') return [];
  return [{ message: `The live schema differs from this file:\n${d.diff ?? ''}`, title: 'Schema drift', file: d.schemaFile, startLine: 1 }];
}
