/**
 * What must hold after every fault (issue 13: a run never lies, never hangs, never half-runs),
 * read straight from the catalogs on a connection of the checker's own: the ledger, the audit
 * trail, advisory locks, the backends a run left behind, and whether the ledger agrees with the
 * tables the migrations create.
 */
import { query, waitFor } from './pg.js';

/** A history row as the fault checks read it. */
export interface HistoryRow {
  version: string;
  direction: 'up' | 'down';
  outcome: 'applied' | 'failed' | 'rolled-back' | 'verified';
  invocation_id: string | null;
  error: string | null;
}

/** A granted advisory lock in pg_locks. */
export interface LockHolder {
  pid: number;
  application_name: string | null;
  /** The 64-bit key as PostgreSQL stores it: two 32-bit halves (objsubid 1), or a pair of int4 keys (objsubid 2). */
  classid: number;
  objid: number;
  objsubid: number;
}

/** A backend from pg_stat_activity. */
export interface Backend {
  pid: number;
  application_name: string;
  state: string | null;
  query: string;
  backend_start: Date;
}

async function relationExists(url: string, table: string): Promise<boolean> {
  const [r] = await query<{ ok: boolean }>(url, 'select to_regclass($1) is not null as ok', [table]);
  return r.ok;
}

/** Versions in dbmate's ledger, sorted; [] when the table does not exist (nothing applied). */
export async function ledger(url: string, table = 'schema_migrations'): Promise<string[]> {
  if (!(await relationExists(url, table))) return [];
  return (await query<{ version: string }>(url, `select version from ${table} order by version`)).map((r) => r.version);
}

/** Rows of the audit table in the order written; `undefined` when the table does not exist. */
export async function history(url: string, table = 'schema_migrations_history'): Promise<HistoryRow[] | undefined> {
  if (!(await relationExists(url, table))) return undefined;
  return query<HistoryRow>(url, `select version, direction, outcome, invocation_id, error from ${table} order by id`);
}

/**
 * Advisory locks granted in the database of `url` (every database with `allDatabases`), held by
 * any session but the checker's own. After a run has ended there must be none.
 */
export async function lockHolders(url: string, opts: { allDatabases?: boolean } = {}): Promise<LockHolder[]> {
  return query<LockHolder>(
    url,
    `select l.pid, a.application_name, l.classid::text::bigint as classid, l.objid::text::bigint as objid, l.objsubid
       from pg_locks l left join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.pid <> pg_backend_pid()
        and ($1 or l.database = (select oid from pg_database where datname = current_database()))
      order by l.pid`,
    [opts.allDatabases === true],
  ).then((rows) => rows.map((r) => ({ ...r, classid: Number(r.classid), objid: Number(r.objid) })));
}

/** Which backends {@link backendsOf} looks for: an exact application_name, and/or a POSIX regex on the current query. */
export interface BackendMatch {
  applicationName?: string;
  /** POSIX regular expression (PostgreSQL `~`) on pg_stat_activity.query. */
  query?: string;
}

/**
 * Client backends of the database of `url` matching `match` (the checker's own session excluded:
 * its query text would match any pattern). A test waits until a run's stale backend is gone.
 */
export async function backendsOf(url: string, match: BackendMatch | string): Promise<Backend[]> {
  const m: BackendMatch = typeof match === 'string' ? { applicationName: match } : match;
  if (m.applicationName === undefined && m.query === undefined) throw new Error('backendsOf: give an application name or a query pattern');
  return query<Backend>(
    url,
    `select pid, application_name, state, query, backend_start from pg_stat_activity
      where backend_type = 'client backend' and pid <> pg_backend_pid() and datname = current_database()
        and ($1::text is null or application_name = $1) and ($2::text is null or query ~ $2)
      order by pid`,
    [m.applicationName ?? null, m.query ?? null],
  );
}

/** Wait (with a deadline) until no backend matches: the run's sessions, stale ones included, are over. */
export async function backendsGone(url: string, match: BackendMatch | string, timeoutMs = 15_000): Promise<void> {
  let last: Backend[] = [];
  await waitFor(
    async () => (last = await backendsOf(url, match)).length === 0,
    timeoutMs,
    `no backend matching ${JSON.stringify(match)}`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; still there: ${JSON.stringify(last.map((b) => ({ pid: b.pid, state: b.state, query: b.query.slice(0, 80) })))}`);
  });
}

/**
 * For migrations that each create one table (`expectations`: version → table name, optionally
 * schema-qualified): the table exists iff the version is in the ledger. Returns the
 * disagreements, empty when the ledger matches the schema.
 */
export async function ledgerMatchesSchema(url: string, expectations: Record<string, string>, table = 'schema_migrations'): Promise<string[]> {
  const applied = new Set(await ledger(url, table));
  const out: string[] = [];
  for (const [version, rel] of Object.entries(expectations)) {
    const exists = await relationExists(url, rel);
    if (applied.has(version) && !exists) out.push(`${version} is in the ledger but table ${rel} does not exist`);
    if (!applied.has(version) && exists) out.push(`table ${rel} exists but ${version} is not in the ledger`);
  }
  for (const v of applied) if (!(v in expectations)) out.push(`${v} is in the ledger but is not one of the expected migrations`);
  return out;
}
