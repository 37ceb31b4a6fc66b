/**
 * Lint that knows the database: the real size of each existing table a finding is about, and a
 * severity decided by it (an index built on a 40-row lookup table is not the finding one on a
 * 12 M-row table is).
 *
 * - {@link readTableSizes} asks the catalog, in one query, what each named table holds;
 * - {@link judgeBySize} (pure) lowers a finding on a small table to `info` and says what it judged by;
 * - {@link parseLargeTable} / {@link DEFAULT_LARGE_TABLE}: where "large" starts (`lint-large-table`).
 */
import type { Connection } from '../engine/db.js';
import { bytes as formatBytes } from '../text/units.js';
import type { Finding } from './index.js';

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
 * A table at or above either threshold is large; `Infinity` turns a threshold off, and `0` makes
 * every table large (nothing is lowered to info).
 */
export interface LargeTable {
  rows: number;
  bytes: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

/**
 * Where a table starts to be large: 100 k rows or 10 MiB (`pg_total_relation_size`), whichever
 * comes first. Chosen so that the slowest statement the size-sensitive rules warn about stays
 * under about half a second below it, while it holds a lock that stops every write (or, for a
 * rewrite, every read).
 *
 * Measured on embedded PostgreSQL 18 here (2 vCPU, warm cache, fsync off: a best case), on a table
 * `(id bigint primary key, a int, s text, ts timestamptz)` (s: 33 characters) with its three indexes:
 *
 * | rows  | total size | CREATE INDEX (int) | CREATE INDEX (text) | ALTER TYPE int→bigint (rewrite) | SET NOT NULL scan |
 * |-------|-----------:|-------:|-------:|--------:|-------:|
 * | 10 k  | 1.1 MB     | 11 ms  | 10 ms  | 26 ms   | 2 ms   |
 * | 100 k | 10.7 MB    | 32 ms  | 95 ms  | 207 ms  | 8 ms   |
 * | 300 k | 32.1 MB    | 98 ms  | 308 ms | 763 ms  | 20 ms  |
 * | 1 M   | 107 MB     | 357 ms | 1.5 s  | 4.0 s   | 130 ms |
 * | 3 M   | 321 MB     | 1.6 s  | 4.6 s  | 9.7 s   | 491 ms |
 *
 * A rewrite crosses 0.5 s at about 200 k rows / 20 MB in this best case; production (cold cache,
 * fsync and WAL shipped to replicas, wider rows, more indexes) is commonly 2-5 times slower, so
 * 100 k rows. The byte threshold catches wide rows (JSON documents, TOAST), where the work follows
 * the bytes, not the row count: a rewrite moved about 25 MB/s including its index rebuilds, so
 * 10 MiB. Both err towards "large": calling a small table large keeps a finding at its rule's
 * severity (the safe way), calling a large table small would let a long lock through the gate.
 * The tables these thresholds let through as small are lookup and configuration tables, which
 * are kilobytes.
 */
export const DEFAULT_LARGE_TABLE: LargeTable = Object.freeze({ rows: 100_000, bytes: 10 * MiB });

/**
 * Bytes of heap per row assumed when a table was never analysed: a narrow row (24-byte header,
 * 4-byte line pointer, a few columns). The 100 k-row table above had 84 bytes of heap per row.
 */
export const BYTES_PER_ROW_GUESS = 100;

/** The value forms of `lint-large-table`, for error messages and docs. */
export const LARGE_TABLE_FORMS = 'a row count (100k, 2.5M, 100000), a size (500MB, 1GB) or both separated by a comma (100k,1GB)';

const ROW_SUFFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };
const BYTE_UNIT: Record<string, number> = { b: 1, kb: KiB, kib: KiB, mb: MiB, mib: MiB, gb: GiB, gib: GiB, tb: TiB, tib: TiB };

/**
 * Parse a `lint-large-table` value: a row count (`100k`, `2.5M`, `100000`, `1M rows`; suffixes
 * k = 1 000, M = 1 000 000, G = 10⁹), a size (`500MB`, `1GB`, `10 MiB`; binary units as in
 * PostgreSQL's settings: 1 GB = 1024 MB) or one of each separated by a comma (`100k,1GB`). With one
 * threshold given, the other is off (a row count alone judges by rows only). `0` makes every table
 * large. Returns the thresholds, or an error message (naming the value and the expected forms) for
 * the caller to prefix with the input's name.
 */
export function parseLargeTable(text: string): LargeTable | string {
  const bad = (why = '') => `"${text}" is not ${LARGE_TABLE_FORMS}${why}`;
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length > 2 || parts.some((p) => p === '')) return bad();
  let rows: number | undefined;
  let size: number | undefined;
  for (const part of parts) {
    const m = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)(?:\s*rows?)?$/i.exec(part.replace(/_/g, ''));
    if (!m) return bad();
    const value = Number(m[1]);
    const unit = m[2]!.toLowerCase();
    if (unit in BYTE_UNIT) {
      if (size !== undefined) return bad(': two sizes');
      if (/rows?$/i.test(part)) return bad();
      size = Math.round(value * BYTE_UNIT[unit]!);
    } else if (unit in ROW_SUFFIX) {
      if (rows !== undefined) return bad(': two row counts');
      rows = Math.round(value * ROW_SUFFIX[unit]!);
    } else {
      return bad();
    }
  }
  return { rows: rows ?? Number.POSITIVE_INFINITY, bytes: size ?? Number.POSITIVE_INFINITY };
}

/** `~40 rows`, `~2.5 k rows`, `~12 M rows`, `~1.2 G rows`. */
function formatRows(n: number): string {
  const r = Math.max(0, Math.round(n));
  if (r < 1000) return `~${r} ${r === 1 ? 'row' : 'rows'}`;
  const [div, suffix] = r < 999_500 ? [1e3, 'k'] : r < 999_500_000 ? [1e6, 'M'] : [1e9, 'G'];
  const v = r / div;
  return `~${v < 9.95 ? Number(v.toFixed(1)) : Math.round(v)} ${suffix} rows`;
}

/**
 * What a finding was judged by: `orders: ~12 M rows, 3.1 GiB` (bytes as every summary writes
 * them, `text/units.ts`); `(estimated from size)` after the rows when the table was never analysed.
 */
export function formatSize(table: string, s: TableSize): string {
  return `${table}: ${formatRows(s.rows)}${s.estimated ? ' (estimated from size)' : ''}, ${formatBytes(s.bytes)}`;
}

/** Whether a table of size `s` is large by `large` (at or above either threshold). */
export function isLarge(s: TableSize, large: LargeTable): boolean {
  return s.rows >= large.rows || s.bytes >= large.bytes;
}

/**
 * Judge each finding about an existing table (`Finding.table`) by that table's size: small → the
 * severity becomes `info` (it never fails a run) and `size` says why; large → the severity stays and
 * `size` is set; unknown (offline, or the table was not found) → unchanged, as if large. Findings
 * without `table` are returned as they are. Pure: the findings given are not changed.
 */
export function judgeBySize(findings: readonly Finding[], sizes: ReadonlyMap<string, TableSize>, large: LargeTable): Finding[] {
  return findings.map((f) => {
    const s = f.table === undefined ? undefined : sizes.get(f.table);
    if (!s) return f;
    return { ...f, severity: isLarge(s, large) ? f.severity : 'info', size: formatSize(f.table!, s) };
  });
}

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
