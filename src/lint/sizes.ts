/**
 * Lint that knows the database: the real size of each existing table a finding is about, and a
 * severity decided by it (an index built on a 40-row lookup table is not the finding one on a
 * 12 M-row table is).
 */
/** What the catalog says of one table. */
export interface TableSize {
  /** `pg_class.reltuples` (an estimate; -1 or 0 for a table never analysed is read as its pages' worth). */
  rows: number;
  /** `pg_total_relation_size`: table, indexes and TOAST, bytes. */
  bytes: number;
}

/** A table at or above either threshold is large. */
export interface LargeTable {
  rows: number;
  bytes: number;
}
