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

// ---- stub until lintdb lands: drop from here to the end of the file at merge (take lintdb's sizes.ts) ----
import type { Finding } from './index.js';
import { Migrator } from '../engine/migrator.js';

/** stub until lintdb lands */
export const DEFAULT_LARGE_TABLE: LargeTable = { rows: 100_000, bytes: 1024 ** 3 };

/** stub until lintdb lands: `100k`, `1M rows`, `1GB`, `100k,1GB`. */
export function parseLargeTable(text: string): LargeTable | string {
  const out = { ...DEFAULT_LARGE_TABLE };
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (!parts.length) return 'a row count (100k, 1M rows), a size (1GB) or both (100k,1GB)';
  for (const p of parts) {
    const m = /^(\d+(?:\.\d+)?)\s*([kKmM]?)\s*(rows?)?$/.exec(p);
    const b = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT])i?B$/.exec(p);
    if (m) out.rows = Number(m[1]) * ({ '': 1, k: 1e3, m: 1e6 } as Record<string, number>)[m[2]!.toLowerCase()]!;
    else if (b) out.bytes = Number(b[1]) * 1024 ** ({ k: 1, m: 2, g: 3, t: 4 } as Record<string, number>)[b[2]!.toLowerCase()]!;
    else return 'a row count (100k, 1M rows), a size (1GB) or both (100k,1GB)';
  }
  return out;
}

/** stub until lintdb lands */
export function formatSize(table: string, s: TableSize): string {
  const rows = s.rows >= 1e6 ? `${Math.round(s.rows / 1e6)} M` : s.rows >= 1e3 ? `${Math.round(s.rows / 1e3)} k` : String(Math.round(s.rows));
  return `${table}: ~${rows} rows, ${(s.bytes / 1024 ** 3).toFixed(1)} GB`;
}

/** stub until lintdb lands */
export function judgeBySize(findings: readonly Finding[], sizes: ReadonlyMap<string, TableSize>, large: LargeTable): Finding[] {
  return findings.map((f) => {
    const s = f.table !== undefined ? sizes.get(f.table) : undefined;
    if (!s) return f;
    const isLarge = s.rows >= large.rows || s.bytes >= large.bytes;
    return { ...f, ...(isLarge ? {} : { severity: 'info' as const }), size: formatSize(f.table!, s) };
  });
}

declare module '../engine/migrator.js' {
  interface Migrator {
    /** stub until lintdb lands */
    tableFacts(tables: readonly string[]): Promise<{ serverMajor: number; sizes: Map<string, TableSize> }>;
  }
}
const proto = Migrator.prototype as unknown as Record<string, unknown>;
proto.tableFacts ??= async () => ({ serverMajor: 0, sizes: new Map<string, TableSize>() });
// ---- end of stub until lintdb lands ----
