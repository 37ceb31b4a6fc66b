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

// --- table sizes, for the lint (lint/sizes.ts judges findings by them) ---------------------------

/** What the catalog says of one table. */
export interface TableSize {
  /**
   * Estimated live rows: `pg_class.reltuples` scaled to the table's current pages, as the planner
   * does; for a table never analysed (reltuples -1), its heap size / {@link BYTES_PER_ROW_GUESS}.
   * A partitioned table: the sum over its partitions.
   */
  rows: number;
  /** `pg_total_relation_size`: table, indexes and TOAST, bytes (a partitioned table: its partitions'). */
  bytes: number;
  /** The rows were guessed from the size (the table, or one of its partitions, was never analysed). */
  estimated?: boolean;
}

/**
 * Bytes of heap per row assumed when a table was never analysed: a narrow row (24-byte header,
 * 4-byte line pointer, a few columns). The 100 k-row table measured for `DEFAULT_LARGE_TABLE`
 * (lint/sizes.ts) had 84 bytes of heap per row.
 */
export const BYTES_PER_ROW_GUESS = 100;

/** A name as a finding gives it (`schema.name` or `name`), split; undefined when it has more parts. */
function splitName(name: string): { schema: string | null; rel: string } | undefined {
  const parts = name.split('.');
  if (parts.length === 1) return { schema: null, rel: parts[0]! };
  if (parts.length === 2) return { schema: parts[0]!, rel: parts[1]! };
  return undefined;
}

/**
 * A `search_path` entry of the URL as the server reads it: unquoted names fold to lowercase,
 * `"Quoted"` ones keep their case, `$user` is the session's user (resolved in SQL).
 */
function pathEntry(entry: string): string {
  const e = entry.trim();
  if (/^".*"$/.test(e)) return e.slice(1, -1).replace(/""/g, '"');
  return e.toLowerCase();
}

/**
 * The size of each named table (`schema.name`, or a bare `name` resolved as PostgreSQL would:
 * the first schema of `searchPath` holding a relation of that name, or of the session's
 * `current_schemas(true)` when `searchPath` is empty), in ONE catalog query. Keys are the names as
 * given. Absent: names not found, and relations that are not tables or materialized views (a bare
 * name whose first match is a view is that view, as for PostgreSQL). A partitioned table sums its
 * partitions, at every level.
 *
 * Rows are `reltuples` scaled to the current number of pages (`pg_relation_size`), as the planner
 * estimates them, so a table that grew since its last ANALYZE is not judged by its old size; a table
 * never analysed (reltuples -1 since PostgreSQL 14, or no pages recorded but pages on disk) is
 * guessed from its heap size and marked `estimated`.
 */
export async function readTableSizes(conn: Connection, tables: readonly string[], searchPath: readonly string[]): Promise<Map<string, TableSize>> {
  const keys: string[] = [];
  const schemas: (string | null)[] = [];
  const rels: string[] = [];
  for (const name of new Set(tables)) {
    const split = splitName(name);
    if (!split) continue;
    keys.push(name);
    schemas.push(split.schema);
    rels.push(split.rel);
  }
  const out = new Map<string, TableSize>();
  if (keys.length === 0) return out;
  const path = searchPath.length > 0 ? searchPath.map(pathEntry) : null;
  const { rows } = await conn.query<{ key: string; rows: number; bytes: string; estimated: boolean }>(
    `with recursive
       wanted as (select * from unnest($1::text[], $2::text[], $3::text[]) as w(key, nsp, rel)),
       path as (
         select case when p.nsp = '$user' then current_user::text else p.nsp end as nsp, p.pos
           from unnest(coalesce($4::text[], current_schemas(true)::text[])) with ordinality as p(nsp, pos)
       ),
       found as (
         select distinct on (w.key) w.key, c.oid, c.relkind
           from wanted w
           join pg_class c on c.relname = w.rel
           join pg_namespace n on n.oid = c.relnamespace
           left join path p on w.nsp is null and p.nsp = n.nspname
          where n.nspname = w.nsp or p.pos is not null
          order by w.key, p.pos
       ),
       tree as (
         select f.key, f.oid from found f where f.relkind in ('r', 'p', 'm')
         union all
         select t.key, i.inhrelid from tree t join pg_inherits i on i.inhparent = t.oid join pg_class c on c.oid = i.inhrelid and c.relispartition
       ),
       leaf as (
         select t.key, c.relkind, c.reltuples::float8 as reltuples, c.relpages::float8 as relpages,
                pg_relation_size(c.oid)::float8 as heap, pg_total_relation_size(c.oid) as total,
                current_setting('block_size')::float8 as block
           from tree t join pg_class c on c.oid = t.oid
       )
     select key,
            sum(case
                  when relkind = 'p' then 0
                  when reltuples >= 0 and relpages > 0 then reltuples / relpages * (heap / block)
                  when heap = 0 then 0
                  else greatest(reltuples, heap / $5)
                end)::float8 as rows,
            sum(total)::text as bytes,
            bool_or(relkind <> 'p' and heap > 0 and (reltuples < 0 or relpages = 0)) as estimated
       from leaf group by key`,
    [keys, schemas, rels, path, BYTES_PER_ROW_GUESS],
  );
  for (const r of rows) {
    out.set(r.key, { rows: Math.round(Number(r.rows)), bytes: Number(r.bytes), ...(r.estimated ? { estimated: true } : {}) });
  }
  return out;
}
