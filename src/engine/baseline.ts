/**
 * `baseline`: adopt a database whose schema already exists. The files up to a version are
 * recorded as applied without running them; before anything is recorded, the objects their up
 * sections create are looked for in the database, so a baseline against the wrong database (or
 * the wrong version) is refused instead of hiding the migrations `up` should have run.
 */
import type { Connection } from './db.js';
import { MigrationError } from './errors.js';
import type { HistoryName } from './history.js';
import type { LedgerName } from './ledger.js';
import type { LoadedMigration } from './parse.js';
import { isMigrationVersion, MIGRATION_VERSION_FORMAT } from './files.js';
import { loadParser } from './split.js';
import type { MigrationFile } from './types.js';

/** An object a baselined migration creates and the database must therefore have. */
export interface ExpectedObject {
  kind: 'table' | 'view' | 'materialized view' | 'index' | 'column';
  /** Schema as written in the file; empty when unqualified (resolved through the session's search_path). */
  schema: string;
  /** The relation (for a column: its table). */
  name: string;
  /** A column's name. */
  column?: string;
  /** Display path of the file that creates it (the last one that did, when several). */
  file: string;
}

/** What `analyseBaseline` could not read: the files whose objects went unchecked, and why. */
export interface UncheckedFile {
  file: string;
  reason: string;
}

type Obj = Record<string, unknown>;
type RangeVar = { schemaname?: string; relname?: string; relpersistence?: string };

/**
 * The version's position in dbmate's order, or the error naming the nearest versions: baseline
 * takes the files up to and including this one.
 *
 * @throws {MigrationError} `BASELINE_VERSION_INVALID` when `version` is not digits (no file could
 *   have it); `BASELINE_VERSION_UNKNOWN` when no file has this version
 */
export function baselineIndex(files: readonly MigrationFile[], version: string): number {
  if (!isMigrationVersion(version)) {
    throw new MigrationError('BASELINE_VERSION_INVALID', `cannot baseline to ${version}: expected ${MIGRATION_VERSION_FORMAT}`, {
      hint: '`status` lists the migration files; give the version of the last one the database already has',
    });
  }
  const at = files.findIndex((f) => f.version === version);
  if (at !== -1) return at;
  const below = files.filter((f) => f.version < version).at(-1);
  const above = files.find((f) => f.version > version);
  const near = [below && `${below.version} (${below.displayPath})`, above && `${above.version} (${above.displayPath})`].filter(Boolean);
  throw new MigrationError('BASELINE_VERSION_UNKNOWN', `cannot baseline to ${version}: no migration file has this version; nearest: ${near.join(', ') || 'none'}`, {
    hint: 'give the version of a migration file (the leading digits of its name); `status` lists them',
  });
}

/**
 * The objects the files' up sections leave behind, replayed in order (a table a later file drops
 * or renames is not expected under its old name), keeping those created by a file of `todo`.
 * Only what can be checked cheaply and surely is followed: tables (their columns too), views,
 * materialized views and named indexes. Temporary tables and files the parser cannot read are
 * left out (the latter are returned, to be warned about).
 */
export async function expectedObjects(files: readonly LoadedMigration[], todo: ReadonlySet<string>): Promise<{ objects: ExpectedObject[]; unchecked: UncheckedFile[] }> {
  const lib = await loadParser();
  const rels = new Map<string, ExpectedObject>();
  const cols = new Map<string, Map<string, ExpectedObject>>();
  const unchecked: UncheckedFile[] = [];
  const key = (schema: string, name: string) => `${schema}\u0000${name}`;
  const addRel = (kind: ExpectedObject['kind'], rv: RangeVar | undefined, file: string, columns: string[] = []) => {
    if (!rv?.relname || rv.relpersistence === 't') return;
    const k = key(rv.schemaname ?? '', rv.relname);
    rels.set(k, { kind, schema: rv.schemaname ?? '', name: rv.relname, file });
    cols.set(k, new Map(columns.map((c) => [c, { kind: 'column', schema: rv.schemaname ?? '', name: rv.relname!, column: c, file }])));
  };
  const relKey = (rv: RangeVar | undefined) => (rv?.relname ? key(rv.schemaname ?? '', rv.relname) : undefined);
  for (const m of files) {
    const file = m.file.displayPath;
    let stmts: { stmt?: Obj }[];
    try {
      stmts = ((lib.parseSync(m.parsed.up.sql) as { stmts?: { stmt?: Obj }[] }).stmts ?? []);
    } catch (err) {
      if (todo.has(m.file.version)) unchecked.push({ file, reason: (err as Error).message });
      continue;
    }
    const own = todo.has(m.file.version);
    for (const { stmt } of stmts) {
      if (!stmt) continue;
      const [type, node] = Object.entries(stmt)[0] as [string, Obj];
      if (type === 'CreateStmt') {
        const columns = ((node.tableElts ?? []) as Obj[]).map((e) => (e.ColumnDef as Obj | undefined)?.colname as string | undefined).filter((c): c is string => !!c);
        if (own) addRel('table', node.relation as RangeVar, file, columns);
        else forget(rels, cols, relKey(node.relation as RangeVar));
      } else if (type === 'CreateTableAsStmt') {
        const rv = (node.into as Obj | undefined)?.rel as RangeVar | undefined;
        if (own) addRel(node.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table', rv, file);
        else forget(rels, cols, relKey(rv));
      } else if (type === 'ViewStmt') {
        if (own) addRel('view', node.view as RangeVar, file);
        else forget(rels, cols, relKey(node.view as RangeVar));
      } else if (type === 'IndexStmt' && node.idxname) {
        const rv = node.relation as RangeVar;
        const ix = { relname: node.idxname as string, ...(rv.schemaname ? { schemaname: rv.schemaname } : {}) };
        if (own) addRel('index', ix, file);
        else forget(rels, cols, relKey(ix));
      } else if (type === 'AlterTableStmt') {
        const k = relKey(node.relation as RangeVar);
        // A column added to a table an earlier (already applied) file created is expected too.
        if (k && own && !cols.has(k)) cols.set(k, new Map());
        const table = k ? cols.get(k) : undefined;
        for (const c of (node.cmds ?? []) as Obj[]) {
          const cmd = c.AlterTableCmd as Obj | undefined;
          if (!cmd || !table) continue;
          const col = (cmd.def as Obj | undefined)?.ColumnDef as Obj | undefined;
          if (cmd.subtype === 'AT_AddColumn' && col?.colname) {
            const rv = node.relation as RangeVar;
            if (own) table.set(col.colname as string, { kind: 'column', schema: rv.schemaname ?? '', name: rv.relname!, column: col.colname as string, file });
            else table.delete(col.colname as string);
          } else if (cmd.subtype === 'AT_DropColumn' && cmd.name) {
            table.delete(cmd.name as string);
          }
        }
      } else if (type === 'RenameStmt') {
        const k = relKey(node.relation as RangeVar);
        if (!k) continue;
        if (node.renameType === 'OBJECT_COLUMN') {
          const table = cols.get(k);
          const was = table?.get(node.subname as string);
          table?.delete(node.subname as string);
          if (table && was) table.set(node.newname as string, { ...was, column: node.newname as string, file });
        } else if (['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_INDEX'].includes(node.renameType as string)) {
          const was = rels.get(k);
          const wasCols = cols.get(k);
          forget(rels, cols, k);
          const rv = node.relation as RangeVar;
          const nk = key(rv.schemaname ?? '', node.newname as string);
          if (was) rels.set(nk, { ...was, name: node.newname as string, file });
          if (wasCols) cols.set(nk, new Map([...wasCols].map(([c, o]) => [c, { ...o, name: node.newname as string }])));
        }
      } else if (type === 'DropStmt' && ['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_INDEX'].includes(node.removeType as string)) {
        for (const o of (node.objects ?? []) as Obj[]) {
          const parts = (((o.List as Obj | undefined)?.items ?? []) as Obj[]).map((i) => (i.String as Obj | undefined)?.sval as string);
          const name = parts.at(-1);
          if (name) forget(rels, cols, key(parts.length > 1 ? parts[parts.length - 2] : '', name));
        }
      }
    }
  }
  const objects: ExpectedObject[] = [];
  for (const o of rels.values()) objects.push(o);
  for (const [k, c] of cols) if (!rels.has(k) || rels.get(k)!.kind === 'table') objects.push(...c.values());
  return { objects, unchecked };
}

function forget(rels: Map<string, ExpectedObject>, cols: Map<string, unknown>, k: string | undefined): void {
  if (k === undefined) return;
  rels.delete(k);
  cols.delete(k);
}

/** `table app.users`, `column users.email`: an object as messages name it. */
export function objectName(o: ExpectedObject): string {
  const rel = o.schema ? `${o.schema}.${o.name}` : o.name;
  return o.kind === 'column' ? `column ${rel}.${o.column}` : `${o.kind} ${rel}`;
}

const RELKINDS: Record<Exclude<ExpectedObject['kind'], 'column'>, string[]> = {
  table: ['r', 'p', 'f'],
  view: ['v'],
  'materialized view': ['m'],
  index: ['i', 'I'],
};

/**
 * The expected objects the database lacks, in one catalog query. Unqualified names are resolved
 * through the session's search_path, as the migration would have resolved them; a relation of
 * another kind (a view where a table was created) counts as missing. The columns of a missing
 * table are left out (the table says it).
 */
export async function missingObjects(conn: Connection, objects: readonly ExpectedObject[]): Promise<ExpectedObject[]> {
  if (objects.length === 0) return [];
  const wanted = objects.map((o, i) => ({ i, schema: o.schema, name: o.name, column: o.column ?? null, kinds: o.kind === 'column' ? RELKINDS.table : RELKINDS[o.kind] }));
  const { rows } = await conn.query<{ i: number }>(
    `select (o->>'i')::int as i
       from json_array_elements($1::json) o
       left join pg_class c on c.oid = to_regclass(case when o->>'schema' = '' then quote_ident(o->>'name') else quote_ident(o->>'schema') || '.' || quote_ident(o->>'name') end)
      where c.oid is null
         or not (c.relkind::text in (select json_array_elements_text(o->'kinds')))
         or (o->>'column' is not null and not exists (
               select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = o->>'column' and a.attnum > 0 and not a.attisdropped))
      order by 1`,
    [JSON.stringify(wanted)],
  );
  const missing = rows.map((r) => objects[r.i]);
  // A missing table's columns are missing too: naming the table says it.
  const gone = new Set(missing.filter((o) => o.kind !== 'column').map((o) => `${o.schema}.${o.name}`));
  return missing.filter((o) => o.kind !== 'column' || !gone.has(`${o.schema}.${o.name}`));
}

/**
 * Whether the database has a table of its own, besides the ledger and the history table: a
 * database with none has nothing to adopt (its migrations are for `up`).
 */
export async function hasUserTables(conn: Connection, ledger: LedgerName, history: HistoryName | undefined): Promise<boolean> {
  const { rows } = await conn.query<{ n: number }>(
    `select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p', 'f') and n.nspname not in ('pg_catalog', 'information_schema')
        and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp\\_%'
        and (n.nspname, c.relname) not in (($1, $2), ($3, $4))`,
    [ledger.schema, ledger.table, history?.schema ?? ledger.schema, history?.table ?? ledger.table],
  );
  return rows[0].n > 0;
}

/** Most missing objects one message names; the rest are counted. */
const MISSING_SHOWN = 5;

/** The refusal when {@link missingObjects} found some: each object with its file, and what to do. */
export function schemaMismatchError(version: string, missing: readonly ExpectedObject[]): MigrationError {
  const shown = missing.slice(0, MISSING_SHOWN).map((o) => `${objectName(o)} (created by ${o.file})`);
  const more = missing.length > MISSING_SHOWN ? ` and ${missing.length - MISSING_SHOWN} more` : '';
  const plural = missing.length > 1;
  return new MigrationError(
    'BASELINE_SCHEMA_MISMATCH',
    `cannot baseline to ${version}: the database does not match the migrations: ${shown.join(', ')}${more} ${plural ? 'do' : 'does'} not exist; nothing was recorded`,
    {
      hint:
        'baseline records migrations as applied without running them, so what they create must already be there: ' +
        'check that the URL names the database to adopt, baseline an earlier version, or create the missing objects first',
    },
  );
}

/** The refusal in a database with no table at all. */
export function emptyDatabaseError(version: string): MigrationError {
  return new MigrationError('BASELINE_EMPTY_DATABASE', `cannot baseline to ${version}: the database has no tables, so there is nothing to adopt; nothing was recorded`, {
    hint: 'run `up` to apply the migrations instead (baseline is for a database whose schema already exists)',
  });
}
