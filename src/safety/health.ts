import type { QueryResult } from 'pg';
import { closeQuietly, connect, withConnection, type ConnectOptions, type Connection } from '../engine/db.js';
import { appliedVersions, resolveLedgerName } from '../engine/ledger.js';
import { invalidIndexes } from '../engine/runner.js';
import { type DatabaseTarget } from '../engine/url.js';
import { redact } from '../engine/redact.js';
import { sleep as wait } from '../engine/sleep.js';

/**
 * Health checks run once the migrations are applied, to tell whether the migrated database still
 * serves: the user's SQL, an optional HTTP endpoint, and two built-ins — no INVALID index, and
 * every migration that should be applied is in the ledger. Returns data; never throws for a failing check. No `@actions/*` here: the
 * pipeline decides what a failure means (rollback, status, summary).
 */

/** Names of the checks, in the order they run. */
export type HealthCheckName = 'sql' | 'invalid-indexes' | 'ledger' | 'url';

/** The outcome of one check. */
export interface HealthCheck {
  name: HealthCheckName;
  /** True when the check passed. A skipped check is not ok, and does not fail the result. */
  ok: boolean;
  /** Not run, because an earlier check already failed (see `detail`). */
  skipped?: boolean;
  /** What was checked and what came back, one line, secrets redacted. */
  detail: string;
  /** Wall time, ms (for the URL check: all attempts and the waits between them). */
  durationMs: number;
  /** URL check: requests made. */
  attempts?: number;
}

/** All checks that ran. `ok` is true when none failed. */
export interface HealthResult {
  ok: boolean;
  checks: HealthCheck[];
  durationMs: number;
}

/** What to check. Checks whose option is absent (or empty) do not run. */
export interface HealthOptions {
  /** SQL that must succeed; when its first row's first column is a boolean, it must be true. Empty: no SQL check. */
  sql?: string;
  /** statement_timeout of the SQL check, ms (default 30 s; 0 = none). */
  sqlTimeoutMs?: number;
  /** http(s) URL that must answer GET with a 2xx. */
  url?: string;
  /** URL check: further attempts after the first (so `retries` × `intervalMs` is the window). Default 0. */
  retries?: number;
  /** URL check: wait between attempts, ms. Default 5000. */
  intervalMs?: number;
  /** URL check: each request is aborted after this long, ms. Default 10000. */
  requestTimeoutMs?: number;
  /** URL check: the fetch to use (default the global one). */
  fetch?: typeof fetch;
  /** Built-in INVALID index check; `false` disables it. Default true. */
  invalidIndexes?: boolean;
  /** INVALID indexes that existed before the run: reported in the detail, not a failure of this run. */
  invalidIndexesBefore?: readonly string[];
  /**
   * Built-in ledger check: these versions must be in the ledger (e.g. every file after an `up`
   * without `steps`). Absent: no ledger check.
   */
  expectedApplied?: readonly string[];
  /** Ledger table as configured (`schema_migrations`, optionally `schema.table`); default `schema_migrations`. */
  migrationsTable?: string;
  /** Skip the URL check when an earlier check failed (its retries would only delay the rollback). Default true. */
  skipUrlAfterFailure?: boolean;
  /** Secrets to mask in every detail (the URL's password, tokens). */
  secrets?: readonly string[];
  /** When the checks open their own connection (a target is given): its connect timeout, ms (see `ConnectOptions` in db.ts). */
  connectTimeoutMs?: number;
  /** Sleep, injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

const BOOL_OID = 16;

/**
 * Run the configured checks in order: SQL, INVALID indexes, ledger, URL. Database checks share
 * one connection: `db` itself when a connection is given, else one opened (and closed) here.
 */
export async function runHealthChecks(db: Connection | DatabaseTarget, opts: HealthOptions): Promise<HealthResult> {
  const t0 = performance.now();
  const secrets = [...(opts.secrets ?? []), ...('raw' in db && db.password ? [db.password] : [])];
  const clean = (s: string) => redact(s, secrets);
  const checks: HealthCheck[] = [];
  const dbChecks: { name: HealthCheckName; run: (c: Connection) => Promise<string> }[] = [];
  if (opts.sql) dbChecks.push({ name: 'sql', run: (c) => sqlCheck(c, opts.sql!, opts.sqlTimeoutMs ?? 30_000) });
  if (opts.invalidIndexes !== false) dbChecks.push({ name: 'invalid-indexes', run: (c) => invalidIndexCheck(c, opts.invalidIndexesBefore ?? []) });
  if (opts.expectedApplied) {
    const expected = opts.expectedApplied;
    const target = 'raw' in db ? db : undefined;
    dbChecks.push({ name: 'ledger', run: (c) => ledgerCheck(c, expected, opts.migrationsTable ?? 'schema_migrations', target?.searchPath ?? []) });
  }

  if (dbChecks.length > 0) {
    let conn: Connection | undefined;
    let connectError: string | undefined;
    const own = 'raw' in db;
    try {
      conn = own ? await connect(db, { connectTimeoutMs: opts.connectTimeoutMs }) : db;
    } catch (err) {
      connectError = `cannot connect: ${(err as Error).message}`;
    }
    try {
      for (const c of dbChecks) {
        const t = performance.now();
        if (!conn) {
          checks.push({ name: c.name, ok: false, detail: clean(connectError!), durationMs: ms(t) });
          continue;
        }
        try {
          checks.push({ name: c.name, ok: true, detail: clean(await c.run(conn)), durationMs: ms(t) });
        } catch (err) {
          checks.push({ name: c.name, ok: false, detail: clean((err as Error).message), durationMs: ms(t) });
        }
      }
    } finally {
      if (own) await closeQuietly(conn);
    }
  }

  if (opts.url) {
    const failedBefore = checks.some((c) => !c.ok);
    if (failedBefore && opts.skipUrlAfterFailure !== false) {
      checks.push({ name: 'url', ok: false, skipped: true, detail: `not checked: an earlier check failed (${clean(opts.url)})`, durationMs: 0 });
    } else {
      checks.push(await urlCheck(opts.url, opts, clean));
    }
  }
  return { ok: checks.every((c) => c.ok || c.skipped), checks, durationMs: ms(t0) };
}

/**
 * Names of the INVALID indexes in the database (left by a failed CREATE INDEX CONCURRENTLY, or
 * being built right now). Taken before a run so the check after it blames only new ones.
 */
export async function invalidIndexNames(db: Connection | DatabaseTarget, connectOpts: ConnectOptions = {}): Promise<string[]> {
  return 'raw' in db ? withConnection(db, invalidIndexes, connectOpts) : invalidIndexes(db);
}

async function sqlCheck(conn: Connection, sql: string, timeoutMs: number): Promise<string> {
  const summary = short(oneLine(sql));
  await conn.query(`SET statement_timeout = ${Math.max(0, Math.round(timeoutMs))}`);
  let res: QueryResult | QueryResult[];
  try {
    // Rows as arrays: the first column is read by position, even when two columns share a name.
    res = (await conn.query({ text: sql, rowMode: 'array' })) as QueryResult | QueryResult[];
  } catch (err) {
    const e = err as { code?: string; message: string };
    throw new Error(`${summary}: failed: ${e.message}${e.code ? ` (SQLSTATE ${e.code})` : ''}`);
  } finally {
    await conn.query('RESET statement_timeout').catch(() => undefined);
  }
  // Several statements give several results: the last one with columns is the answer.
  const results = Array.isArray(res) ? res : [res];
  const last = [...results].reverse().find((r) => r.fields?.length) ?? results.at(-1);
  const field = last?.fields?.[0];
  const row = last?.rows?.[0] as unknown[] | undefined;
  if (!field || !row) return `${summary}: succeeded (no rows)`;
  const value = row[0];
  if (field.dataTypeID === BOOL_OID && value !== true) {
    throw new Error(`${summary}: returned ${value === null ? 'NULL' : String(value)} in its first column, expected true`);
  }
  return `${summary}: succeeded (first column: ${short(String(value))})`;
}

async function invalidIndexCheck(conn: Connection, before: readonly string[]): Promise<string> {
  const all = await invalidIndexNames(conn);
  const old = new Set(before);
  const fresh = all.filter((n) => !old.has(n));
  const known = all.filter((n) => old.has(n));
  const note = known.length ? ` (already INVALID before this run, not counted: ${known.join(', ')})` : '';
  if (fresh.length) {
    throw new Error(`INVALID index(es): ${fresh.join(', ')}: a CREATE INDEX CONCURRENTLY failed or is still running; drop them with DROP INDEX CONCURRENTLY${note}`);
  }
  return `no INVALID index${note}`;
}

async function ledgerCheck(conn: Connection, expected: readonly string[], table: string, searchPath: readonly string[]): Promise<string> {
  const ledger = await resolveLedgerName(conn, table, [...searchPath]);
  const applied = await appliedVersions(conn, ledger);
  const missing = expected.filter((v) => !applied.has(v));
  if (missing.length) throw new Error(`not in ${ledger.quoted}: ${missing.join(', ')} (expected ${expected.length} applied migration(s))`);
  return `all ${expected.length} expected migration(s) are in ${ledger.quoted}`;
}

/** GET until a 2xx answers, at most 1 + `retries` requests, `intervalMs` apart, each with its own timeout. */
async function urlCheck(url: string, opts: HealthOptions, clean: (s: string) => string): Promise<HealthCheck> {
  const t0 = performance.now();
  const doFetch = opts.fetch ?? globalThis.fetch;
  const sleep = opts.sleep ?? wait;
  const attempts = 1 + Math.max(0, opts.retries ?? 0);
  const interval = opts.intervalMs ?? 5000;
  const timeout = opts.requestTimeoutMs ?? 10_000;
  // fetch refuses URLs with credentials: send them as Basic auth instead.
  const u = new URL(url);
  const headers: Record<string, string> = { 'user-agent': 'db-migrate-action health check' };
  if (u.username || u.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  const shown = clean(url);
  let last = '';
  for (let i = 1; i <= attempts; i++) {
    try {
      const res = await doFetch(u, { method: 'GET', headers, redirect: 'follow', signal: AbortSignal.timeout(timeout) });
      const body = await res.text().catch(() => '');
      if (res.status >= 200 && res.status < 300) {
        return { name: 'url', ok: true, detail: `GET ${shown}: ${res.status}${i > 1 ? ` after ${i} attempts` : ''}`, durationMs: ms(t0), attempts: i };
      }
      last = `${res.status} ${res.statusText}${body ? `: ${short(oneLine(body))}` : ''}`.trim();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      last = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${timeout} ms` : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : e.cause?.message ? ` (${e.cause.message})` : ''}`;
    }
    if (i < attempts) await sleep(interval);
  }
  return {
    name: 'url',
    ok: false,
    detail: clean(`GET ${shown}: no 2xx after ${attempts} attempt(s) ${interval} ms apart; last: ${last}`),
    durationMs: ms(t0),
    attempts,
  };
}

function ms(t0: number): number {
  return Math.round((performance.now() - t0) * 1000) / 1000;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function short(s: string): string {
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}
