import { type Connection } from './db.js';
import { describeRelation, isTableKind, relationKindName, type ColumnShape, type RelationShape } from './catalog.js';
import { MigrationError } from './errors.js';
import { MIGRATIONS_TABLE_FORMAT, tableNameProblem } from './identifiers.js';
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
  const problem = tableNameProblem(migrationsTable, { qualified: true });
  if (problem) {
    throw new MigrationError('TABLE_NAME_INVALID', `invalid migrations table name '${migrationsTable}': ${problem}`, {
      hint: `expected ${MIGRATIONS_TABLE_FORMAT} (migrations-table, --migrations-table, DBMATE_MIGRATIONS_TABLE)`,
    });
  }
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
 * work. A missing schema (3F000) is created once, as dbmate does, announced with its line. An
 * existing table is checked first ({@link checkLedger}): another tool's table is refused, never
 * written to.
 */
export async function ensureLedger(conn: Connection, name: LedgerName, log: Logger): Promise<void> {
  if (await checkLedger(conn, name)) return;
  // `if not exists` still: dump runs without the advisory lock, so another run may create it first.
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

/**
 * Applied versions, or an empty set when the ledger does not exist yet.
 *
 * @throws {MigrationError} `LEDGER_FOREIGN` when the table is not a dbmate ledger
 */
export async function appliedVersions(conn: Connection, name: LedgerName): Promise<Set<string>> {
  if (!(await checkLedger(conn, name))) return new Set();
  return readAppliedVersions(conn, name);
}

/** The ledger's versions, for a caller that has just {@link checkLedger checked} that it exists and is usable. */
export async function readAppliedVersions(conn: Connection, name: LedgerName): Promise<Set<string>> {
  // One JSON value instead of one row per version: node-postgres's per-row parsing dominated
  // `status` on large projects.
  const { rows } = await conn.query<{ v: string }>(`select coalesce(json_agg(version), '[]')::text as v from ${name.quoted}`);
  return new Set(JSON.parse(rows[0].v) as string[]);
}

/**
 * Whether the ledger exists, after checking that it is one: one catalog query, the same cost as
 * the existence check it replaces. dbmate needs a table with a text-like `version` column that an
 * `insert (version)` can fill, so every other column must be nullable or have a default (Rails'
 * `schema_migrations`, which dbmate shares, qualifies).
 *
 * @returns false when no relation has the ledger's name
 * @throws {MigrationError} `LEDGER_FOREIGN` naming the table, the tool it looks like and what to do
 */
export async function checkLedger(conn: Connection, name: LedgerName): Promise<boolean> {
  const shape = await describeRelation(conn, name);
  if (!shape) return false;
  const why = ledgerShapeProblem(shape);
  if (why === undefined) return true;
  const tool = foreignTool(shape);
  const looks = tool ? `it looks like ${tool}'s migrations table (${columnList(shape.columns)})` : why;
  throw new MigrationError('LEDGER_FOREIGN', `${name.quoted} is not a dbmate ledger: ${looks}`, {
    hint:
      `dbmate records applied migrations in a table with a text version column (it creates version varchar primary key). ` +
      `Give dbmate's ledger a name of its own with migrations-table (action input), --migrations-table or DBMATE_MIGRATIONS_TABLE (CLI), ` +
      `e.g. dbmate_migrations${tool ? `, or move ${tool}'s history out of ${name.quoted} first (one row per applied version in a dbmate ledger)` : ''}; ` +
      'nothing was changed',
  });
}

/** Why a relation cannot serve as dbmate's ledger; `undefined` when it can. */
function ledgerShapeProblem(shape: RelationShape): string | undefined {
  if (!isTableKind(shape.kind)) return `it is ${relationKindName(shape.kind)}, not a table`;
  const version = shape.columns.find((c) => c.name === 'version');
  if (!version) return `it has no version column (columns: ${columnList(shape.columns) || 'none'})`;
  if (version.category !== 'S') return `its version column is ${version.type}, not text (columns: ${columnList(shape.columns)})`;
  const required = shape.columns.filter((c) => c.name !== 'version' && c.notNull && !c.hasDefault);
  if (required.length > 0) {
    const names = required.map((c) => c.name).join(', ');
    return `${required.length > 1 ? 'columns' : 'column'} ${names} ${required.length > 1 ? 'are' : 'is'} NOT NULL without a default, so dbmate cannot insert a version (columns: ${columnList(shape.columns)})`;
  }
  return undefined;
}

/**
 * Other migration tools' tables, by the columns that give them away. Only consulted for a table
 * dbmate cannot use: one it can (Rails', diesel's) is shared as dbmate shares it.
 */
const FOREIGN_TOOLS: { tool: string; columns: string[] }[] = [
  { tool: 'golang-migrate', columns: ['version', 'dirty'] },
  { tool: 'Ecto (Phoenix)', columns: ['version', 'inserted_at'] },
  { tool: 'sqlx', columns: ['version', 'success', 'checksum'] },
  { tool: 'goose', columns: ['version_id', 'is_applied'] },
  { tool: 'Flyway', columns: ['installed_rank', 'success'] },
  { tool: 'Liquibase', columns: ['author', 'filename', 'dateexecuted'] },
  { tool: 'Sequel', columns: ['filename'] },
  { tool: 'Alembic', columns: ['version_num'] },
  { tool: 'Prisma', columns: ['migration_name', 'checksum'] },
  { tool: 'Knex', columns: ['name', 'batch', 'migration_time'] },
  { tool: 'Django', columns: ['app', 'name', 'applied'] },
  { tool: 'TypeORM', columns: ['timestamp', 'name'] },
  { tool: 'node-pg-migrate', columns: ['name', 'run_on'] },
  { tool: 'diesel', columns: ['version', 'run_on'] },
];

/** The tool whose migrations table has these columns, if one is known. */
function foreignTool(shape: RelationShape): string | undefined {
  if (!isTableKind(shape.kind)) return undefined;
  const names = new Set(shape.columns.map((c) => c.name));
  return FOREIGN_TOOLS.find((t) => t.columns.every((c) => names.has(c)))?.tool;
}

function columnList(columns: readonly ColumnShape[]): string {
  return columns.map((c) => `${c.name} ${c.type}`).join(', ');
}
