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

/** One column of a table, as {@link describeRelation} reads it from the catalog. */
export interface ColumnShape {
  name: string;
  /** `format_type`, e.g. `character varying`, `bigint`, `timestamp(0) without time zone`. */
  type: string;
  /** pg_type.typcategory: `S` for the string types (text, varchar, char, citext, domains over them). */
  category: string;
  notNull: boolean;
  /** A default, an identity or a generated column: an INSERT that omits it still works. */
  hasDefault: boolean;
}

/** What a relation of a given name is: its pg_class.relkind and its columns in order. */
export interface RelationShape {
  /** `r` table, `p` partitioned table, `v` view, `m` materialized view, `f` foreign table, `S` sequence, … */
  kind: string;
  columns: ColumnShape[];
}

/**
 * The relation named `schema.table`, whatever its kind, with its columns; `undefined` when there
 * is none. One catalog query (pg_class, not information_schema, which hides relations the user has
 * no privilege on and every relation that is not a table or a view): it replaces the existence check
 * where the ledger and the history table are read, so knowing their shape costs no round trip.
 */
export async function describeRelation(conn: Connection, name: { schema: string; table: string }): Promise<RelationShape | undefined> {
  const { rows } = await conn.query<{ kind: string; cols: string }>(
    `select c.relkind::text as kind, coalesce((
       select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'category', t.typcategory,
                'notNull', a.attnotnull, 'hasDefault', a.atthasdef or a.attidentity <> '' or a.attgenerated <> '') order by a.attnum)
         from pg_attribute a join pg_type t on t.oid = a.atttypid
        where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '[]')::text as cols
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = $2`,
    [name.schema, name.table],
  );
  if (rows.length === 0) return undefined;
  return { kind: rows[0].kind, columns: JSON.parse(rows[0].cols) as ColumnShape[] };
}

/** The relation kinds an INSERT can go into like a table. */
export function isTableKind(kind: string): boolean {
  return kind === 'r' || kind === 'p';
}

/** `a view`, `a sequence`, …: what a relation is, for messages. */
export function relationKindName(kind: string): string {
  const names: Record<string, string> = {
    r: 'a table',
    p: 'a partitioned table',
    v: 'a view',
    m: 'a materialized view',
    f: 'a foreign table',
    S: 'a sequence',
    i: 'an index',
    I: 'a partitioned index',
    c: 'a composite type',
    t: 'a TOAST table',
  };
  return names[kind] ?? `a relation of kind '${kind}'`;
}
