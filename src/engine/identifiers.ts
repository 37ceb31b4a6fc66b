/**
 * The one rule for the table names users configure (`migrations-table`/`--migrations-table`/
 * `DBMATE_MIGRATIONS_TABLE`, `history-table`/`--history-table`), shared by the action's inputs, the
 * CLI's flags and the engine, so a name is accepted or refused the same way everywhere.
 *
 * The names are spliced into SQL (quoted by the server's `quote_ident`, as dbmate does), so the rule
 * is strict where dbmate is not: letters (any script), digits, `_`, `$`, `-` and spaces inside the
 * name (dbmate quotes `Weird Name` and projects that use such a ledger must keep working); no quotes,
 * semicolons, other whitespace or control characters; at most 63 bytes of UTF-8 per part (PostgreSQL
 * silently truncates longer names, so two long names could end up as one table); the ledger may be
 * `schema.table` (one dot), the history table is a bare name because it always lives in the
 * ledger's schema.
 */
import { MigrationError } from './errors.js';

/** PostgreSQL's NAMEDATALEN - 1: longer identifiers are truncated by the server. */
export const MAX_IDENTIFIER_BYTES = 63;

/** What `migrations-table` accepts, in the words every "expected …" message uses. */
export const MIGRATIONS_TABLE_FORMAT =
  "a table name, optionally schema-qualified (schema.table), of letters, digits, '_', '$', '-' or inner spaces, at most 63 bytes per part, e.g. schema_migrations";

/** What `history-table` accepts. */
export const HISTORY_TABLE_FORMAT =
  "a table name (it lives in the migrations table's schema) of letters, digits, '_', '$', '-' or inner spaces, at most 63 bytes, e.g. schema_migrations_history, or empty to disable the history table";

const BAD_CHAR_RE = /[^\p{L}\p{M}\p{Nd}_$ -]/u;

/**
 * Why `value` is not an acceptable `migrations-table` (`schema.table` allowed) or, with
 * `qualified: false`, `history-table` name; `undefined` when it is. The reason is a short clause
 * such as `';' is not allowed` for "expected … (reason)" messages.
 */
export function tableNameProblem(value: string, opts: { qualified: boolean }): string | undefined {
  if (value === '') return 'the name is empty';
  const parts = value.split('.');
  if (!opts.qualified && parts.length > 1) return '"." is not allowed: the history table is always in the migrations table\'s schema';
  if (parts.length > 2) return `it has ${parts.length - 1} dots, at most one is allowed: schema.table`;
  for (const [i, part] of parts.entries()) {
    const what = parts.length === 1 ? 'the name' : i === 0 ? 'the schema' : 'the table name';
    if (part === '') return `${what} is empty`;
    const bad = BAD_CHAR_RE.exec(part);
    if (bad) return `${describeChar(bad[0])} is not allowed`;
    if (part.startsWith(' ') || part.endsWith(' ')) return `${what} starts or ends with a space`;
    const bytes = Buffer.byteLength(part, 'utf8');
    if (bytes > MAX_IDENTIFIER_BYTES) return `${what} is ${bytes} bytes long; PostgreSQL truncates names longer than ${MAX_IDENTIFIER_BYTES} bytes`;
  }
  return undefined;
}

/** A character for a message: printable ones in double quotes (`'"'` for that one), the others by code point. */
function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const code = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  if (/[\p{C}\p{Z}]/u.test(ch)) return `the character ${code}`;
  return ch === '"' ? `'"'` : `"${ch}"`;
}

/** The table part of a `migrations-table` value (dbmate: everything after the first dot). */
export function tablePart(migrationsTable: string): string {
  const dot = migrationsTable.indexOf('.');
  return dot === -1 ? migrationsTable : migrationsTable.slice(dot + 1);
}

/**
 * Whether the history table would be the ledger itself. The history table always lives in the
 * ledger's schema and both names are quoted exactly, so comparing the table parts is the resolved
 * comparison: `history-table: schema_migrations` is the ledger whether or not the migrations
 * table names a schema.
 */
export function historyIsLedger(migrationsTable: string, historyTable: string): boolean {
  return historyTable !== '' && tablePart(migrationsTable) === historyTable;
}

/**
 * The engine's own check of configured names (for callers that skip the action's and the CLI's
 * validation, such as the library), naming the settings as the CLI and the action both call them.
 *
 * @throws {MigrationError} `TABLE_NAME_INVALID` for a name outside the rule, or a history table that is the ledger
 */
export function assertTableNames(migrationsTable: string, historyTable: string): void {
  const ledgerProblem = tableNameProblem(migrationsTable, { qualified: true });
  if (ledgerProblem) {
    throw new MigrationError('TABLE_NAME_INVALID', `invalid migrations table name '${migrationsTable}': ${ledgerProblem}`, {
      hint: `expected ${MIGRATIONS_TABLE_FORMAT} (migrations-table, --migrations-table, DBMATE_MIGRATIONS_TABLE)`,
    });
  }
  if (historyTable === '') return;
  const historyProblem = tableNameProblem(historyTable, { qualified: false });
  if (historyProblem) {
    throw new MigrationError('TABLE_NAME_INVALID', `invalid history table name '${historyTable}': ${historyProblem}`, {
      hint: `expected ${HISTORY_TABLE_FORMAT} (history-table, --history-table)`,
    });
  }
  if (historyIsLedger(migrationsTable, historyTable)) throw sameTableError(migrationsTable, historyTable);
}

/** The words for a history table that would be the ledger. */
export const SAME_TABLE_PROBLEM = 'the history table must not be the migrations table';

function sameTableError(migrationsTable: string, historyTable: string): MigrationError {
  return new MigrationError(
    'TABLE_NAME_INVALID',
    `history table '${historyTable}' is the migrations table '${migrationsTable}': ${SAME_TABLE_PROBLEM}`,
    { hint: 'give the history table its own name (default schema_migrations_history), or an empty value to disable it' },
  );
}
