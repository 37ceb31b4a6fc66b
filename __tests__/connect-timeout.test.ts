/**
 * Issue 13, "no silent waits": a database port that accepts TCP and never answers (a blackholed
 * host, a stuck proxy) fails the CLI and the action with a clear error within the connect
 * timeout, instead of hanging until the runner's job limit. The server here is real: a TCP
 * listener on 127.0.0.1 that holds every socket and never writes a byte.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { usePostgres } from './helpers/pg.js';
import { project, migration, runCli } from './helpers/cli.js';
import { actionSettings, recordingLog } from './helpers/action.js';
import { runPipeline } from '../src/action/pipeline.js';
import { migratorConfig } from '../src/action/real-ports.js';
import { CONNECT_RETRIES } from '../src/action/constants.js';
import { closeQuietly, connect } from '../src/engine/db.js';
import { Migrator } from '../src/engine/migrator.js';
import { parseDatabaseUrl } from '../src/engine/url.js';
import type { MigrationError } from '../src/engine/errors.js';

const PASSWORD = 'blackhole-canary-pw';

/** A TCP server that accepts connections and never answers; `accepted` counts them. */
let silent: Server;
const held = new Set<Socket>();
let accepted = 0;
let url: string;
let redacted: string;
let proj: Awaited<ReturnType<typeof project>>;

beforeAll(async () => {
  silent = createServer((socket) => {
    accepted++;
    held.add(socket);
    socket.on('close', () => held.delete(socket));
    // The client's timeout destroys its end; ignore the resets that follow.
    socket.on('error', () => undefined);
  });
  await new Promise<void>((res) => silent.listen(0, '127.0.0.1', res));
  const { port } = silent.address() as AddressInfo;
  url = `postgres://app:${PASSWORD}@127.0.0.1:${port}/app`;
  redacted = parseDatabaseUrl(url).redacted;
  proj = await project({ 'db/migrations/20240101000000_t.sql': migration('create table t (id int);', 'drop table t;') });
});

afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise<void>((res) => silent.close(() => res()));
  await proj?.cleanup();
});

describe('engine connect against a server that never answers', () => {
  it('fails with CONNECT_FAILED, naming the redacted URL and the timeout, and counts as a timeout', async () => {
    const before = accepted;
    const err = (await connect(parseDatabaseUrl(url), { connectTimeoutMs: 300 }).catch((e: unknown) => e)) as MigrationError;
    expect(err.code).toBe('CONNECT_FAILED');
    expect(err.message).toBe(`cannot connect to ${redacted}: timed out after 300 ms`);
    expect(err.hint).toContain('connect-timeout');
    expect(err.message).not.toContain(PASSWORD);
    // sslmode=prefer tries TLS first; a timeout is final, so the plain attempt does not wait again.
    expect(accepted - before).toBe(1);
  });

  it("uses the URL's connect_timeout when no timeout is passed, and the passed one over it", async () => {
    const fromUrl = (await connect(parseDatabaseUrl(`${url}?connect_timeout=1`)).catch((e: unknown) => e)) as Error;
    expect(fromUrl.message).toContain('timed out after 1000 ms');
    const passed = (await connect(parseDatabaseUrl(`${url}?connect_timeout=30`), { connectTimeoutMs: 200 }).catch((e: unknown) => e)) as Error;
    expect(passed.message).toContain('timed out after 200 ms');
  });
});

describe('CLI against a server that never answers', () => {
  it('--connect-timeout 1s: exit 2 well before 10 s, with one error naming the redacted URL and the timeout', async () => {
    const t0 = Date.now();
    const r = await runCli(['--url', url, '--connect-timeout', '1s', 'up'], { cwd: proj.dir });
    const elapsed = Date.now() - t0;
    expect(r.code).toBe(2);
    expect(elapsed).toBeLessThan(8000);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`Error: cannot connect to ${redacted}: timed out after 1000 ms`);
    expect(lines.filter((l) => l.startsWith('Error:'))).toHaveLength(1);
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
  });

  it("without the flag the URL's connect_timeout applies; the flag wins over it", async () => {
    const fromUrl = await runCli(['--url', `${url}?connect_timeout=1`, 'status'], { cwd: proj.dir });
    expect(fromUrl.code).toBe(2);
    expect(fromUrl.stderr).toContain('timed out after 1000 ms');
    const flag = await runCli(['--url', `${url}?connect_timeout=30`, '--connect-timeout', '500ms', 'status'], { cwd: proj.dir });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('timed out after 500 ms');
  });

  it('wait: each attempt is bounded, so --wait-timeout holds against a silent server', async () => {
    const t0 = Date.now();
    const r = await runCli(['--url', url, '--connect-timeout', '300ms', '--wait-timeout', '1s', '--wait-interval', '300ms', 'wait'], { cwd: proj.dir });
    expect(r.code).toBe(2);
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(r.stderr).toContain('timed out after 300 ms');
  });
});

describe('action pipeline against a server that never answers', () => {
  it('connect-timeout 1s: status failed with that message, after the connection retries, in bounded time', async () => {
    const s = actionSettings(url, proj.dir, { connectTimeoutMs: 1000, lintFailOn: 'none' });
    const log = recordingLog();
    const before = accepted;
    const t0 = Date.now();
    // The action's own engine config; only the backoff between retries is shortened, not their number.
    const run = await runPipeline(s, { migrator: new Migrator({ ...migratorConfig(s, log), connectRetryBaseMs: 100 }), log });
    const elapsed = Date.now() - t0;
    expect(run.status).toBe('failed');
    expect(run.error?.message).toBe(`cannot connect to ${redacted}: timed out after 1000 ms`);
    const retries = log.lines.filter((l) => l.startsWith('warn ') && l.includes('timed out after 1000 ms; retry'));
    expect(retries.map((l) => /retry (\d+\/\d+)/.exec(l)?.[1])).toEqual(Array.from({ length: CONNECT_RETRIES }, (_, i) => `${i + 1}/${CONNECT_RETRIES}`));
    expect(accepted - before).toBeGreaterThanOrEqual(CONNECT_RETRIES + 1);
    // Every attempt and the best-effort look-ups after the failure are bounded: no hang.
    expect(elapsed).toBeLessThan((CONNECT_RETRIES + 3) * 1000 + 10_000);
    expect(JSON.stringify(run)).not.toContain(PASSWORD);
  });
});

describe('a real server', () => {
  const server = usePostgres();

  it('connects within the timeout, with TCP keepalive on', async () => {
    const dbUrl = await server().createDatabase();
    const conn = await connect(parseDatabaseUrl(dbUrl), { connectTimeoutMs: 10_000 });
    try {
      expect((await conn.query<{ one: number }>('select 1 as one')).rows[0].one).toBe(1);
      // node-postgres keeps the socket options on its connection object.
      const c = (conn as unknown as { connection: { _keepAlive: boolean; _keepAliveInitialDelayMillis: number } }).connection;
      expect([c._keepAlive, c._keepAliveInitialDelayMillis]).toEqual([true, 10_000]);
    } finally {
      await closeQuietly(conn);
    }
  });
});
