/**
 * Connections as libpq makes them, over real TLS: a PostgreSQL 15 server with a certificate from a
 * test CA (made here with the system `openssl`), the migration connection (node-postgres) and
 * `pg_dump` (the backup and the schema file) given one trust configuration by the URL:
 * `sslrootcert=<file>`, `~/.postgresql/root.crt`, Node's CAs (public-CA managed databases) and
 * `sslrootcert=system`; a wrong CA refused by both; libpq-only parameters that never reach the
 * server as settings; `channel_binding=require` enforced.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type EmbeddedPostgresHandle } from '../scripts/embedded-pg.mjs';
import { project, migration } from './helpers/cli.js';
import { engineConfig } from './helpers/engine.js';
import { query, waitFor } from './helpers/pg.js';
import { Migrator } from '../src/engine/migrator.js';
import { connect, closeQuietly } from '../src/engine/db.js';
import { parseDatabaseUrl, type ParseUrlOptions } from '../src/engine/url.js';
import { MigrationError } from '../src/engine/errors.js';
import { selectPgDump, takeBackup, type PgDumpSelection } from '../src/safety/backup.js';

/** The embedded server's handle as embedded-pg.mjs gives it (its .d.mts does not list `flags`, `dataDir` yet). */
let pgHandle: EmbeddedPostgresHandle;
let certs = '';
let tools: PgDumpSelection;
const temps: string[] = [];
const CB_ROLE = 'cb_scram';
const CB_PASSWORD = 'Cb-Scram-Pw-4471';

/** Run openssl in `dir`, failing loudly. */
function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA (`<name>.crt`/`.key`) with an EC key: fast to make. */
function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`,
    '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

/** A `HOME` whose `~/.postgresql/root.crt` is `ca`. */
async function homeWith(ca: string): Promise<string> {
  const home = await tempDir('dbm-tls-home-');
  await mkdir(join(home, '.postgresql'), { mode: 0o700 });
  await writeFile(join(home, '.postgresql', 'root.crt'), await readFile(ca, 'utf8'));
  return home;
}

/** A URL of a fresh database on the TLS server, as `user` (default the superuser), with `query` appended. */
async function tlsUrl(q: string, user = 'postgres', password = pgHandle.password): Promise<string> {
  const db = new URL(await pgHandle.createDatabase()).pathname.slice(1);
  return `postgres://${user}:${encodeURIComponent(password)}@localhost:${pgHandle.port}/${db}?${q}`;
}

/** A machine with nothing trusted but what the test says: no ~/.postgresql, no CA bundle, no extra CAs. */
const bare: ParseUrlOptions = { homeDir: '/nonexistent-home', env: {}, systemCAs: () => undefined };

/**
 * Everything that connects: `up` (the migration connection, then pg_dump for the schema file),
 * then a backup (pg_dump -Fc, verified by pg_restore). Returns what each said.
 */
async function migrateAndBackUp(url: string, opts: ParseUrlOptions, baseEnv: NodeJS.ProcessEnv = process.env) {
  const target = parseDatabaseUrl(url, opts);
  const p = await project({ 'db/migrations/1_t.sql': migration('create table t (id int);', 'drop table t;') });
  temps.push(p.dir);
  // A connection that fails throws; a migration or dump that fails is the result's error.
  const result = await new Migrator(engineConfig(url, p.dir, { target, dumpSchema: true })).up().then(
    (r) => ({ error: r.error as { message: string } | undefined }),
    (err: MigrationError) => ({ error: { message: err.message } }),
  );
  const schema = existsSync(join(p.dir, 'db/schema.sql')) ? await readFile(join(p.dir, 'db/schema.sql'), 'utf8') : '';
  const childFiles: { path: string; mode: number }[] = [];
  const backup = await takeBackup({
    target,
    dir: await tempDir('dbm-tls-backup-'),
    environment: 'production',
    pgDump: tools.pgDump,
    pgRestore: tools.pgRestore,
    baseEnv,
    onSpawn: (_cmd, args) => {
      // The private CA copy a child gets: present (0600) while pg_dump runs.
      const ca = /[?&]sslrootcert=([^&]+)/.exec(args.at(-1) ?? '')?.[1];
      const path = ca === undefined ? undefined : decodeURIComponent(ca);
      if (path?.includes('db-migrate-conn-')) childFiles.push({ path, mode: statSync(path).mode & 0o777 });
    },
  }).then(
    (artifact) => ({ ok: true as const, artifact }),
    (err: MigrationError) => ({ ok: false as const, message: err.message }),
  );
  return { target, result, schema, backup, childFiles };
}

beforeAll(async () => {
  certs = await tempDir('dbm-tls-certs-');
  await chmod(certs, 0o755); // the server (user postgres when we are root) reads its key here
  makeCa(certs, 'ca');
  makeCa(certs, 'wrong-ca');
  openssl(certs, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  await writeFile(join(certs, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl(certs, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf']);
  const key = join(certs, 'server.key');
  await chmod(key, 0o600);
  if (process.getuid?.() === 0) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    await chown(key, id('-u'), id('-g'));
  }
  pgHandle = await startPostgres({
    version: 15,
    flags: ['-c', 'ssl=on', '-c', `ssl_cert_file=${join(certs, 'server.crt')}`, '-c', `ssl_key_file=${key}`],
  });
  // One role that authenticates with SCRAM (the others use the embedded server's `password` method).
  await query(pgHandle.adminUrl, `create role ${CB_ROLE} login superuser password '${CB_PASSWORD}'`);
  const hba = join(pgHandle.dataDir, 'pg_hba.conf');
  await writeFile(hba, `hostssl all ${CB_ROLE} 127.0.0.1/32 scram-sha-256\n${await readFile(hba, 'utf8')}`);
  await query(pgHandle.adminUrl, 'select pg_reload_conf()');
  tools = await selectPgDump({ serverMajor: 15 });
}, 120_000);

afterAll(async () => {
  await pgHandle?.stop();
  for (const d of temps) await rm(d, { recursive: true, force: true });
}, 60_000);

describe('one trust configuration for the migration connection and pg_dump', () => {
  it('sslmode=verify-full&sslrootcert=<CA>: migrates over TLS, pg_dump dumps the schema and backs up', async () => {
    const url = await tlsUrl(`sslmode=verify-full&sslrootcert=${join(certs, 'ca.crt')}`);
    const run = await migrateAndBackUp(url, bare);
    expect(run.target.trust).toMatchObject({ source: 'sslrootcert', file: join(certs, 'ca.crt') });
    expect(run.result.error).toBeUndefined();
    expect(run.schema).toContain('CREATE TABLE public.t');
    expect(run.backup).toMatchObject({ ok: true });
    const conn = await connect(run.target);
    try {
      const { rows } = await conn.query('select ssl from pg_stat_ssl where pid = pg_backend_pid()');
      expect(rows).toEqual([{ ssl: true }]);
    } finally {
      await closeQuietly(conn);
    }
  });

  it('verify-full without sslrootcert: ~/.postgresql/root.crt, as libpq, for both', async () => {
    const home = await homeWith(join(certs, 'ca.crt'));
    const url = await tlsUrl('sslmode=verify-full');
    const run = await migrateAndBackUp(url, { ...bare, homeDir: home }, { ...process.env, HOME: home });
    expect(run.target.trust).toMatchObject({ source: 'home', file: join(home, '.postgresql', 'root.crt') });
    expect(run.result.error).toBeUndefined();
    expect(run.schema).toContain('CREATE TABLE public.t');
    expect(run.backup).toMatchObject({ ok: true });
  });

  it('a wrong CA in ~/.postgresql/root.crt: the migration connection and pg_dump both refuse', async () => {
    const home = await homeWith(join(certs, 'wrong-ca.crt'));
    const url = await tlsUrl('sslmode=verify-full');
    const run = await migrateAndBackUp(url, { ...bare, homeDir: home }, { ...process.env, HOME: home });
    const redacted = run.target.redacted;
    expect(run.result.error?.message).toBe(
      `cannot connect to ${redacted}: the server's certificate was not accepted: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE); trusted CAs: ~/.postgresql/root.crt (${join(home, '.postgresql', 'root.crt')})`,
    );
    expect(run.schema).toBe('');
    expect(run.backup).toMatchObject({ ok: false });
    const message = (run.backup as { message: string }).message;
    expect(message.startsWith(`pg_dump of ${redacted} exited with code 1: pg_dump: error: connection to server at "localhost" (127.0.0.1), port ${pgHandle.port} failed: SSL error: certificate verify failed`)).toBe(true);
    expect(message).not.toContain(pgHandle.password);
  });

  it('verify-full with no CA file at all: Node’s CAs (here with NODE_EXTRA_CA_CERTS), and pg_dump gets the same set in a private file', async () => {
    const url = await tlsUrl('sslmode=verify-full');
    const run = await migrateAndBackUp(url, { ...bare, env: { NODE_EXTRA_CA_CERTS: join(certs, 'ca.crt') } });
    expect(run.target.trust?.source).toBe('node');
    expect(run.target.trust?.file).toBeUndefined();
    expect(run.result.error).toBeUndefined();
    expect(run.schema).toContain('CREATE TABLE public.t');
    expect(run.backup).toMatchObject({ ok: true });
    expect(run.childFiles.map((f) => f.mode.toString(8))).toEqual(['600']);
    for (const f of run.childFiles) expect(existsSync(f.path)).toBe(false);

    // Without the extra CA, Node's bundled CAs do not know the test CA: both refuse.
    const refused = await migrateAndBackUp(await tlsUrl('sslmode=verify-full'), bare);
    expect(refused.result.error?.message).toBe(
      `cannot connect to ${refused.target.redacted}: the server's certificate was not accepted: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE); trusted CAs: Node's bundled CAs (no sslrootcert in the URL, no ~/.postgresql/root.crt)`,
    );
    expect((refused.backup as { message: string }).message).toContain('SSL error: certificate verify failed');
    for (const f of refused.childFiles) expect(existsSync(f.path)).toBe(false);
  });

  it('sslrootcert=system: the system CA file (SSL_CERT_FILE) for both; the sslmode defaults to verify-full', async () => {
    const url = await tlsUrl('sslrootcert=system');
    const run = await migrateAndBackUp(url, { ...bare, env: { SSL_CERT_FILE: join(certs, 'ca.crt') } });
    expect(run.target.sslmode).toBe('verify-full');
    expect(run.target.trust).toMatchObject({ source: 'system', file: join(certs, 'ca.crt') });
    expect(run.result.error).toBeUndefined();
    expect(run.schema).toContain('CREATE TABLE public.t');
    expect(run.backup).toMatchObject({ ok: true });

    const wrong = await migrateAndBackUp(await tlsUrl('sslrootcert=system'), { ...bare, env: { SSL_CERT_FILE: join(certs, 'wrong-ca.crt') } });
    expect(wrong.result.error?.message).toBe(
      `cannot connect to ${wrong.target.redacted}: the server's certificate was not accepted: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE); trusted CAs: the system's (sslrootcert=system: ${join(certs, 'wrong-ca.crt')})`,
    );
    expect((wrong.backup as { message: string }).message).toContain('SSL error: certificate verify failed');
  });
});

describe('libpq-only parameters over TLS', () => {
  it('target_session_attrs, channel_binding, keepalives and tcp_user_timeout connect (no 42704) and reach pg_dump', async () => {
    const url = await tlsUrl(
      `sslmode=verify-full&sslrootcert=${join(certs, 'ca.crt')}&target_session_attrs=read-write&channel_binding=prefer&keepalives=1&keepalives_idle=5&tcp_user_timeout=10000`,
    );
    const run = await migrateAndBackUp(url, bare);
    expect(run.target.pg.options).toBeUndefined();
    expect(run.target.targetSessionAttrs).toBe('read-write');
    expect(run.result.error).toBeUndefined();
    expect(run.schema).toContain('CREATE TABLE public.t');
    expect(run.backup).toMatchObject({ ok: true });
  });

  it('channel_binding=require: SCRAM-SHA-256-PLUS over TLS connects; a password request is refused before the password is sent', async () => {
    const ca = join(certs, 'ca.crt');
    const url = await tlsUrl(`sslmode=verify-full&sslrootcert=${ca}&channel_binding=require`, CB_ROLE, CB_PASSWORD);
    // The pg_hba.conf reload is asynchronous: wait until the role is offered SCRAM.
    await waitFor(async () => (await connect(parseDatabaseUrl(url, bare)).then(closeQuietly, () => 'no')) !== 'no', 10_000, 'the SCRAM rule of pg_hba.conf');
    const run = await migrateAndBackUp(url, bare);
    expect(run.result.error).toBeUndefined();
    expect(run.backup).toMatchObject({ ok: true });

    const plain = parseDatabaseUrl(await tlsUrl(`sslmode=verify-full&sslrootcert=${ca}&channel_binding=require`), bare);
    const err = await connect(plain).then(
      () => undefined,
      (e: MigrationError) => e,
    );
    expect(err?.message).toBe(`cannot connect to ${plain.redacted}: channel binding required but not supported by server's authentication request`);
  });
});
