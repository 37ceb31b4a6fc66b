/**
 * PostgreSQL migration lint rules, checked on the libpg-query AST of one statement at a time.
 * Pure: no I/O, no `@actions/*`. Each rule says why the statement is dangerous and what to write
 * instead; {@link trackStatement} keeps the facts later statements depend on: tables and indexes
 * created earlier in the plan (new and empty, so safe to lock, rewrite or drop), validated CHECK
 * constraints, `SET lock_timeout`, enum values added in the section.
 */

/**
 * How bad a finding is: `error` fails `db-migrate-action lint` (and the action's gate at the default
 * `lint-fail-on`), `warning` fails only `lint-fail-on: warning`, `info` is reported only.
 */
export type Severity = 'error' | 'warning' | 'info';

/** A libpg-query AST node: `{ NodeType: { ...fields } }`. */
export type AstNode = Record<string, unknown>;

/** An index created by an up section of the plan. */
export interface PlanIndex {
  /** Its table, lowercase as written (`schema.name` or `name`). */
  table: string;
  /** Display path of the file whose up section created it. */
  file: string;
}

/**
 * Facts about the up sections of one plan (the files of one run, in order) that later statements
 * depend on. Names are lowercase as written; a schema-qualified object is kept under both
 * `schema.name` and `name`, so either spelling matches later.
 */
export interface PlanState {
  /** Tables created by the plan so far (CREATE TABLE, CREATE TABLE AS, SELECT INTO, renamed from one of these): new and empty. */
  createdTables: Set<string>;
  /** `table\0column` pairs with a validated `CHECK (column IS NOT NULL)` seen earlier. */
  validatedNotNull: Set<string>;
  /** `table\0constraint` → column of a `CHECK (column IS NOT NULL) NOT VALID` not yet validated. */
  notNullChecks: Map<string, string>;
  /** Indexes created by the plan (CREATE INDEX, a named PRIMARY KEY / UNIQUE constraint), by name. */
  indexes: Map<string, PlanIndex>;
  /** Table → the column lists of the indexes, PRIMARY KEYs and UNIQUE constraints the plan creates on it. */
  indexColumns: Map<string, string[][]>;
}

/** Facts about the statements already seen: the plan's (shared by up sections) plus the section's own. */
export interface SectionState extends PlanState {
  /** True once `SET [LOCAL] lock_timeout` was seen in this section. */
  lockTimeoutSet: boolean;
  /** True once the `lock-timeout` rule fired in this section (it fires once per section). */
  lockTimeoutReported: boolean;
  /** Enum values added (`ALTER TYPE … ADD VALUE`) earlier in this section → their type. */
  enumValues: Map<string, string>;
  /** Enum values whose use in the same transaction was already reported. */
  enumUsesReported: Set<string>;
  /** `table\0constraint` of the constraints this section added NOT VALID to an existing table. */
  notValidAdded: Set<string>;
}

/** Where a statement runs, given to every checker. */
export interface RuleContext {
  /** False for a `transaction:false` section. */
  transaction: boolean;
  /** Which section the statement is in. */
  direction: 'up' | 'down';
  /** Display path of the file. */
  file: string;
  /** What earlier statements did: in an up section, the whole plan so far; in a down section, that section only. */
  state: SectionState;
  /** The plan's up sections so far (for names only in a down section: which index is on which table, which file made it). */
  plan: PlanState;
  /** Server major version; undefined: unknown, every version-dependent rule applies. */
  pgVersion?: number;
  /** Who runs the SQL: our runner sets lock_timeout, another tool may not. */
  runner: 'db-migrate' | 'other';
}

/** One problem found by a checker. */
export interface RuleHit {
  /** What is wrong with this statement, naming the object. */
  message: string;
  /** Byte offset in the section text of the offending clause; default: the statement's start. */
  location?: number;
  /**
   * The existing table (lowercase as written) the finding is about, when its real size can decide
   * the severity: every hit of a rule marked {@link Rule.sizeSensitive}, and single hits of other
   * rules whose danger depends on size (an UPDATE without WHERE, unlike a DELETE).
   */
  table?: string;
  /** This hit's severity when it differs from the rule's (e.g. `info` when the facts are unknown). */
  severity?: Severity;
  /**
   * Decided at the end of the plan: the hit is dropped when this returns true then (a foreign key
   * whose index a later migration of the same plan creates).
   */
  unless?: () => boolean;
}

/** A lint rule. */
export interface Rule {
  /** Stable id, used in output and in `-- db-migrate:disable <id>`. */
  id: string;
  /** `error`, `warning` or `info`. */
  severity: Severity;
  /** Why the statement is dangerous on a live database. */
  why: string;
  /** The safe alternative. */
  fix: string;
  /**
   * True when the danger is a lock held while an existing table is scanned, rewritten or indexed:
   * its hits name the `table`, and the table's real size may lower the severity (sizes.ts).
   */
  sizeSensitive?: boolean;
  /** Findings for one statement (the parsed `stmt` node). */
  check(stmt: AstNode, ctx: RuleContext): RuleHit[];
}

/** A fresh {@link PlanState}: nothing created yet. */
export function newPlanState(): PlanState {
  return { createdTables: new Set(), validatedNotNull: new Set(), notNullChecks: new Map(), indexes: new Map(), indexColumns: new Map() };
}

/**
 * A fresh {@link SectionState}. Given a plan, the section shares its collections (an up section:
 * what it creates is new for every later file); without one, it starts from nothing (a down section,
 * which runs after everything and sees no table as new except those it creates itself).
 */
export function newSectionState(plan: PlanState = newPlanState()): SectionState {
  return {
    createdTables: plan.createdTables,
    validatedNotNull: plan.validatedNotNull,
    notNullChecks: plan.notNullChecks,
    indexes: plan.indexes,
    indexColumns: plan.indexColumns,
    lockTimeoutSet: false,
    lockTimeoutReported: false,
    enumValues: new Map(),
    enumUsesReported: new Set(),
    notValidAdded: new Set(),
  };
}

// ---------------------------------------------------------------------------------------------
// AST helpers

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** `[type, fields]` of a node, or undefined. */
function unwrap(node: unknown): [string, Obj] | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const key = Object.keys(node)[0];
  return key ? [key, (node as Obj)[key] as Obj] : undefined;
}

function field(node: unknown, type: string): Obj | undefined {
  const u = unwrap(node);
  return u && u[0] === type ? u[1] : undefined;
}

function str(node: unknown): string | undefined {
  const s = field(node, 'String')?.sval;
  return typeof s === 'string' ? s : undefined;
}

/** `schema.name` (or `name`) of a RangeVar, as written. */
function relName(rv: Obj | undefined): string {
  if (!rv) return '?';
  return rv.schemaname ? `${rv.schemaname}.${rv.relname}` : String(rv.relname);
}

/** Lowercase {@link relName}: the `table` of a finding and the key of the plan's sets. */
function tableKey(rv: Obj | undefined): string {
  return relName(rv).toLowerCase();
}

/** The keys a qualified name is known by: `s.t` and `t`. */
function keysOf(name: string): string[] {
  const n = name.toLowerCase();
  const dot = n.lastIndexOf('.');
  return dot < 0 ? [n] : [n, n.slice(dot + 1)];
}

function hasName(set: { has(k: string): boolean }, name: string): boolean {
  return keysOf(name).some((k) => set.has(k));
}

function getName<V>(map: Map<string, V>, name: string): V | undefined {
  for (const k of keysOf(name)) if (map.has(k)) return map.get(k);
  return undefined;
}

/** Whether a table was created earlier in the plan (up) or the section (down). */
function isNew(rv: Obj | undefined, ctx: RuleContext): boolean {
  return !!rv && isNewName(tableKey(rv), ctx.state);
}

function isNewName(name: string, state: PlanState): boolean {
  return hasName(state.createdTables, name);
}

function alterCmds(stmt: AstNode): { rel: Obj; cmds: Obj[]; objtype: string } | undefined {
  const a = field(stmt, 'AlterTableStmt');
  if (!a) return undefined;
  return { rel: a.relation as Obj, cmds: ((a.cmds ?? []) as unknown[]).map((c) => field(c, 'AlterTableCmd')).filter((c): c is Obj => !!c), objtype: a.objtype };
}

/** ALTER TABLE on an existing table (not one the plan created). */
function alterExisting(stmt: AstNode, ctx: RuleContext): { rel: Obj; cmds: Obj[]; table: string } | undefined {
  const a = alterCmds(stmt);
  if (!a || a.objtype !== 'OBJECT_TABLE' || isNew(a.rel, ctx)) return undefined;
  return { rel: a.rel, cmds: a.cmds, table: tableKey(a.rel) };
}

/** Function names called anywhere in an expression. */
function calledFunctions(expr: unknown, out: string[] = []): string[] {
  if (Array.isArray(expr)) {
    for (const e of expr) calledFunctions(e, out);
  } else if (expr && typeof expr === 'object') {
    const fc = (expr as Obj).FuncCall as Obj | undefined;
    if (fc) {
      const names = (fc.funcname ?? []) as Obj[];
      const last = names[names.length - 1]?.String?.sval;
      if (last) out.push(String(last).toLowerCase());
    }
    for (const v of Object.values(expr)) if (v && typeof v === 'object') calledFunctions(v, out);
  }
  return out;
}

/** String constants (`'…'`) anywhere in a statement, with their byte offsets. */
function stringConstants(node: unknown, out: { value: string; location?: number }[] = []): { value: string; location?: number }[] {
  if (Array.isArray(node)) {
    for (const e of node) stringConstants(e, out);
  } else if (node && typeof node === 'object') {
    const c = (node as Obj).A_Const as Obj | undefined;
    if (c && typeof c.sval?.sval === 'string') out.push({ value: c.sval.sval, location: c.location });
    for (const v of Object.values(node)) if (v && typeof v === 'object') stringConstants(v, out);
  }
  return out;
}

/** Column of `CHECK (col IS NOT NULL)`, if that is the whole expression. */
function notNullCheckColumn(c: Obj): string | undefined {
  const nt = field(c.raw_expr, 'NullTest');
  if (!nt || nt.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const ref = field(nt.arg, 'ColumnRef');
  const fields = (ref?.fields ?? []) as Obj[];
  const name = fields[fields.length - 1]?.String?.sval;
  return name ? String(name) : undefined;
}

function constraints(stmt: AstNode): { rel: Obj; c: Obj }[] {
  const a = alterCmds(stmt);
  if (!a) return [];
  return a.cmds.filter((cmd) => cmd.subtype === 'AT_AddConstraint').map((cmd) => ({ rel: a.rel, c: field(cmd.def, 'Constraint') ?? {} }));
}

function columnConstraints(col: Obj): Obj[] {
  return ((col.constraints ?? []) as unknown[]).map((c) => field(c, 'Constraint') ?? {});
}

/** The columns an ALTER TABLE adds: each ColumnDef, its type name (lowercase, last part) and its constraints. */
function addedColumns(cmds: readonly Obj[]): { col: Obj; type: string; constraints: Obj[] }[] {
  return cmds
    .map((cmd) => (cmd.subtype === 'AT_AddColumn' ? field(cmd.def, 'ColumnDef') : undefined))
    .filter((col): col is Obj => !!col)
    .map((col) => ({ col, type: String(names(col.typeName?.names).slice(-1)[0] ?? '').toLowerCase(), constraints: columnConstraints(col) }));
}

/** `a, b` of names given as String nodes. */
function names(list: unknown): string[] {
  return ((list ?? []) as unknown[]).map((n) => str(n)).filter((n): n is string => n !== undefined);
}

/** One finding for several parts of one statement: its message lists them, its position is the first one's. */
function joined(parts: { text: string; location?: number }[], message: (list: string) => string, table?: string): RuleHit[] {
  if (!parts.length) return [];
  return [{ message: message(parts.map((p) => p.text).join(', ')), location: parts[0]!.location, ...(table ? { table } : {}) }];
}

/** Volatile functions whose default forces a table rewrite under ACCESS EXCLUSIVE. */
const VOLATILE = new Set(['random', 'clock_timestamp', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v4', 'nextval', 'timeofday', 'txid_current']);
const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

/** SQL words of an object type (`OBJECT_MATVIEW` → `MATERIALIZED VIEW`). */
const KIND_WORDS: Record<string, string> = {
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_FOREIGN_TABLE: 'FOREIGN TABLE',
  OBJECT_FOREIGN_SERVER: 'SERVER',
  OBJECT_FDW: 'FOREIGN DATA WRAPPER',
  OBJECT_OPCLASS: 'OPERATOR CLASS',
  OBJECT_OPFAMILY: 'OPERATOR FAMILY',
  OBJECT_TSCONFIGURATION: 'TEXT SEARCH CONFIGURATION',
  OBJECT_TSDICTIONARY: 'TEXT SEARCH DICTIONARY',
  OBJECT_TSPARSER: 'TEXT SEARCH PARSER',
  OBJECT_TSTEMPLATE: 'TEXT SEARCH TEMPLATE',
  OBJECT_STATISTIC_EXT: 'STATISTICS',
  OBJECT_LARGEOBJECT: 'LARGE OBJECT',
};

/** `TABLE`, `MATERIALIZED VIEW`, `EVENT TRIGGER`… of an `OBJECT_*` type. */
function kindWord(objtype: unknown): string {
  const t = String(objtype ?? 'OBJECT_OBJECT');
  return KIND_WORDS[t] ?? t.replace(/^OBJECT_/, '').replace(/_/g, ' ');
}

/** Display names of built-in types as one writes them. */
const TYPE_WORDS: Record<string, string> = { int4: 'int', int8: 'bigint', int2: 'smallint', bool: 'boolean', float8: 'double precision', float4: 'real', bpchar: 'char', varchar: 'varchar', numeric: 'numeric', timestamptz: 'timestamptz' };

function typeName(node: unknown): string {
  const t = field(node, 'TypeName');
  if (!t) return str(node) ?? '?';
  const n = names(t.names);
  const plain = n[0] === 'pg_catalog' ? n.slice(1) : n;
  const last = plain.join('.');
  return `${TYPE_WORDS[last] ?? last}${t.arrayBounds?.length ? '[]' : ''}`;
}

/** `f(int, text)` (or `f` when the arguments are not given) of an ObjectWithArgs. */
function withArgs(o: Obj): string {
  const name = names(o.objname).join('.');
  if (o.args_unspecified) return name;
  return `${name}(${((o.objargs ?? []) as unknown[]).map((a) => (a ? typeName(a) : 'NONE')).join(', ')})`;
}

/** How one object of a DROP (or GRANT) reads in SQL, for its kind. */
function objectName(o: unknown, kind: string): string {
  const [type, n] = unwrap(o) ?? ['', {}];
  if (type === 'ObjectWithArgs') return withArgs(n);
  if (type === 'String') return String(n.sval);
  if (type === 'TypeName') return typeName(o);
  if (type === 'RangeVar') return relName(n);
  if (type === 'List') {
    const items = (n.items ?? []) as unknown[];
    if (kind === 'OBJECT_CAST') return `(${typeName(items[0])} AS ${typeName(items[1])})`;
    if (kind === 'OBJECT_TRANSFORM') return `FOR ${typeName(items[0])} LANGUAGE ${str(items[1]) ?? '?'}`;
    const parts = items.map((i) => str(i) ?? typeName(i));
    if (kind === 'OBJECT_TRIGGER' || kind === 'OBJECT_POLICY' || kind === 'OBJECT_RULE') return `${parts[parts.length - 1]} ON ${parts.slice(0, -1).join('.')}`;
    if (kind === 'OBJECT_OPCLASS' || kind === 'OBJECT_OPFAMILY') return `${parts.slice(1).join('.')} USING ${parts[0]}`;
    return parts.join('.');
  }
  return '?';
}

/** The names of a DROP's objects as one writes them. */
function dropObjects(d: Obj): string[] {
  return ((d.objects ?? []) as unknown[]).map((o) => objectName(o, String(d.removeType)));
}

/** `DROP TRIGGER x ON t`, `DROP FUNCTION f(int)`, `DROP MATERIALIZED VIEW a, b`. */
function dropText(d: Obj, objects = dropObjects(d)): string {
  return `DROP ${kindWord(d.removeType)} ${objects.join(', ')}`;
}

/** The index a DROP/REINDEX names, as the plan knows it (undefined: not created by this plan). */
function planIndex(name: string, plan: PlanState): PlanIndex | undefined {
  return getName(plan.indexes, name);
}

/** Tables an ACCESS EXCLUSIVE statement locks (empty when it takes a weaker lock or touches new tables only). */
function accessExclusiveTarget(stmt: AstNode, ctx: RuleContext): string | undefined {
  const [type, n] = unwrap(stmt) ?? ['', {}];
  switch (type) {
    case 'AlterTableStmt':
      if (n.objtype !== 'OBJECT_TABLE' || isNew(n.relation, ctx)) return undefined;
      return `ALTER TABLE ${relName(n.relation)}`;
    case 'RenameStmt':
      if (!n.relation || isNew(n.relation, ctx)) return undefined;
      return `ALTER TABLE ${relName(n.relation)} RENAME`;
    case 'DropStmt':
      if (n.removeType !== 'OBJECT_TABLE' && !(n.removeType === 'OBJECT_INDEX' && !n.concurrent)) return undefined;
      return dropText(n);
    case 'TruncateStmt':
      return 'TRUNCATE';
    case 'ClusterStmt':
      return 'CLUSTER';
    case 'VacuumStmt':
      return isVacuumFull(n) ? 'VACUUM FULL' : undefined;
    default:
      return undefined;
  }
}

function isVacuumFull(v: Obj): boolean {
  return v.is_vacuumcmd !== false && ((v.options ?? []) as Obj[]).some((o) => {
    const d = field(o, 'DefElem');
    return d?.defname === 'full' && field(d.arg, 'Boolean')?.boolval !== false && str(d.arg) !== 'false';
  });
}

/** Whether the plan creates an index on `table` whose leading columns are exactly `cols` (in any order). */
function indexCovers(state: PlanState, table: string, cols: readonly string[]): boolean {
  const want = new Set(cols.map((c) => c.toLowerCase()));
  for (const k of keysOf(table)) {
    for (const idx of state.indexColumns.get(k) ?? []) {
      if (idx.length < want.size) continue;
      const lead = new Set(idx.slice(0, want.size).map((c) => c.toLowerCase()));
      if (lead.size === want.size && [...want].every((c) => lead.has(c))) return true;
    }
  }
  return false;
}

/** The foreign keys one statement adds: its table, referencing columns, name and position. */
function foreignKeys(stmt: AstNode): { rel: Obj; cols: string[]; name?: string; location?: number; creates: boolean }[] {
  const out: { rel: Obj; cols: string[]; name?: string; location?: number; creates: boolean }[] = [];
  const [type, n] = unwrap(stmt) ?? ['', {}];
  const fromColumn = (rel: Obj, col: Obj, creates: boolean) => {
    for (const c of columnConstraints(col)) if (c.contype === 'CONSTR_FOREIGN') out.push({ rel, cols: [String(col.colname)], name: c.conname, location: c.location, creates });
  };
  if (type === 'CreateStmt') {
    for (const e of (n.tableElts ?? []) as unknown[]) {
      const col = field(e, 'ColumnDef');
      if (col) fromColumn(n.relation, col, true);
      const c = field(e, 'Constraint');
      if (c?.contype === 'CONSTR_FOREIGN') out.push({ rel: n.relation, cols: names(c.fk_attrs), name: c.conname, location: c.location, creates: true });
    }
  }
  const a = alterCmds(stmt);
  if (a && a.objtype === 'OBJECT_TABLE') {
    for (const cmd of a.cmds) {
      const c = field(cmd.def, 'Constraint');
      if (cmd.subtype === 'AT_AddConstraint' && c?.contype === 'CONSTR_FOREIGN') out.push({ rel: a.rel, cols: names(c.fk_attrs), name: c.conname, location: c.location, creates: false });
      const col = field(cmd.def, 'ColumnDef');
      if (cmd.subtype === 'AT_AddColumn' && col) fromColumn(a.rel, col, false);
    }
  }
  return out;
}

/** Secret-looking string literals: what each kind is called (never the value). */
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/, 'a private key'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}/, 'a GitHub token'],
  [/\bgithub_pat_[A-Za-z0-9_]{22,}/, 'a GitHub token'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\b[sr]k_live_[A-Za-z0-9]{16,}/, 'a Stripe live key'],
  [/\bAIza[0-9A-Za-z_-]{35}/, 'a Google API key'],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]+:(?![$%{<*])[^\s/@'"]+@/i, 'a URL with a password'],
];

/** Every string value in a statement (literals, option values, function bodies), with the nearest byte offset. */
function allStrings(node: unknown, loc: number | undefined, out: { value: string; location?: number; password?: string }[]): void {
  if (Array.isArray(node)) {
    for (const e of node) allStrings(e, loc, out);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const o = node as Obj;
  const here = typeof o.location === 'number' && o.location >= 0 ? o.location : loc;
  if (o.DefElem && o.DefElem.defname === 'password' && typeof field(o.DefElem.arg, 'String')?.sval === 'string') out.push({ value: '', location: o.DefElem.location ?? here, password: 'password' });
  for (const [k, v] of Object.entries(o)) {
    if (k === 'sval' && typeof v === 'string') out.push({ value: v, location: here });
    else if (v && typeof v === 'object') allStrings(v, here, out);
  }
}

/** Role names of a GRANT's grantees (`PUBLIC` for the public pseudo-role). */
function grantees(g: Obj): string[] {
  return ((g.grantees ?? []) as unknown[]).map((r) => {
    const rs = field(r, 'RoleSpec') ?? {};
    if (rs.roletype === 'ROLESPEC_PUBLIC') return 'PUBLIC';
    if (rs.roletype === 'ROLESPEC_CSTRING') return String(rs.rolename);
    return String(rs.roletype ?? '?').replace(/^ROLESPEC_/, '');
  });
}

/** `GRANT SELECT, INSERT ON TABLE t TO PUBLIC` of a GrantStmt (or of ALTER DEFAULT PRIVILEGES). */
function grantText(g: Obj): string {
  const privs = ((g.privileges ?? []) as unknown[]).map((p) => String(field(p, 'AccessPriv')?.priv_name ?? '?').toUpperCase());
  const kind = kindWord(g.objtype);
  const objects = ((g.objects ?? []) as unknown[]).map((o) => objectName(o, String(g.objtype)));
  const target =
    g.targtype === 'ACL_TARGET_ALL_IN_SCHEMA' ? `ALL ${kind}S IN SCHEMA ${objects.join(', ')}` : g.targtype === 'ACL_TARGET_DEFAULTS' ? `${kind}S (default privileges)` : `${kind} ${objects.join(', ')}`;
  return `GRANT ${privs.length ? privs.join(', ') : 'ALL'} ON ${target} TO ${grantees(g).join(', ')}`;
}

function grantOf(stmt: AstNode): Obj | undefined {
  const g = field(stmt, 'GrantStmt') ?? field(field(stmt, 'AlterDefaultPrivilegesStmt')?.action, 'GrantStmt') ?? field(stmt, 'AlterDefaultPrivilegesStmt')?.action;
  return g && g.is_grant ? g : undefined;
}

const TRANSACTION_WORDS: Record<string, string> = {
  TRANS_STMT_BEGIN: 'BEGIN',
  TRANS_STMT_START: 'START TRANSACTION',
  TRANS_STMT_COMMIT: 'COMMIT',
  TRANS_STMT_ROLLBACK: 'ROLLBACK',
  TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
  TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
  TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
};

// ---------------------------------------------------------------------------------------------
// Rules

/** All rules, in the order findings of one statement are reported. */
export const RULES: readonly Rule[] = [
  {
    id: 'require-concurrent-index',
    severity: 'error',
    sizeSensitive: true,
    why: 'CREATE INDEX without CONCURRENTLY holds a SHARE lock on the table for the whole build, blocking every INSERT, UPDATE and DELETE; on a big table that is minutes of downtime.',
    fix: 'Use CREATE INDEX CONCURRENTLY in its own migration marked `-- migrate:up transaction:false` (and DROP INDEX CONCURRENTLY IF EXISTS in its down).',
    check(stmt, ctx) {
      const i = field(stmt, 'IndexStmt');
      if (!i || i.concurrent || isNew(i.relation, ctx)) return [];
      return [{ message: `CREATE INDEX${i.idxname ? ` ${i.idxname}` : ''} on existing table ${relName(i.relation)} without CONCURRENTLY`, table: tableKey(i.relation) }];
    },
  },
  {
    id: 'concurrently-in-transaction',
    severity: 'error',
    why: 'PostgreSQL refuses CREATE/DROP INDEX CONCURRENTLY and REINDEX CONCURRENTLY inside a transaction block, and dbmate runs every section in one transaction unless told otherwise: the migration fails.',
    fix: 'Put the statement in its own migration file whose markers say `-- migrate:up transaction:false` (and `-- migrate:down transaction:false`), and make it idempotent (IF NOT EXISTS / IF EXISTS).',
    check(stmt, ctx) {
      if (!ctx.transaction) return [];
      const [type, n] = unwrap(stmt) ?? ['', {}];
      const concurrent = (type === 'IndexStmt' && n.concurrent) || (type === 'DropStmt' && n.concurrent) || (type === 'ReindexStmt' && isConcurrentReindex(n));
      if (!concurrent) return [];
      const what = type === 'IndexStmt' ? 'CREATE INDEX CONCURRENTLY' : type === 'DropStmt' ? 'DROP INDEX CONCURRENTLY' : 'REINDEX CONCURRENTLY';
      return [{ message: `${what} in a transactional ${ctx.direction} section (add transaction:false to its marker)` }];
    },
  },
  {
    id: 'volatile-default',
    severity: 'error',
    sizeSensitive: true,
    why: 'ADD COLUMN with a volatile default (random(), clock_timestamp(), gen_random_uuid(), nextval(), a serial or identity column) rewrites the whole table under an ACCESS EXCLUSIVE lock. (A constant or stable default such as now() is stored once since PostgreSQL 11 and is fine.)',
    fix: 'Add the column without a default (or with a constant one), then SET DEFAULT for new rows, and backfill existing rows in batches in later migrations.',
    check(stmt, ctx) {
      const a = alterExisting(stmt, ctx);
      if (!a) return [];
      const parts: { text: string; location?: number }[] = [];
      for (const { col, type, constraints: cs } of addedColumns(a.cmds)) {
        for (const c of cs) {
          const fn = c.contype === 'CONSTR_DEFAULT' ? calledFunctions(c.raw_expr).find((f) => VOLATILE.has(f)) : undefined;
          if (fn) parts.push({ text: `${col.colname} (volatile default ${fn}())`, location: c.location ?? col.location });
          else if (c.contype === 'CONSTR_IDENTITY') parts.push({ text: `${col.colname} (an identity column)`, location: c.location ?? col.location });
          else if (c.contype === 'CONSTR_GENERATED' && c.generated_kind !== 'v') parts.push({ text: `${col.colname} (a stored generated column)`, location: c.location ?? col.location });
        }
        if (SERIAL_TYPES.has(type)) parts.push({ text: `${col.colname} (${type}: a nextval() default)`, location: col.location });
      }
      return joined(parts, (list) => `ADD COLUMN ${list} on existing table ${relName(a.rel)} rewrites the table`, a.table);
    },
  },
  {
    id: 'set-not-null',
    severity: 'error',
    sizeSensitive: true,
    why: 'SET NOT NULL scans the whole table to check for NULLs while holding an ACCESS EXCLUSIVE lock, blocking reads and writes.',
    fix: 'First ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT c (which does not block writes); PostgreSQL 12+ then skips the scan for SET NOT NULL, after which the CHECK can be dropped.',
    check(stmt, ctx) {
      const a = alterExisting(stmt, ctx);
      if (!a) return [];
      const cols = a.cmds.filter((cmd) => cmd.subtype === 'AT_SetNotNull' && !hasValidatedNotNull(ctx.state, a.table, String(cmd.name))).map((cmd) => String(cmd.name));
      if (!cols.length) return [];
      const check = cols.length === 1 ? `without a validated CHECK (${cols[0]} IS NOT NULL) first` : 'each without a validated CHECK (column IS NOT NULL) first';
      return [{ message: `ALTER COLUMN ${cols.join(', ')} SET NOT NULL on ${relName(a.rel)} ${check}`, table: a.table }];
    },
  },
  {
    id: 'constraint-not-valid',
    severity: 'error',
    sizeSensitive: true,
    why: 'ADD FOREIGN KEY or CHECK validates every existing row while holding locks that block writes (and, for a foreign key, the referenced table too). Adding it NOT VALID and validating it in the same transaction buys nothing: the lock of the ADD is held until commit, through the scan.',
    fix: 'ADD CONSTRAINT … NOT VALID (instant), then ALTER TABLE … VALIDATE CONSTRAINT … in a later migration; validation on its own takes only a SHARE UPDATE EXCLUSIVE lock.',
    check(stmt, ctx) {
      const a = alterExisting(stmt, ctx);
      if (!a) return [];
      const checked = constraints(stmt).filter(({ c }) => c.contype === 'CONSTR_FOREIGN' || c.contype === 'CONSTR_CHECK');
      const parts = checked
        .filter(({ c }) => !c.skip_validation)
        .map(({ c }) => ({ text: `${c.contype === 'CONSTR_FOREIGN' ? 'FOREIGN KEY' : 'CHECK'}${c.conname ? ` ${c.conname}` : ''}`, location: c.location as number | undefined }));
      // NOT VALID then VALIDATE in one transaction: the ADD's lock is held until commit, through the whole scan.
      if (ctx.transaction) for (const { c } of checked) if (c.skip_validation && c.conname) ctx.state.notValidAdded.add(`${a.table}\0${String(c.conname).toLowerCase()}`);
      const validated = ctx.transaction
        ? a.cmds.filter((cmd) => cmd.subtype === 'AT_ValidateConstraint' && ctx.state.notValidAdded.has(`${a.table}\0${String(cmd.name).toLowerCase()}`))
        : [];
      return [
        ...joined(parts, (list) => `ADD ${list} on ${relName(a.rel)} without NOT VALID`, a.table),
        ...joined(
          validated.map((cmd) => ({ text: String(cmd.name) })),
          (list) => `VALIDATE CONSTRAINT ${list} on ${relName(a.rel)} in the transaction that added it NOT VALID (its lock is held through the scan)`,
          a.table,
        ),
      ];
    },
  },
  {
    id: 'column-type-change',
    severity: 'error',
    sizeSensitive: true,
    why: 'ALTER COLUMN TYPE usually rewrites the table and rebuilds its indexes under an ACCESS EXCLUSIVE lock, and breaks clients that expect the old type.',
    fix: 'Add a new column of the new type, backfill it in batches, switch the application over, then drop the old column. (Widening varchar(n) or varchar→text needs no rewrite; disable the rule for that file.)',
    check(stmt, ctx) {
      const a = alterExisting(stmt, ctx);
      if (!a) return [];
      const parts = a.cmds.filter((cmd) => cmd.subtype === 'AT_AlterColumnType').map((cmd) => ({ text: String(cmd.name), location: field(cmd.def, 'ColumnDef')?.location as number | undefined }));
      return joined(parts, (list) => `ALTER COLUMN ${list} TYPE on ${relName(a.rel)}`, a.table);
    },
  },
  {
    id: 'rename',
    severity: 'error',
    why: 'Renaming a column or table breaks every running application instance that still uses the old name, between the migration and the next deploy.',
    fix: 'Add the new column (or a view/new table), write to both, backfill, move readers over, then drop the old name in a later release.',
    check(stmt, ctx) {
      const r = field(stmt, 'RenameStmt');
      if (!r || isNew(r.relation, ctx)) return [];
      if (r.renameType === 'OBJECT_COLUMN') return [{ message: `RENAME COLUMN ${r.subname} TO ${r.newname} on ${relName(r.relation)}` }];
      if (r.renameType === 'OBJECT_TABLE') return [{ message: `RENAME TABLE ${relName(r.relation)} TO ${r.newname}` }];
      return [];
    },
  },
  {
    id: 'destructive-drop',
    severity: 'warning',
    why: 'Dropping a table or column destroys data that cannot be recovered by rolling back, and breaks code still using it.',
    fix: 'Stop using the object in a release first; drop it in a later migration, after a backup. Disable this rule for that file once this is intended.',
    check(stmt, ctx) {
      if (ctx.direction !== 'up') return [];
      const d = field(stmt, 'DropStmt');
      // An index holds no data (it is rebuilt from the table); how it is dropped is drop-index-not-concurrently's.
      if (d && d.removeType === 'OBJECT_TABLE') {
        const existing = ((d.objects ?? []) as unknown[]).map((o) => objectName(o, String(d.removeType))).filter((name) => !isNewName(name, ctx.state));
        return existing.length ? [{ message: dropText(d, existing) }] : [];
      }
      const a = alterExisting(stmt, ctx);
      if (!a) return [];
      const parts = a.cmds.filter((cmd) => cmd.subtype === 'AT_DropColumn').map((cmd) => ({ text: String(cmd.name) }));
      return joined(parts, (list) => `DROP COLUMN ${list} on ${relName(a.rel)}`);
    },
  },
  {
    id: 'down-drop-if-exists',
    severity: 'info',
    why: 'A down section whose DROP fails because the object is already gone (a partial up, a manual fix) leaves the rollback stuck halfway.',
    fix: 'Use DROP … IF EXISTS (and ALTER TABLE … DROP COLUMN IF EXISTS) in down sections.',
    check(stmt, ctx) {
      if (ctx.direction !== 'down') return [];
      const d = field(stmt, 'DropStmt');
      if (d && !d.missing_ok) return [{ message: `${dropText(d)} without IF EXISTS in the down section` }];
      const a = alterCmds(stmt);
      if (!a) return [];
      const parts = a.cmds.filter((cmd) => cmd.subtype === 'AT_DropColumn' && !cmd.missing_ok).map((cmd) => ({ text: String(cmd.name) }));
      return joined(parts, (list) => `DROP COLUMN ${list} without IF EXISTS in the down section`);
    },
  },
  {
    id: 'unbounded-dml',
    severity: 'error',
    why: 'TRUNCATE, or DELETE/UPDATE without WHERE, touches every row of the table in one transaction: it destroys data, holds row or table locks for the whole run, and bloats the table. (An UPDATE is judged by the table\'s size: on a small lookup table it is only reported.)',
    fix: 'Add a WHERE clause; for backfills, update in batches (WHERE id BETWEEN …) in a transaction:false migration or a separate job.',
    check(stmt, ctx) {
      const [type, n] = unwrap(stmt) ?? ['', {}];
      if (type === 'TruncateStmt') {
        const rels = ((n.relations ?? []) as unknown[]).map((r) => field(r, 'RangeVar')).filter((r) => !isNew(r, ctx));
        return rels.length ? [{ message: `TRUNCATE ${rels.map((r) => relName(r)).join(', ')}` }] : [];
      }
      if (type === 'DeleteStmt' && !n.whereClause && !isNew(n.relation, ctx)) return [{ message: `DELETE FROM ${relName(n.relation)} without WHERE` }];
      // An UPDATE keeps the rows: its cost is locks and bloat, which a small table does not feel.
      if (type === 'UpdateStmt' && !n.whereClause && !isNew(n.relation, ctx)) return [{ message: `UPDATE ${relName(n.relation)} without WHERE`, table: tableKey(n.relation) }];
      return [];
    },
  },
  {
    id: 'unique-constraint-without-index',
    severity: 'error',
    sizeSensitive: true,
    why: 'ADD PRIMARY KEY or UNIQUE on an existing table builds its index while holding an ACCESS EXCLUSIVE lock on the table, blocking reads and writes for the whole build (a new PRIMARY KEY also checks every row for NULLs).',
    fix: 'CREATE UNIQUE INDEX CONCURRENTLY first (in a transaction:false migration), then ADD CONSTRAINT … PRIMARY KEY / UNIQUE USING INDEX that_index.',
    check(stmt, ctx) {
      const a = alterExisting(stmt, ctx);
      if (!a) return [];
      const word = (c: Obj) => (c.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE');
      const parts: { text: string; location?: number }[] = [];
      for (const cmd of a.cmds) {
        const c = cmd.subtype === 'AT_AddConstraint' ? field(cmd.def, 'Constraint') : undefined;
        if (c && (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE') && !c.indexname) parts.push({ text: `${word(c)}${c.conname ? ` ${c.conname}` : ''}`, location: c.location });
        for (const { col, constraints } of addedColumns([cmd])) {
          for (const cc of constraints) if (cc.contype === 'CONSTR_PRIMARY' || cc.contype === 'CONSTR_UNIQUE') parts.push({ text: `COLUMN ${col.colname} ${word(cc)}`, location: cc.location });
        }
      }
      return joined(parts, (list) => `ADD ${list} on existing table ${relName(a.rel)} builds its index under an ACCESS EXCLUSIVE lock (not USING INDEX)`, a.table);
    },
  },
  {
    id: 'vacuum-full-cluster',
    severity: 'error',
    sizeSensitive: true,
    why: 'VACUUM FULL and CLUSTER rewrite the whole table under an ACCESS EXCLUSIVE lock, blocking reads and writes for the duration; VACUUM FULL cannot run in a transaction at all.',
    fix: 'Leave space reclamation to autovacuum, or use an online tool such as pg_repack outside migrations.',
    check(stmt, ctx) {
      const [type, n] = unwrap(stmt) ?? ['', {}];
      if (type === 'ClusterStmt') return n.relation && isNew(n.relation, ctx) ? [] : [{ message: `CLUSTER${n.relation ? ` ${relName(n.relation)}` : ''}`, ...(n.relation ? { table: tableKey(n.relation) } : {}) }];
      if (type !== 'VacuumStmt' || !isVacuumFull(n)) return [];
      const all = ((n.rels ?? []) as unknown[]).map((r) => field(r, 'VacuumRelation')?.relation as Obj | undefined).filter((r): r is Obj => !!r);
      const rels = all.filter((r) => !isNew(r, ctx));
      if (all.length && !rels.length) return [];
      return [{ message: `VACUUM FULL${rels.length ? ` ${rels.map(relName).join(', ')}` : ''}`, ...(rels.length ? { table: tableKey(rels[0]) } : {}) }];
    },
  },
  {
    id: 'non-idempotent-ddl',
    severity: 'warning',
    why: 'A transaction:false section is not atomic: if it fails halfway the statements already run stay applied, and re-running the migration then fails on them.',
    fix: 'Make every statement re-runnable: CREATE … IF NOT EXISTS, ADD COLUMN IF NOT EXISTS, DROP … IF EXISTS (and CREATE INDEX CONCURRENTLY IF NOT EXISTS).',
    check(stmt, ctx) {
      if (ctx.transaction) return [];
      const [type, n] = unwrap(stmt) ?? ['', {}];
      if ((type === 'IndexStmt' || type === 'CreateStmt' || type === 'CreateSeqStmt' || type === 'CreateSchemaStmt' || type === 'CreateExtensionStmt') && !(n.if_not_exists || n.missing_ok)) {
        const what = { IndexStmt: 'CREATE INDEX', CreateStmt: 'CREATE TABLE', CreateSeqStmt: 'CREATE SEQUENCE', CreateSchemaStmt: 'CREATE SCHEMA', CreateExtensionStmt: 'CREATE EXTENSION' }[type];
        return [{ message: `${what} without IF NOT EXISTS in a transaction:false section` }];
      }
      if (type === 'DropStmt' && !n.missing_ok) return [{ message: `${dropText(n)} without IF EXISTS in a transaction:false section` }];
      const a = alterCmds(stmt);
      if (!a) return [];
      const add = a.cmds.filter((cmd) => cmd.subtype === 'AT_AddColumn' && !cmd.missing_ok).map((cmd) => String(field(cmd.def, 'ColumnDef')?.colname ?? '?'));
      const drop = a.cmds.filter((cmd) => cmd.subtype === 'AT_DropColumn' && !cmd.missing_ok).map((cmd) => String(cmd.name));
      const said = [...(add.length ? [`ADD COLUMN ${add.join(', ')} without IF NOT EXISTS`] : []), ...(drop.length ? [`DROP COLUMN ${drop.join(', ')} without IF EXISTS`] : [])];
      return said.length ? [{ message: `${said.join(' and ')} in a transaction:false section` }] : [];
    },
  },
  {
    id: 'add-column-not-null-without-default',
    severity: 'error',
    why: 'ADD COLUMN … NOT NULL without a DEFAULT fails on a table that has any row ("column contains null values"): the migration works on an empty development database and fails in production.',
    fix: 'Add the column with a constant DEFAULT (instant since PostgreSQL 11), or add it nullable, backfill it in batches, then add a NOT VALID CHECK, VALIDATE it and SET NOT NULL.',
    check(stmt, ctx) {
      const a = alterExisting(stmt, ctx);
      if (!a) return [];
      const parts: { text: string; location?: number }[] = [];
      for (const { col, type, constraints: cs } of addedColumns(a.cmds)) {
        const filled = SERIAL_TYPES.has(type) || cs.some((c) => c.contype === 'CONSTR_DEFAULT' || c.contype === 'CONSTR_IDENTITY' || c.contype === 'CONSTR_GENERATED');
        const notNull = cs.find((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY');
        if (notNull && !filled) parts.push({ text: String(col.colname), location: col.location });
      }
      return joined(parts, (list) => `ADD COLUMN ${list} NOT NULL without DEFAULT on existing table ${relName(a.rel)} (fails if the table has rows)`);
    },
  },
  {
    id: 'drop-index-not-concurrently',
    severity: 'warning',
    sizeSensitive: true,
    why: "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the index's table: it waits behind every running query on the table and blocks all reads and writes while it waits. (A down section dropping an index its own up created, or an index on a table the plan created, is not reported.)",
    fix: 'Use DROP INDEX CONCURRENTLY IF EXISTS in its own migration marked `transaction:false`.',
    check(stmt, ctx) {
      const d = field(stmt, 'DropStmt');
      if (!d || d.removeType !== 'OBJECT_INDEX' || d.concurrent) return [];
      const hit: { name: string; table?: string }[] = [];
      for (const name of dropObjects(d)) {
        const known = planIndex(name, ctx.plan);
        if (known && ctx.direction === 'up' && isNewName(known.table, ctx.state)) continue;
        if (known && ctx.direction === 'down' && known.file === ctx.file) continue;
        hit.push({ name, ...(known ? { table: known.table } : {}) });
      }
      if (!hit.length) return [];
      const table = hit.find((h) => h.table)?.table;
      return [{ message: `DROP INDEX ${hit.map((h) => h.name).join(', ')} without CONCURRENTLY locks ${table ? `table ${table}` : 'its table'}`, ...(table ? { table } : {}) }];
    },
  },
  {
    id: 'reindex-not-concurrently',
    severity: 'error',
    sizeSensitive: true,
    why: 'REINDEX without CONCURRENTLY blocks writes to the table (and reads that use the index) for the whole rebuild.',
    fix: 'Use REINDEX … CONCURRENTLY (PostgreSQL 12+) in its own migration marked `transaction:false`; before 12, create a new index concurrently and drop the old one.',
    check(stmt, ctx) {
      const r = field(stmt, 'ReindexStmt');
      if (!r || isConcurrentReindex(r)) return [];
      const kind = String(r.kind ?? '').replace(/^REINDEX_OBJECT_/, '');
      let table: string | undefined;
      if (kind === 'TABLE' && r.relation) {
        if (isNew(r.relation, ctx)) return [];
        table = tableKey(r.relation);
      } else if (kind === 'INDEX' && r.relation) {
        const known = planIndex(tableKey(r.relation), ctx.plan);
        if (known && isNewName(known.table, ctx.state)) return [];
        table = known?.table;
      }
      const what = r.relation ? relName(r.relation) : r.name ? String(r.name) : '';
      return [{ message: `REINDEX ${kind}${what ? ` ${what}` : ''} without CONCURRENTLY`, ...(table ? { table } : {}) }];
    },
  },
  {
    id: 'enum-add-value-in-transaction',
    severity: 'warning',
    why: 'Before PostgreSQL 12, ALTER TYPE … ADD VALUE cannot run inside a transaction block, and dbmate runs each section in one (warning when pg-version is below 12 or not given). On every version, a value added in a transaction cannot be used before that transaction commits ("unsafe use of new value"): using it later in the same section is an error.',
    fix: 'Put ALTER TYPE … ADD VALUE in its own migration (marked `transaction:false` before PostgreSQL 12), and use the new value only in a later migration.',
    check(stmt, ctx) {
      if (!ctx.transaction) return [];
      const e = field(stmt, 'AlterEnumStmt');
      if (e) {
        if (e.oldVal || (ctx.pgVersion !== undefined && ctx.pgVersion >= 12)) return [];
        const version = ctx.pgVersion === undefined ? 'no pg-version given' : `pg-version ${ctx.pgVersion}`;
        return [{ message: `ALTER TYPE ${names(e.typeName).join('.')} ADD VALUE '${e.newVal}' in a transactional ${ctx.direction} section (PostgreSQL before 12 refuses it; ${version})` }];
      }
      const hits: RuleHit[] = [];
      for (const s of stringConstants(stmt)) {
        const type = ctx.state.enumValues.get(s.value);
        if (type === undefined || ctx.state.enumUsesReported.has(s.value)) continue;
        ctx.state.enumUsesReported.add(s.value);
        hits.push({ message: `'${s.value}', added to ${type} earlier in this transaction, is used before the transaction commits (PostgreSQL refuses it)`, location: s.location, severity: 'error' });
      }
      return hits;
    },
  },
  {
    id: 'transaction-control-in-migration',
    severity: 'error',
    why: 'The runner wraps a transactional section in its own transaction: a COMMIT inside it ends that transaction early (the rest runs outside it, and the ledger row no longer commits with the change), a BEGIN only warns and a ROLLBACK undoes the migration while the run carries on.',
    fix: 'Remove BEGIN/COMMIT/ROLLBACK from the section; if the statements must run in transactions of their own, mark the section `transaction:false` and manage them there.',
    check(stmt, ctx) {
      const t = field(stmt, 'TransactionStmt');
      const word = t ? TRANSACTION_WORDS[String(t.kind)] : undefined;
      if (!ctx.transaction || !word) return [];
      return [{ message: `${word} in a transactional ${ctx.direction} section (the runner already wraps it in a transaction)` }];
    },
  },
  {
    id: 'set-logged-unlogged',
    severity: 'error',
    sizeSensitive: true,
    why: 'ALTER TABLE … SET LOGGED or SET UNLOGGED rewrites the whole table (and its indexes) under an ACCESS EXCLUSIVE lock, blocking reads and writes for the duration.',
    fix: 'Avoid it on a live table: create a new table with the wanted persistence, copy the rows in batches, and swap the tables in a short migration.',
    check(stmt, ctx) {
      const a = alterExisting(stmt, ctx);
      if (!a) return [];
      const parts = a.cmds.filter((cmd) => cmd.subtype === 'AT_SetLogged' || cmd.subtype === 'AT_SetUnLogged').map((cmd) => ({ text: cmd.subtype === 'AT_SetLogged' ? 'SET LOGGED' : 'SET UNLOGGED' }));
      return joined(parts, (list) => `${list} on existing table ${relName(a.rel)} rewrites the table`, a.table);
    },
  },
  {
    id: 'exclusion-constraint',
    severity: 'error',
    sizeSensitive: true,
    why: 'ADD CONSTRAINT … EXCLUDE builds its index and checks every row while holding an ACCESS EXCLUSIVE lock on the table; unlike UNIQUE it cannot be added USING an index built concurrently.',
    fix: 'Add the exclusion constraint when the table is created, or in a maintenance window; for a large table consider enforcing the rule in the application or with a trigger first.',
    check(stmt, ctx) {
      const a = alterExisting(stmt, ctx);
      if (!a) return [];
      const parts = constraints(stmt)
        .filter(({ c }) => c.contype === 'CONSTR_EXCLUSION')
        .map(({ c }) => ({ text: `${c.conname ? `CONSTRAINT ${c.conname} ` : ''}EXCLUDE`, location: c.location as number | undefined }));
      return joined(parts, (list) => `ADD ${list} on existing table ${relName(a.rel)} builds its index under an ACCESS EXCLUSIVE lock`, a.table);
    },
  },
  {
    id: 'foreign-key-without-index',
    severity: 'warning',
    why: 'PostgreSQL does not index the referencing columns of a foreign key: every DELETE or key UPDATE on the referenced table then scans the referencing table (under a lock), and joins on the key scan too. Reported when no index, PRIMARY KEY or UNIQUE created in the same plan starts with those columns; on an existing table, which may already have one, only as info.',
    fix: 'Create an index on the referencing columns (CREATE INDEX CONCURRENTLY … in a transaction:false migration for an existing table, or in the CREATE TABLE migration for a new one).',
    check(stmt, ctx) {
      if (ctx.direction !== 'up') return [];
      const state = ctx.state;
      return foreignKeys(stmt)
        .filter((fk) => fk.cols.length > 0)
        .map((fk) => {
          const existing = !fk.creates && !isNew(fk.rel, ctx);
          const table = tableKey(fk.rel);
          const what = `FOREIGN KEY${fk.name ? ` ${fk.name}` : ''} (${fk.cols.join(', ')}) on ${existing ? 'existing' : 'new'} table ${relName(fk.rel)}`;
          return {
            message: existing ? `${what}: no index on (${fk.cols.join(', ')}) is created in this plan (check that one exists)` : `${what} has no index on (${fk.cols.join(', ')})`,
            location: fk.location,
            ...(existing ? { severity: 'info' as Severity } : {}),
            unless: () => indexCovers(state, table, fk.cols),
          };
        });
    },
  },
  {
    id: 'secret-in-migration',
    severity: 'error',
    why: 'A migration file is committed, reviewed, copied into images and logs: a password or key in it is leaked to everyone who can read the repository, for good.',
    fix: 'Create the role without a password (or PASSWORD NULL) and set it out of band (psql \\password, a secrets manager); read keys from configuration, never from a migration. Rotate any secret that was committed.',
    check(stmt) {
      const found: { value: string; location?: number; password?: string }[] = [];
      allStrings(stmt, undefined, found);
      const [type, n] = unwrap(stmt) ?? ['', {}];
      const role = type === 'CreateRoleStmt' ? String(n.role) : type === 'AlterRoleStmt' ? String(n.role?.rolename ?? '?') : undefined;
      const parts: { text: string; location?: number }[] = [];
      for (const s of found) {
        if (s.password) {
          parts.push({ text: role ? `a PASSWORD literal for role ${role}` : 'a password option with a literal value', location: s.location });
          continue;
        }
        const kind = SECRET_PATTERNS.find(([re]) => re.test(s.value))?.[1];
        if (kind) parts.push({ text: `a string that looks like ${kind}`, location: s.location });
      }
      const unique = parts.filter((p, i) => parts.findIndex((q) => q.text === p.text) === i);
      return joined(unique, (list) => `${list} in the migration (value not shown)`);
    },
  },
  {
    id: 'grant-to-public',
    severity: 'warning',
    why: 'PUBLIC is every role of the cluster, present and future: a GRANT to PUBLIC gives access to roles nobody reviewed.',
    fix: 'Grant to a named role (an application or read-only group role) instead of PUBLIC.',
    check(stmt) {
      const g = grantOf(stmt);
      return g && grantees(g).includes('PUBLIC') ? [{ message: grantText(g) }] : [];
    },
  },
  {
    id: 'grant-all',
    severity: 'warning',
    why: 'GRANT ALL gives every privilege, including TRUNCATE, REFERENCES and TRIGGER on tables (CREATE on schemas), more than an application role needs.',
    fix: 'Grant only the privileges the role needs (e.g. SELECT, INSERT, UPDATE, DELETE).',
    check(stmt) {
      const g = grantOf(stmt);
      return g && !((g.privileges ?? []) as unknown[]).length ? [{ message: grantText(g) }] : [];
    },
  },
  {
    id: 'lock-timeout',
    severity: 'warning',
    why: 'A statement that needs an ACCESS EXCLUSIVE lock queues behind any long-running query on the table, and every other query queues behind it: without lock_timeout one slow report can take the table offline. db-migrate already sets lock_timeout for each migration (short attempts of 50 ms growing to --lock-timeout, 400ms by default, with retries), so this is reported only when another tool (dbmate, psql) runs the SQL (lint-runner: other).',
    fix: "Start the up section with SET lock_timeout = '5s'; (SET LOCAL inside a transaction) so the statement fails fast instead of blocking traffic, and retry.",
    check(stmt, ctx) {
      if (ctx.runner !== 'other' || ctx.direction !== 'up' || ctx.state.lockTimeoutSet || ctx.state.lockTimeoutReported) return [];
      const target = accessExclusiveTarget(stmt, ctx);
      if (!target) return [];
      ctx.state.lockTimeoutReported = true;
      return [{ message: `${target} takes an ACCESS EXCLUSIVE lock and no SET lock_timeout precedes it in this section` }];
    },
  },
];

function isConcurrentReindex(r: Obj): boolean {
  return ((r.params ?? []) as Obj[]).some((p) => field(p, 'DefElem')?.defname === 'concurrently');
}

function hasValidatedNotNull(state: PlanState, table: string, column: string): boolean {
  return keysOf(table).some((k) => state.validatedNotNull.has(`${k}\0${column}`));
}

/** Ids of all rules, plus the file-level ones reported by the lint driver. */
export const RULE_IDS: readonly string[] = [...RULES.map((r) => r.id), 'missing-down', 'parse-error'];

/** File-level rule: the down section has no statements. */
export const MISSING_DOWN = {
  id: 'missing-down',
  severity: 'warning' as Severity,
  why: 'Without a down section the migration cannot be rolled back: `rollback` (and the action\'s automatic rollback) would only delete the ledger row and leave the schema changed.',
  fix: 'Write the SQL that undoes the up section below `-- migrate:down` (DROP … IF EXISTS for what up creates). If it really cannot be undone, say so in a comment and disable this rule for the file.',
};

/** File-level rule: the file is not a valid dbmate migration or a section is not valid SQL. */
export const PARSE_ERROR = {
  id: 'parse-error',
  severity: 'error' as Severity,
  why: 'The migration fails before it changes anything: dbmate and db-migrate-action reject the file, or PostgreSQL rejects the SQL.',
  fix: 'Fix the syntax at the reported position (see the message); check the `-- migrate:up` / `-- migrate:down` markers.',
};

function addName(set: Set<string>, name: string): void {
  for (const k of keysOf(name)) set.add(k);
}

/** Record an index (or PRIMARY KEY / UNIQUE) the plan creates on `table`. */
function addIndex(state: SectionState, table: string, cols: string[], name: string | undefined, file: string): void {
  if (cols.length) {
    for (const k of keysOf(table)) {
      const list = state.indexColumns.get(k) ?? [];
      list.push(cols);
      state.indexColumns.set(k, list);
    }
  }
  if (name) {
    const schema = table.includes('.') ? `${table.slice(0, table.lastIndexOf('.'))}.` : '';
    for (const k of keysOf(`${schema}${name}`)) state.indexes.set(k, { table, file });
  }
}

/** Leading plain columns of an index (stops at the first expression). */
function indexColumnsOf(params: unknown): string[] {
  const out: string[] = [];
  for (const p of (params ?? []) as unknown[]) {
    const e = field(p, 'IndexElem');
    if (!e?.name) break;
    out.push(String(e.name));
  }
  return out;
}


/** Record what a statement did that later statements depend on. Call after checking it. */
export function trackStatement(stmt: AstNode, state: SectionState, file = ''): void {
  const [type, n] = unwrap(stmt) ?? ['', {}];
  if (type === 'CreateStmt' || type === 'CreateTableAsStmt' || (type === 'SelectStmt' && n.intoClause)) {
    const rel = type === 'CreateStmt' ? n.relation : type === 'SelectStmt' ? n.intoClause?.rel : (field(n.into, 'IntoClause')?.rel ?? n.into?.rel);
    if (!rel || (type === 'CreateTableAsStmt' && n.objtype && n.objtype !== 'OBJECT_TABLE' && n.objtype !== 'OBJECT_MATVIEW')) return;
    const table = tableKey(rel);
    addName(state.createdTables, table);
    if (type !== 'CreateStmt') return;
    for (const e of (n.tableElts ?? []) as unknown[]) {
      const col = field(e, 'ColumnDef');
      for (const c of col ? columnConstraints(col) : [])
        if (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE') addIndex(state, table, [String(col!.colname)], c.conname, file);
      const c = field(e, 'Constraint');
      if (c && (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE' || c.contype === 'CONSTR_EXCLUSION'))
        addIndex(state, table, c.contype === 'CONSTR_EXCLUSION' ? [] : names(c.keys), c.conname, file);
    }
  } else if (type === 'IndexStmt') {
    addIndex(state, tableKey(n.relation), indexColumnsOf(n.indexParams), n.idxname, file);
  } else if (type === 'VariableSetStmt' && n.name === 'lock_timeout') {
    state.lockTimeoutSet = true;
  } else if (type === 'AlterEnumStmt' && !n.oldVal && n.newVal !== undefined) {
    state.enumValues.set(String(n.newVal), names(n.typeName).join('.'));
  } else if (type === 'RenameStmt' && n.relation) {
    const from = tableKey(n.relation);
    const schema = n.relation.schemaname ? `${String(n.relation.schemaname).toLowerCase()}.` : '';
    const to = `${schema}${String(n.newname).toLowerCase()}`;
    if (n.renameType === 'OBJECT_TABLE' && isNewName(from, state)) {
      addName(state.createdTables, to);
      const cols = getName(state.indexColumns, from);
      if (cols) for (const k of keysOf(to)) state.indexColumns.set(k, cols);
      for (const [k, idx] of state.indexes) if (keysOf(from).includes(idx.table)) state.indexes.set(k, { ...idx, table: to });
    } else if (n.renameType === 'OBJECT_INDEX') {
      const idx = getName(state.indexes, from);
      if (idx) for (const k of keysOf(to)) state.indexes.set(k, idx);
    }
  } else if (type === 'AlterTableStmt') {
    const table = tableKey(n.relation);
    for (const c of (n.cmds ?? []) as unknown[]) {
      const cmd = field(c, 'AlterTableCmd');
      if (!cmd) continue;
      if (cmd.subtype === 'AT_AddConstraint') {
        const con = field(cmd.def, 'Constraint') ?? {};
        if (con.contype === 'CONSTR_PRIMARY' || con.contype === 'CONSTR_UNIQUE') {
          // USING INDEX: the index's columns were recorded when it was created; it now goes by the constraint's name.
          addIndex(state, table, con.indexname ? [] : names(con.keys), con.conname, file);
          continue;
        }
        const col = con.contype === 'CONSTR_CHECK' ? notNullCheckColumn(con) : undefined;
        if (!col) continue;
        for (const k of keysOf(table)) {
          if (con.skip_validation) state.notNullChecks.set(`${k}\0${con.conname}`, col);
          else state.validatedNotNull.add(`${k}\0${col}`);
        }
      } else if (cmd.subtype === 'AT_ValidateConstraint') {
        for (const k of keysOf(table)) {
          const col = state.notNullChecks.get(`${k}\0${cmd.name}`);
          if (col) state.validatedNotNull.add(`${k}\0${col}`);
        }
      } else if (cmd.subtype === 'AT_AddColumn') {
        const col = field(cmd.def, 'ColumnDef');
        for (const cc of col ? columnConstraints(col) : []) if (cc.contype === 'CONSTR_PRIMARY' || cc.contype === 'CONSTR_UNIQUE') addIndex(state, table, [String(col!.colname)], cc.conname, file);
      }
    }
  }
}
