import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Connection } from './db.js';
import type { LedgerName } from './ledger.js';
import type { HistoryName } from './history.js';
import type { DatabaseTarget } from './url.js';
import { childConnection, pgDumpVersion, runCommand, type PgVersion } from './pg-tools.js';
import { MigrationError } from './errors.js';
import type { Logger } from './logger.js';

/** How to run pg_dump for a schema dump. */
export interface DumpOptions {
  /** pg_dump executable; default `pg_dump` from PATH, as dbmate. */
  pgDump?: string;
  /** Extra arguments (dbmate's `dump -- args`). */
  extraArgs?: string[];
  /** Our audit table: excluded so schema.sql stays identical to the one dbmate writes. */
  history?: HistoryName;
}

/** pg_dump added `--restrict-key` (and random `\restrict` lines) in 15.14, 16.10, 17.6. */
function supportsRestrictKey([major, minor]: PgVersion): boolean {
  return major > 17 || (major === 17 && minor >= 6) || (major === 16 && minor >= 10) || (major === 15 && minor >= 14);
}

/**
 * Dump the schema exactly as dbmate does (same pg_dump flags, leading comments trimmed, lines
 * right-trimmed, the schema_migrations INSERT trailer), so a team can switch tools without a
 * schema.sql diff. For the same reason the binary is dbmate's choice, not a version-matched one
 * from the pg-tools chooser: the configured `pgDump`, else `pg_dump` on PATH. pg_dump connects
 * as the migration connection does ({@link childConnection}: same TLS trust); the password goes
 * through PGPASSWORD, never argv.
 */
export async function dumpSchema(conn: Connection, target: DatabaseTarget, ledger: LedgerName, opts: DumpOptions = {}): Promise<string> {
  const pgDump = opts.pgDump ?? 'pg_dump';
  const args = ['--format=plain', '--encoding=UTF8', '--schema-only', '--no-privileges', '--no-owner'];
  const version = await pgDumpVersion(pgDump);
  if (!version) {
    throw new MigrationError('PG_DUMP_MISSING', `cannot run ${pgDump}: it is needed to write the schema file`, {
      hint: 'install the PostgreSQL client (e.g. `apt-get install postgresql-client`), pass --no-dump-schema, or set the pg_dump path',
    });
  }
  if (supportsRestrictKey(version)) args.push('--restrict-key=dbmate');
  // Quoted: in a pg_dump pattern an unquoted name is folded to lower case.
  if (opts.history) args.push(`--exclude-table=${patternQuote(opts.history.schema)}.${patternQuote(opts.history.table)}`);
  for (const s of target.searchPath) if (s.trim()) args.push('--schema', s.trim());
  args.push(...(opts.extraArgs ?? []));
  const child = await childConnection(target);
  args.push(child.url);
  const r = await runCommand(pgDump, args, { extraEnv: child.env }).finally(() => child.cleanup());
  if (r.error) throw r.error;
  if (r.code !== 0) {
    const text = r.stderr.trim();
    const code = r.code ?? 1;
    // dbmate passes pg_dump's stderr through verbatim (it already names pg_dump).
    throw new MigrationError('PG_DUMP_FAILED', text || `${pgDump} exited with code ${code}`, {
      hint: /server version mismatch/.test(text)
        ? 'pg_dump must be at least the server major version: install a newer postgresql-client'
        : undefined,
    });
  }
  return postProcess(r.stdout + (await trailer(conn, ledger)));
}

/** dbmate's TrimLeadingSQLComments: drop the header (blank and `--` lines), right-trim every line. */
function postProcess(dump: string): string {
  const lines = dump.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let i = 0;
  while (i < lines.length && (lines[i] === '' || lines[i].startsWith('--'))) i++;
  return lines
    .slice(i)
    .map((l) => l.replace(/\s+$/u, ''))
    .map((l) => `${l}\n`)
    .join('');
}

async function trailer(conn: Connection, ledger: LedgerName): Promise<string> {
  const { rows } = await conn.query<{ v: string }>(`select quote_literal(version) as v from ${ledger.quoted} order by version asc`);
  let out = '\n--\n-- Dbmate schema migrations\n--\n\n';
  if (rows.length > 0) {
    out += `INSERT INTO ${ledger.quoted} (version) VALUES\n    (${rows.map((r) => r.v).join('),\n    (')});\n`;
  }
  return out;
}

/** Write the dump, creating its directory, with dbmate's file mode. */
export async function writeSchemaFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content, { mode: 0o644 });
}

/** Where the schema file goes, on top of how to dump it. */
export interface SchemaFileOptions extends DumpOptions {
  /** The schema file as configured; announced as is. */
  schemaFile: string;
  /** Resolve a relative `schemaFile` against this (default: the process's directory). */
  cwd?: string;
  /** Gets dbmate's `Writing: <file>` line. */
  log: Logger;
}

/** dbmate's schema-file step: dump the schema, announce `Writing: <file>`, write it. */
export async function writeSchema(conn: Connection, target: DatabaseTarget, ledger: LedgerName, opts: SchemaFileOptions): Promise<void> {
  const { schemaFile, cwd, log, ...dump } = opts;
  const text = await dumpSchema(conn, target, ledger, dump);
  log.info(`Writing: ${schemaFile}`);
  await writeSchemaFile(cwd && !schemaFile.startsWith('/') ? `${cwd}/${schemaFile}` : schemaFile, text);
}

/**
 * The automatic schema dump after a command that changed the ledger (`up`, the automatic
 * rollback, `baseline`): best effort, because what the command did is already committed. A
 * failure is warned about, saying `done` (what stands), and returned for the command's result.
 */
export async function writeSchemaAfter(conn: Connection, target: DatabaseTarget, ledger: LedgerName, opts: SchemaFileOptions, done: string): Promise<{ schemaFile: string } | { dumpError: Error }> {
  try {
    await writeSchema(conn, target, ledger, opts);
    return { schemaFile: opts.schemaFile };
  } catch (err) {
    opts.log.warn(`schema dump failed (${done}): ${(err as Error).message}`);
    return { dumpError: err as Error };
  }
}

/** A name as a pg_dump pattern that matches exactly it (identifiers.ts allows no `"`, `*` or `?`). */
function patternQuote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
