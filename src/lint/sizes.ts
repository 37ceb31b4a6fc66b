/**
 * Lint that knows the database: the real size of each existing table a finding is about, and a
 * severity decided by it (an index built on a 40-row lookup table is not the finding one on a
 * 12 M-row table is).
 *
 * - `readTableSizes` (engine/catalog.ts, re-exported here) asks the catalog, in one query, what each named table holds;
 * - {@link judgeBySize} (pure) lowers a finding on a small table to `info` and says what it judged by;
 * - {@link parseLargeTable} / {@link DEFAULT_LARGE_TABLE}: where "large" starts (`lint-large-table`).
 */
import type { TableSize } from '../engine/catalog.js';
import { bytes as formatBytes } from '../text/units.js';
import type { Finding } from './index.js';

// The catalog query is the engine's (the engine imports nothing of lint, and `Migrator.tableFacts` runs it).
export { readTableSizes, BYTES_PER_ROW_GUESS, type TableSize } from '../engine/catalog.js';

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
    const rowsWord = /\s*rows?$/i.exec(part);
    const m = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i.exec((rowsWord ? part.slice(0, rowsWord.index) : part).replace(/_/g, ''));
    if (!m) return bad();
    const value = Number(m[1]);
    const unit = m[2]!.toLowerCase();
    if (Object.hasOwn(BYTE_UNIT, unit)) {
      if (rowsWord) return bad();
      if (size !== undefined) return bad(': two sizes');
      size = Math.round(value * BYTE_UNIT[unit]!);
    } else if (Object.hasOwn(ROW_SUFFIX, unit)) {
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
