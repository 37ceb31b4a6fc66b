/** One `-- migrate:up` or `-- migrate:down` block of a migration file. */
export interface Section {
  /** Exact text sent to the server: starts at the marker line, as dbmate sends it. */
  sql: string;
  /** False only for the exact option `transaction:false` on the marker line. */
  transaction: boolean;
  /** 1-based line in the file where `sql` starts (the marker line). */
  startLine: number;
}

/** A migration file found in a migrations directory (not yet parsed). */
export interface MigrationFile {
  /** Leading digits of the file name, leading zeros kept (dbmate's version). */
  version: string;
  /** Bare file name, e.g. `20240101000000_create_users.sql`. */
  fileName: string;
  /** Path as dbmate prints it: `<dir>/<fileName>` with the dir as configured, cleaned. */
  displayPath: string;
  /** Absolute path. */
  absPath: string;
}

/** A parsed migration file. */
export interface ParsedMigration {
  up: Section;
  down: Section;
  /** sha256 hex of the file's bytes, recorded in the history table to detect edits. */
  checksum: string;
}
