import { type Connection } from './db.js';
import { tableExists } from './catalog.js';
import type { Logger } from './logger.js';

/** Where dbmate's `schema_migrations` lives, resolved exactly as dbmate resolves it. */
export interface LedgerName {
  /** Unquoted schema. */
  schema: string;
  /** Unquoted table name (may itself contain dots after the first, as dbmate allows). */
  table: string;
  /** `schema.table`, each part quoted by the server's quote_ident (dbmate's choice, keeps schema.sql stable). */
  quoted: string;
  /** Quoted schema alone. */
  quotedSchema: string;
}

/**
 * Resolve the ledger's schema the way dbmate does: `schema.table` in the name, else the first
 * `search_path` entry of the URL, else `current_schema()`, else `public`. Quoting is done by the
 * server so the names match what dbmate writes into schema.sql byte for byte.
 */
export async function resolveLedgerName(
  conn: Connection,
  migrationsTable: string,
  searchPath: string[],
): Promise<LedgerName> {
  let parts = migrationsTable.split('.');
  let schema = '';
  if (parts.length > 1) {
    schema = parts[0];
    parts = parts.slice(1);
  }
  if (!schema) schema = (searchPath[0] ?? '').trim();
  const table = parts.join('.');
  const { rows } = await conn.query<{ cur: string | null; qs: string; qt: string[] }>(
    'select current_schema() as cur, quote_ident($1) as qs, array(select quote_ident(unnest($2::text[]))) as qt',
    [schema || 'public', parts],
  );
  if (!schema) {
    schema = rows[0].cur || 'public';
    const again = await conn.query<{ qs: string }>('select quote_ident($1) as qs', [schema]);
    rows[0].qs = again.rows[0].qs;
  }
  return { schema, table, quotedSchema: rows[0].qs, quoted: `${rows[0].qs}.${rows[0].qt.join('.')}` };
}

/**
 * Create the ledger if missing, with dbmate's exact DDL so either tool can continue the other's
 * work. A missing schema (3F000) is created once, as dbmate does, announced with its line.
 */
export async function ensureLedger(conn: Connection, name: LedgerName, log: Logger): Promise<void> {
  const ddl = `create table if not exists ${name.quoted} (version varchar primary key)`;
  try {
    await conn.query(ddl);
  } catch (err) {
    if ((err as { code?: string }).code !== '3F000') throw err;
    log.info(`Creating schema: ${name.schema}`);
    await conn.query(`create schema if not exists ${name.quotedSchema}`);
    await conn.query(ddl);
  }
}

/** Applied versions, or an empty set when the ledger does not exist yet. */
export async function appliedVersions(conn: Connection, name: LedgerName): Promise<Set<string>> {
  if (!(await tableExists(conn, name))) return new Set();
  // One JSON value instead of one row per version: node-postgres's per-row parsing dominated
  // `status` on large projects.
  const { rows } = await conn.query<{ v: string }>(`select coalesce(json_agg(version), '[]')::text as v from ${name.quoted}`);
  return new Set(JSON.parse(rows[0].v) as string[]);
}
