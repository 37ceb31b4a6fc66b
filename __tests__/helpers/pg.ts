import { afterAll, beforeAll } from '@jest/globals';
import pg from 'pg';
import { startPostgres, type PostgresHandle } from '../../scripts/embedded-pg.mjs';

/**
 * Start one PostgreSQL server for the test file (PG 18 unless told otherwise; 15 where the system
 * pg_dump must match) and stop it afterwards. `TEST_DATABASE_URL` replaces the embedded server.
 * `embedded: true` always starts our own server (fault tests halt and restart it).
 * Returns a getter because the server exists only once beforeAll has run.
 */
export function usePostgres(opts: { version?: 15 | 18; embedded?: boolean } = {}): () => PostgresHandle {
  let handle: PostgresHandle | undefined;
  beforeAll(async () => {
    handle = await startPostgres({ version: opts.version ?? 18, useEnv: opts.embedded ? false : undefined });
  }, 120_000);
  afterAll(async () => {
    await handle?.stop();
  }, 60_000);
  return () => {
    if (!handle) throw new Error('usePostgres: server not started (call inside a test or hook)');
    return handle;
  };
}

/** Run `fn` with a connected client on `url`, always closing it. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * A client of the test's own (a blocker, a reader) named `applicationName` in pg_stat_activity;
 * `cleanups` gets its close. Errors of a backend the test terminates are not fatal.
 */
export async function openClient(url: string, applicationName: string, cleanups: (() => Promise<void>)[]): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: applicationName });
  c.on('error', () => undefined);
  await c.connect();
  cleanups.push(() => c.end().catch(() => undefined));
  return c;
}

/** Rows of a query, for assertions on database state. */
export function query<R extends pg.QueryResultRow = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  return withClient(url, async (c) => (await c.query<R>(sql, params)).rows);
}

/** Names of the tables in a schema (default public), sorted. */
export async function tables(url: string, schema = 'public'): Promise<string[]> {
  const rows = await query<{ t: string }>(url, 'select table_name as t from information_schema.tables where table_schema = $1 order by 1', [schema]);
  return rows.map((r) => r.t);
}

/** Wait for a condition with a deadline instead of sleeping a fixed time. */
export async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
