import type { Connection } from './db.js';

/**
 * Whether a table exists, by its unquoted schema and name (a {@link LedgerName} or a history
 * table name). Asked before reading the ledger or the audit table, because `status`, `plan` and
 * the reports must not create them.
 */
export async function tableExists(conn: Connection, name: { schema: string; table: string }): Promise<boolean> {
  const { rowCount } = await conn.query('select 1 from information_schema.tables where table_schema = $1 and table_name = $2', [name.schema, name.table]);
  return (rowCount ?? 0) > 0;
}
