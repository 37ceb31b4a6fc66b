/**
 * PostgreSQL migration lint rules, checked on the libpg-query AST of one statement at a time.
 * Pure: no I/O, no `@actions/*`. Each rule says why the statement is dangerous and what to write
 * instead; {@link trackStatement} keeps the per-section facts later rules depend on (tables created
 * earlier in the section, validated CHECK constraints, `SET lock_timeout`).
 */

/**
 * How bad a finding is: `error` fails `db-migrate lint` (and the action's gate at the default
 * `lint-fail-on`), `warning` fails only `lint-fail-on: warning`, `info` is reported only.
 */
export type Severity = 'error' | 'warning' | 'info';

/** A libpg-query AST node: `{ NodeType: { ...fields } }`. */
export type AstNode = Record<string, unknown>;

/** Facts about the statements already seen in one section (up or down) of one file. */
export interface SectionState {
  /** Tables (lowercase `schema.name` or `name`) created earlier in this section: new and empty, so safe to change. */
  createdTables: Set<string>;
  /** `table\0column` pairs with a validated `CHECK (column IS NOT NULL)` seen earlier. */
  validatedNotNull: Set<string>;
  /** `table\0constraint` → column of a `CHECK (column IS NOT NULL) NOT VALID` not yet validated. */
  notNullChecks: Map<string, string>;
  /** True once `SET [LOCAL] lock_timeout` was seen. */
  lockTimeoutSet: boolean;
  /** True once the `lock-timeout` rule fired in this section (it fires once per section). */
  lockTimeoutReported: boolean;
}

/** Where a statement runs, given to every checker. */
export interface RuleContext {
  /** False for a `transaction:false` section. */
  transaction: boolean;
  /** Which section the statement is in. */
  direction: 'up' | 'down';
  /** Display path of the file. */
  file: string;
  /** What earlier statements of the section did. */
  state: SectionState;
}

/** One problem found by a checker. */
export interface RuleHit {
  /** What is wrong with this statement, naming the object. */
  message: string;
  /** Byte offset in the section text of the offending clause; default: the statement's start. */
  location?: number;
}

/** A lint rule. */
export interface Rule {
  /** Stable id, used in output and in `-- db-migrate:disable <id>`. */
  id: string;
  /** `error` or `warning`. */
  severity: Severity;
  /** Why the statement is dangerous on a live database. */
  why: string;
  /** The safe alternative. */
  fix: string;
  /** Findings for one statement (the parsed `stmt` node). */
  check(stmt: AstNode, ctx: RuleContext): RuleHit[];
}

/** A fresh {@link SectionState}. */
export function newSectionState(): SectionState {
  return { createdTables: new Set(), validatedNotNull: new Set(), notNullChecks: new Map(), lockTimeoutSet: false, lockTimeoutReported: false };
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

/** Lowercase `schema.name` (or `name`) of a RangeVar. */
function relName(rv: Obj | undefined): string {
  if (!rv) return '?';
  return rv.schemaname ? `${rv.schemaname}.${rv.relname}` : String(rv.relname);
}

/** Whether `rel` was created earlier in the section (matching with or without schema). */
function isNew(rv: Obj | undefined, ctx: RuleContext): boolean {
  if (!rv) return false;
  return ctx.state.createdTables.has(relName(rv).toLowerCase()) || ctx.state.createdTables.has(String(rv.relname).toLowerCase());
}

function alterCmds(stmt: AstNode): { rel: Obj; cmds: Obj[]; objtype: string } | undefined {
  const a = field(stmt, 'AlterTableStmt');
  if (!a) return undefined;
  return { rel: a.relation as Obj, cmds: ((a.cmds ?? []) as unknown[]).map((c) => field(c, 'AlterTableCmd')).filter((c): c is Obj => !!c), objtype: a.objtype };
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

/** Volatile functions whose default forces a table rewrite under ACCESS EXCLUSIVE. */
const VOLATILE = new Set(['random', 'clock_timestamp', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v4', 'nextval', 'timeofday', 'txid_current']);
const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

const DROP_KINDS: Record<string, string> = { OBJECT_TABLE: 'table', OBJECT_INDEX: 'index', OBJECT_VIEW: 'view', OBJECT_MATVIEW: 'materialized view', OBJECT_SEQUENCE: 'sequence', OBJECT_SCHEMA: 'schema', OBJECT_TYPE: 'type' };

function dropNames(d: Obj): string {
  return ((d.objects ?? []) as Obj[])
    .map((o) => {
      const items = (field(o, 'List')?.items ?? []) as Obj[];
      if (items.length) return items.map((i) => i.String?.sval).join('.');
      return String(field(o, 'String')?.sval ?? field(o, 'TypeName')?.names?.map((n: Obj) => n.String?.sval).join('.') ?? '?');
    })
    .join(', ');
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
      return `DROP ${DROP_KINDS[n.removeType]!.toUpperCase()} ${dropNames(n)}`;
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
    return d?.defname === 'full' && field(d.arg, 'Boolean')?.boolval !== false && field(d.arg, 'String')?.sval !== 'false';
  });
}

// ---------------------------------------------------------------------------------------------
// Rules

/** All rules, in the order findings of one statement are reported. */
export const RULES: readonly Rule[] = [
  {
    id: 'require-concurrent-index',
    severity: 'error',
    why: 'CREATE INDEX without CONCURRENTLY holds a SHARE lock on the table for the whole build, blocking every INSERT, UPDATE and DELETE; on a big table that is minutes of downtime.',
    fix: 'Use CREATE INDEX CONCURRENTLY in its own migration marked `-- migrate:up transaction:false` (and DROP INDEX CONCURRENTLY IF EXISTS in its down).',
    check(stmt, ctx) {
      const i = field(stmt, 'IndexStmt');
      if (!i || i.concurrent || isNew(i.relation, ctx)) return [];
      return [{ message: `CREATE INDEX${i.idxname ? ` ${i.idxname}` : ''} on existing table ${relName(i.relation)} without CONCURRENTLY` }];
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
      const concurrent =
        (type === 'IndexStmt' && n.concurrent) ||
        (type === 'DropStmt' && n.concurrent) ||
        (type === 'ReindexStmt' && ((n.params ?? []) as Obj[]).some((p) => field(p, 'DefElem')?.defname === 'concurrently'));
      if (!concurrent) return [];
      const what = type === 'IndexStmt' ? 'CREATE INDEX CONCURRENTLY' : type === 'DropStmt' ? 'DROP INDEX CONCURRENTLY' : 'REINDEX CONCURRENTLY';
      return [{ message: `${what} in a transactional ${ctx.direction} section (add transaction:false to its marker)` }];
    },
  },
  {
    id: 'volatile-default',
    severity: 'error',
    why: 'ADD COLUMN with a volatile default (random(), clock_timestamp(), gen_random_uuid(), nextval(), a serial or identity column) rewrites the whole table under an ACCESS EXCLUSIVE lock. (A constant or stable default such as now() is stored once since PostgreSQL 11 and is fine.)',
    fix: 'Add the column without a default (or with a constant one), then SET DEFAULT for new rows, and backfill existing rows in batches in later migrations.',
    check(stmt, ctx) {
      const a = alterCmds(stmt);
      if (!a || isNew(a.rel, ctx)) return [];
      const hits: RuleHit[] = [];
      for (const cmd of a.cmds) {
        if (cmd.subtype !== 'AT_AddColumn') continue;
        const col = field(cmd.def, 'ColumnDef');
        if (!col) continue;
        const typeName = String(((col.typeName?.names ?? []) as Obj[]).slice(-1)[0]?.String?.sval ?? '').toLowerCase();
        for (const cn of (col.constraints ?? []) as Obj[]) {
          const c = field(cn, 'Constraint') ?? {};
          const fn = c.contype === 'CONSTR_DEFAULT' ? calledFunctions(c.raw_expr).find((f) => VOLATILE.has(f)) : undefined;
          if (fn) hits.push({ message: `ADD COLUMN ${col.colname} on ${relName(a.rel)} with volatile default ${fn}()`, location: c.location ?? col.location });
          else if (c.contype === 'CONSTR_IDENTITY' || (c.contype === 'CONSTR_GENERATED' && c.generated_kind !== 'v'))
            hits.push({ message: `ADD COLUMN ${col.colname} on ${relName(a.rel)} as ${c.contype === 'CONSTR_IDENTITY' ? 'an identity' : 'a stored generated'} column`, location: c.location ?? col.location });
        }
        if (SERIAL_TYPES.has(typeName)) hits.push({ message: `ADD COLUMN ${col.colname} ${typeName} on ${relName(a.rel)} (a nextval() default)`, location: col.location });
      }
      return hits;
    },
  },
  {
    id: 'set-not-null',
    severity: 'error',
    why: 'SET NOT NULL scans the whole table to check for NULLs while holding an ACCESS EXCLUSIVE lock, blocking reads and writes.',
    fix: 'First ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT c (which does not block writes); PostgreSQL 12+ then skips the scan for SET NOT NULL, after which the CHECK can be dropped.',
    check(stmt, ctx) {
      const a = alterCmds(stmt);
      if (!a || isNew(a.rel, ctx)) return [];
      const table = relName(a.rel).toLowerCase();
      return a.cmds
        .filter((cmd) => cmd.subtype === 'AT_SetNotNull' && !ctx.state.validatedNotNull.has(`${table}\0${String(cmd.name)}`))
        .map((cmd) => ({ message: `ALTER COLUMN ${cmd.name} SET NOT NULL on ${relName(a.rel)} without a validated CHECK (${cmd.name} IS NOT NULL) first` }));
    },
  },
  {
    id: 'constraint-not-valid',
    severity: 'error',
    why: 'ADD FOREIGN KEY or CHECK validates every existing row while holding locks that block writes (and, for a foreign key, the referenced table too).',
    fix: 'ADD CONSTRAINT … NOT VALID (instant), then ALTER TABLE … VALIDATE CONSTRAINT … in a later statement or migration; validation takes only a SHARE UPDATE EXCLUSIVE lock.',
    check(stmt, ctx) {
      return constraints(stmt)
        .filter(({ rel, c }) => (c.contype === 'CONSTR_FOREIGN' || c.contype === 'CONSTR_CHECK') && !c.skip_validation && !isNew(rel, ctx))
        .map(({ rel, c }) => ({
          message: `ADD ${c.contype === 'CONSTR_FOREIGN' ? 'FOREIGN KEY' : 'CHECK'}${c.conname ? ` ${c.conname}` : ''} on ${relName(rel)} without NOT VALID`,
          location: c.location,
        }));
    },
  },
  {
    id: 'column-type-change',
    severity: 'error',
    why: 'ALTER COLUMN TYPE usually rewrites the table and rebuilds its indexes under an ACCESS EXCLUSIVE lock, and breaks clients that expect the old type.',
    fix: 'Add a new column of the new type, backfill it in batches, switch the application over, then drop the old column. (Widening varchar(n) or varchar→text needs no rewrite; disable the rule for that file.)',
    check(stmt, ctx) {
      const a = alterCmds(stmt);
      if (!a || isNew(a.rel, ctx)) return [];
      return a.cmds.filter((cmd) => cmd.subtype === 'AT_AlterColumnType').map((cmd) => ({ message: `ALTER COLUMN ${cmd.name} TYPE on ${relName(a.rel)}`, location: field(cmd.def, 'ColumnDef')?.location }));
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
    why: 'Dropping a table, column or index destroys data (or query plans) that cannot be recovered by rolling back, and breaks code still using it.',
    fix: 'Stop using the object in a release first; drop it in a later migration, after a backup. Disable this rule for that file once this is intended.',
    check(stmt, ctx) {
      if (ctx.direction !== 'up') return [];
      const d = field(stmt, 'DropStmt');
      if (d && (d.removeType === 'OBJECT_TABLE' || d.removeType === 'OBJECT_INDEX')) return [{ message: `DROP ${DROP_KINDS[d.removeType]!.toUpperCase()} ${dropNames(d)}` }];
      const a = alterCmds(stmt);
      if (!a || isNew(a.rel, ctx)) return [];
      return a.cmds.filter((cmd) => cmd.subtype === 'AT_DropColumn').map((cmd) => ({ message: `DROP COLUMN ${cmd.name} on ${relName(a.rel)}` }));
    },
  },
  {
    id: 'down-drop-if-exists',
    severity: 'warning',
    why: 'A down section whose DROP fails because the object is already gone (a partial up, a manual fix) leaves the rollback stuck halfway.',
    fix: 'Use DROP … IF EXISTS (and ALTER TABLE … DROP COLUMN IF EXISTS) in down sections.',
    check(stmt, ctx) {
      if (ctx.direction !== 'down') return [];
      const d = field(stmt, 'DropStmt');
      if (d && !d.missing_ok) return [{ message: `DROP ${(DROP_KINDS[d.removeType] ?? 'object').toUpperCase()} ${dropNames(d)} without IF EXISTS in the down section` }];
      const a = alterCmds(stmt);
      if (!a) return [];
      return a.cmds.filter((cmd) => cmd.subtype === 'AT_DropColumn' && !cmd.missing_ok).map((cmd) => ({ message: `DROP COLUMN ${cmd.name} without IF EXISTS in the down section` }));
    },
  },
  {
    id: 'unbounded-dml',
    severity: 'error',
    why: 'TRUNCATE, or DELETE/UPDATE without WHERE, touches every row of the table in one transaction: it destroys data, holds row or table locks for the whole run, and bloats the table.',
    fix: 'Add a WHERE clause; for backfills, update in batches (WHERE id BETWEEN …) in a transaction:false migration or a separate job.',
    check(stmt, ctx) {
      const [type, n] = unwrap(stmt) ?? ['', {}];
      if (type === 'TruncateStmt') {
        const rels = ((n.relations ?? []) as unknown[]).map((r) => field(r, 'RangeVar')).filter((r) => !isNew(r, ctx));
        return rels.length ? [{ message: `TRUNCATE ${rels.map((r) => relName(r)).join(', ')}` }] : [];
      }
      if ((type === 'DeleteStmt' || type === 'UpdateStmt') && !n.whereClause && !isNew(n.relation, ctx))
        return [{ message: `${type === 'DeleteStmt' ? 'DELETE FROM' : 'UPDATE'} ${relName(n.relation)} without WHERE` }];
      return [];
    },
  },
  {
    id: 'unique-constraint-without-index',
    severity: 'error',
    why: 'ADD PRIMARY KEY or UNIQUE builds its index while holding an ACCESS EXCLUSIVE lock on the table, blocking reads and writes for the whole build.',
    fix: 'CREATE UNIQUE INDEX CONCURRENTLY first (in a transaction:false migration), then ADD CONSTRAINT … PRIMARY KEY / UNIQUE USING INDEX that_index.',
    check(stmt, ctx) {
      return constraints(stmt)
        .filter(({ rel, c }) => (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE') && !c.indexname && !isNew(rel, ctx))
        .map(({ rel, c }) => ({ message: `ADD ${c.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE'}${c.conname ? ` ${c.conname}` : ''} on ${relName(rel)} not USING INDEX`, location: c.location }));
    },
  },
  {
    id: 'vacuum-full-cluster',
    severity: 'error',
    why: 'VACUUM FULL and CLUSTER rewrite the whole table under an ACCESS EXCLUSIVE lock, blocking reads and writes for the duration; VACUUM FULL cannot run in a transaction at all.',
    fix: 'Leave space reclamation to autovacuum, or use an online tool such as pg_repack outside migrations.',
    check(stmt) {
      const [type, n] = unwrap(stmt) ?? ['', {}];
      if (type === 'ClusterStmt') return [{ message: `CLUSTER${n.relation ? ` ${relName(n.relation)}` : ''}` }];
      if (type === 'VacuumStmt' && isVacuumFull(n)) return [{ message: 'VACUUM FULL' }];
      return [];
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
      if (type === 'DropStmt' && !n.missing_ok) return [{ message: `DROP ${(DROP_KINDS[n.removeType] ?? 'object').toUpperCase()} ${dropNames(n)} without IF EXISTS in a transaction:false section` }];
      const a = alterCmds(stmt);
      if (!a) return [];
      return a.cmds
        .filter((cmd) => (cmd.subtype === 'AT_AddColumn' || cmd.subtype === 'AT_DropColumn') && !cmd.missing_ok)
        .map((cmd) => ({ message: `${cmd.subtype === 'AT_AddColumn' ? 'ADD COLUMN' : 'DROP COLUMN'} without IF ${cmd.subtype === 'AT_AddColumn' ? 'NOT ' : ''}EXISTS in a transaction:false section` }));
    },
  },
  {
    id: 'lock-timeout',
    severity: 'warning',
    why: 'A statement that needs an ACCESS EXCLUSIVE lock queues behind any long-running query on the table, and every other query queues behind it: without lock_timeout one slow report can take the table offline. db-migrate already sets lock_timeout for each migration (short attempts of 50 ms growing to --lock-timeout, 400ms by default, with retries), so this matters only when the SQL is run by another tool (dbmate, psql).',
    fix: "Start the up section with SET lock_timeout = '5s'; (SET LOCAL inside a transaction) so the statement fails fast instead of blocking traffic, and retry.",
    check(stmt, ctx) {
      if (ctx.direction !== 'up' || ctx.state.lockTimeoutSet || ctx.state.lockTimeoutReported) return [];
      const target = accessExclusiveTarget(stmt, ctx);
      if (!target) return [];
      ctx.state.lockTimeoutReported = true;
      return [{ message: `${target} takes an ACCESS EXCLUSIVE lock and no SET lock_timeout precedes it in this section (db-migrate's runner sets one per migration)` }];
    },
  },
];

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
  why: 'The migration fails before it changes anything: dbmate and db-migrate reject the file, or PostgreSQL rejects the SQL.',
  fix: 'Fix the syntax at the reported position (see the message); check the `-- migrate:up` / `-- migrate:down` markers.',
};

/** Record what a statement did that later rules depend on. Call after checking it. */
export function trackStatement(stmt: AstNode, state: SectionState): void {
  const [type, n] = unwrap(stmt) ?? ['', {}];
  if (type === 'CreateStmt' || type === 'CreateTableAsStmt') {
    const rel = type === 'CreateStmt' ? n.relation : field(n.into, 'IntoClause')?.rel ?? n.into?.rel;
    if (rel) {
      state.createdTables.add(relName(rel).toLowerCase());
      state.createdTables.add(String(rel.relname).toLowerCase());
    }
  } else if (type === 'VariableSetStmt' && n.name === 'lock_timeout') {
    state.lockTimeoutSet = true;
  } else if (type === 'AlterTableStmt') {
    const table = relName(n.relation).toLowerCase();
    for (const c of (n.cmds ?? []) as unknown[]) {
      const cmd = field(c, 'AlterTableCmd');
      if (!cmd) continue;
      if (cmd.subtype === 'AT_AddConstraint') {
        const con = field(cmd.def, 'Constraint') ?? {};
        const col = con.contype === 'CONSTR_CHECK' ? notNullCheckColumn(con) : undefined;
        if (!col) continue;
        if (con.skip_validation) state.notNullChecks.set(`${table}\0${con.conname}`, col);
        else state.validatedNotNull.add(`${table}\0${col}`);
      } else if (cmd.subtype === 'AT_ValidateConstraint') {
        const col = state.notNullChecks.get(`${table}\0${cmd.name}`);
        if (col) state.validatedNotNull.add(`${table}\0${col}`);
      }
    }
  }
}
