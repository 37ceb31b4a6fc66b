/**
 * Health checks (src/safety/health.ts) on a real PostgreSQL and a real local HTTP server.
 */
import { describe, it, expect, afterEach } from '@jest/globals';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { usePostgres, query } from './helpers/pg.js';
import { runHealthChecks, invalidIndexNames, type HealthOptions } from '../src/safety/health.js';
import { parseDatabaseUrl } from '../src/engine/url.js';

const server = usePostgres();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Only what the test names runs: the built-in checks are off unless asked for. */
const only = (o: HealthOptions): HealthOptions => ({ invalidIndexes: false, ...o });

async function db() {
  const url = await server().createDatabase();
  return { url, target: parseDatabaseUrl(url) };
}

/**
 * A local HTTP server on 127.0.0.1 that answers with the given statuses in turn (the last one
 * repeats) and counts requests; `hang` never answers.
 */
async function http(statuses: (number | 'hang')[]): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const srv: Server = createServer((req, res) => {
    requests.push(req);
    const s = statuses[Math.min(requests.length - 1, statuses.length - 1)];
    if (s === 'hang') return;
    res.writeHead(s, { 'content-type': 'text/plain' });
    res.end(s >= 200 && s < 300 ? 'ok' : `unhealthy: database migration in progress (${s})`);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/health`, requests };
}

describe('health-check-sql', () => {
  it('fails on an SQL error, naming the SQL, the message and the SQLSTATE', async () => {
    const { target } = await db();
    const r = await runHealthChecks(target, only({ sql: 'select count(*) from no_such_table' }));
    expect(r.ok).toBe(false);
    expect(r.checks).toHaveLength(1);
    expect(r.checks[0]).toMatchObject({
      name: 'sql',
      ok: false,
      detail: 'select count(*) from no_such_table: failed: relation "no_such_table" does not exist (SQLSTATE 42P01)',
    });
    expect(r.checks[0].durationMs).toBeGreaterThan(0);
  });

  it('fails when the first column of the first row is false or NULL, passes when true', async () => {
    const { url, target } = await db();
    await query(url, 'create table users (id int); insert into users values (1)');
    const no = await runHealthChecks(target, only({ sql: 'select count(*) = 0 as empty, true as other from users' }));
    expect(no.ok).toBe(false);
    expect(no.checks[0].detail).toBe('select count(*) = 0 as empty, true as other from users: returned false in its first column, expected true');
    const nul = await runHealthChecks(target, only({ sql: 'select null::boolean' }));
    expect(nul.checks[0]).toMatchObject({ ok: false, detail: 'select null::boolean: returned NULL in its first column, expected true' });
    // Two columns with the same name: the first one decides.
    const dup = await runHealthChecks(target, only({ sql: 'select false as ok, true as ok' }));
    expect(dup.ok).toBe(false);
    const yes = await runHealthChecks(target, only({ sql: 'select count(*) > 0 from users' }));
    expect(yes).toMatchObject({ ok: true, checks: [{ name: 'sql', ok: true, detail: 'select count(*) > 0 from users: succeeded (first column: true)' }] });
  });

  it('non-boolean results, no rows and several statements pass; the last result with columns decides', async () => {
    const { target } = await db();
    expect((await runHealthChecks(target, only({ sql: 'select 42' }))).checks[0]).toMatchObject({ ok: true, detail: 'select 42: succeeded (first column: 42)' });
    expect((await runHealthChecks(target, only({ sql: 'select 1 where false' }))).checks[0]).toMatchObject({ ok: true, detail: 'select 1 where false: succeeded (no rows)' });
    expect((await runHealthChecks(target, only({ sql: 'select true; select false' }))).ok).toBe(false);
  });

  it('is bounded by its statement timeout', async () => {
    const { target } = await db();
    const r = await runHealthChecks(target, only({ sql: 'select pg_sleep(5)', sqlTimeoutMs: 100 }));
    expect(r.checks[0].ok).toBe(false);
    expect(r.checks[0].detail).toMatch(/canceling statement due to statement timeout \(SQLSTATE 57014\)$/);
    expect(r.checks[0].durationMs).toBeLessThan(4000);
  });

  it('a database it cannot reach fails every database check without leaking the password', async () => {
    const u = new URL(server().adminUrl);
    const target = parseDatabaseUrl(`postgres://nobody:Sup3r-s3cret@${u.host}/nowhere?sslmode=disable`);
    const r = await runHealthChecks(target, { sql: 'select 1', expectedApplied: ['1'] });
    expect(r.ok).toBe(false);
    expect(r.checks.map((c) => [c.name, c.ok])).toEqual([
      ['sql', false],
      ['invalid-indexes', false],
      ['ledger', false],
    ]);
    expect(r.checks[0].detail).toMatch(/^cannot connect: /);
    expect(JSON.stringify(r)).not.toContain('Sup3r-s3cret');
  });
});

describe('health-check-url', () => {
  it('500 then 200: retries until healthy', async () => {
    const { target } = await db();
    const h = await http([500, 200]);
    const r = await runHealthChecks(target, only({ url: h.url, retries: 3, intervalMs: 20 }));
    expect(h.requests).toHaveLength(2);
    expect(h.requests.every((q) => q.method === 'GET')).toBe(true);
    expect(r).toMatchObject({ ok: true, checks: [{ name: 'url', ok: true, attempts: 2, detail: `GET ${h.url}: 200 after 2 attempts` }] });
    expect(r.checks[0].durationMs).toBeGreaterThanOrEqual(20);
  });

  it('never healthy: 1 + retries requests, interval apart, then fails with the last answer', async () => {
    const { target } = await db();
    const h = await http([503]);
    const t0 = Date.now();
    const r = await runHealthChecks(target, only({ url: h.url, retries: 2, intervalMs: 50 }));
    expect(h.requests).toHaveLength(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(r.ok).toBe(false);
    expect(r.checks[0]).toMatchObject({
      name: 'url',
      ok: false,
      attempts: 3,
      detail: `GET ${h.url}: no 2xx after 3 attempt(s) 50 ms apart; last: 503 Service Unavailable: unhealthy: database migration in progress (503)`,
    });
  });

  it('a server that does not answer is cut off by the per-request timeout', async () => {
    const { target } = await db();
    const h = await http(['hang', 200]);
    const r = await runHealthChecks(target, only({ url: h.url, retries: 1, intervalMs: 10, requestTimeoutMs: 150 }));
    expect(h.requests).toHaveLength(2);
    expect(r.checks[0]).toMatchObject({ ok: true, attempts: 2 });
    const dead = await http(['hang']);
    const d = await runHealthChecks(target, only({ url: dead.url, retries: 0, requestTimeoutMs: 100 }));
    expect(d.checks[0].detail).toBe(`GET ${dead.url}: no 2xx after 1 attempt(s) 5000 ms apart; last: no answer within 100 ms`);
  });

  it('credentials in the URL go as Basic auth and never into the detail', async () => {
    const { target } = await db();
    const h = await http([401]);
    const withCreds = h.url.replace('http://', 'http://probe:T0p-s3cret@');
    const r = await runHealthChecks(target, only({ url: withCreds, retries: 0, secrets: ['T0p-s3cret'] }));
    expect(h.requests[0].headers.authorization).toBe(`Basic ${Buffer.from('probe:T0p-s3cret').toString('base64')}`);
    expect(r.checks[0].ok).toBe(false);
    expect(r.checks[0].detail).toContain('http://probe:********@127.0.0.1:');
    expect(JSON.stringify(r)).not.toContain('T0p-s3cret');
  });

  it('an unreachable URL fails with the network error', async () => {
    const { target } = await db();
    const h = await http([200]);
    const closedPort = h.url;
    await cleanups.pop()!(); // stop the server: nothing listens there any more
    const r = await runHealthChecks(target, only({ url: closedPort, retries: 0 }));
    expect(r.checks[0].detail).toMatch(/ECONNREFUSED/);
  });

  it('is skipped when an earlier check failed (its retries would only delay the rollback)', async () => {
    const { target } = await db();
    const h = await http([200]);
    const r = await runHealthChecks(target, only({ sql: 'select false', url: h.url, retries: 5 }));
    expect(h.requests).toHaveLength(0);
    expect(r.ok).toBe(false);
    expect(r.checks.map((c) => [c.name, c.ok, c.skipped ?? false])).toEqual([
      ['sql', false, false],
      ['url', false, true],
    ]);
  });
});

describe('built-in checks', () => {
  it('INVALID indexes: a failed CREATE INDEX CONCURRENTLY fails the check; ones that existed before are only mentioned', async () => {
    const { url, target } = await db();
    await query(url, "create table t (email text); insert into t values ('a'), ('a')");
    await query(url, 'create unique index concurrently t_email_key on t (email)').catch(() => undefined);
    expect(await invalidIndexNames(target)).toEqual(['t_email_key']);
    const r = await runHealthChecks(target, {});
    expect(r.ok).toBe(false);
    expect(r.checks).toEqual([expect.objectContaining({ name: 'invalid-indexes', ok: false })]);
    expect(r.checks[0].detail).toMatch(/^INVALID index\(es\): t_email_key: /);
    const before = await runHealthChecks(target, { invalidIndexesBefore: ['t_email_key'] });
    expect(before.checks[0]).toMatchObject({ ok: true, detail: 'no INVALID index (already INVALID before this run, not counted: t_email_key)' });
  });

  it('ledger: every expected version must be in schema_migrations (schema from the URL search_path)', async () => {
    const { url } = await db();
    await query(url, 'create schema app; create table app.schema_migrations (version varchar primary key); insert into app.schema_migrations values (\'1\'), (\'2\')');
    const target = parseDatabaseUrl(`${url}&search_path=app`);
    const ok = await runHealthChecks(target, { expectedApplied: ['1', '2'] });
    expect(ok.checks.find((c) => c.name === 'ledger')).toMatchObject({ ok: true, detail: 'all 2 expected migration(s) are in app.schema_migrations' });
    const missing = await runHealthChecks(target, { expectedApplied: ['1', '2', '3'] });
    expect(missing.ok).toBe(false);
    expect(missing.checks.find((c) => c.name === 'ledger')?.detail).toBe('not in app.schema_migrations: 3 (expected 3 applied migration(s))');
  });
});
