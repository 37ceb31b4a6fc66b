/**
 * Backup (pipeline step 4) against a real PostgreSQL 15 server with the system pg_dump/pg_restore 15:
 * the archive's name, modes and checksum, a restore into a new database, the password kept out of
 * argv, and failures that leave no file behind.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { usePostgres, query } from './helpers/pg.js';
import { runProcess } from './helpers/cli.js';
import { parseDatabaseUrl } from '../src/engine/url.js';
import { connect, closeQuietly } from '../src/engine/db.js';
import {
  selectPgDump,
  takeBackup,
  verifyArchive,
  type BackupArtifact,
  type PgDumpSelection,
} from '../src/safety/backup.js';
import { serverVersion } from '../src/engine/pg-tools.js';

const server = usePostgres({ version: 15 });
const PASSWORD = 'S3cr3t-Canary-9z';
const ITEMS = 'select id, name, price::text, tags from items order by id';

let sourceUrl = ''; // the database backed up, as the superuser
let canaryUrl = ''; // the same database, as the canary role with the distinctive password
let tools: PgDumpSelection;
const restoredDbs: string[] = [];
const temps: string[] = [];

/** Every spawn of one call: program, argv and the names of the env variables added. */
function recorder() {
  const spawns: { cmd: string; args: string[]; envKeys: string[] }[] = [];
  return { spawns, onSpawn: (cmd: string, args: readonly string[], envKeys: readonly string[]) => void spawns.push({ cmd, args: [...args], envKeys: [...envKeys] }) };
}

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'dbm-backup-'));
  temps.push(d);
  return d;
}

function withCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

beforeAll(async () => {
  sourceUrl = await server().createDatabase();
  await query(
    sourceUrl,
    `create table items (id int primary key, name text not null, price numeric(8,2), tags text[]);
     insert into items select g, 'item ' || g, g * 1.25, array['t' || (g % 3)] from generate_series(1, 50) g;
     create index items_name on items (name);
     create view cheap_items as select * from items where price < 10;`,
  );
  await query(
    server().adminUrl,
    `do $$ begin
       if not exists (select from pg_roles where rolname = 'canary') then create role canary login superuser; end if;
     end $$;
     alter role canary password '${PASSWORD}'`,
  );
  canaryUrl = withCredentials(sourceUrl, 'canary', PASSWORD);
  const conn = await connect(parseDatabaseUrl(sourceUrl));
  try {
    const v = await serverVersion(conn);
    tools = await selectPgDump({ serverMajor: v.major, serverVersion: v.text });
  } finally {
    await closeQuietly(conn);
  }
});

afterAll(async () => {
  for (const db of restoredDbs) await server().dropDatabase(db).catch(() => undefined);
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

afterEach(async () => {
  // Nothing in this file may leave a world-readable file in the temp dirs it used.
  for (const d of temps) {
    for (const name of await readdir(d, { recursive: true }).catch(() => [] as string[])) {
      const s = await stat(join(d, String(name))).catch(() => undefined);
      if (s?.isFile() && String(name).endsWith('.dump')) expect((s.mode & 0o077).toString(8)).toBe('0');
    }
  }
});

describe('serverVersion and selectPgDump on PostgreSQL 15', () => {
  it('reads the server version and picks a pg_dump of major >= 15 with pg_restore beside it', async () => {
    const conn = await connect(parseDatabaseUrl(sourceUrl));
    try {
      const v = await serverVersion(conn);
      expect(v.major).toBe(15);
      expect(v.text).toMatch(/^15\.\d+$/);
      expect(v.num).toBe(150000 + v.minor);
    } finally {
      await closeQuietly(conn);
    }
    expect(tools.source).toBe('search');
    expect(tools.version[0]).toBeGreaterThanOrEqual(15);
    expect(tools.pgDump).toMatch(/\/pg_dump$/);
    expect(tools.pgRestore).toBe(tools.pgDump.replace(/pg_dump$/, 'pg_restore'));
    expect(tools.considered.find((c) => c.path === tools.pgDump)).toEqual({ path: tools.pgDump, version: tools.version });
  });

  it('uses an explicit pg-dump-path (a binary or its directory)', async () => {
    const explicit = await selectPgDump({ explicitPath: tools.pgDump, serverMajor: 15 });
    expect(explicit).toMatchObject({ pgDump: tools.pgDump, pgRestore: tools.pgRestore, version: tools.version, source: 'explicit' });
    const byDir = await selectPgDump({ explicitPath: tools.pgDump.replace(/\/pg_dump$/, ''), serverMajor: 15 });
    expect(byDir.pgDump).toBe(tools.pgDump);
  });

  it('rejects an explicit pg-dump-path that does not exist, naming it', async () => {
    const missing = '/nonexistent/pg/bin/pg_dump';
    const err = await selectPgDump({ explicitPath: missing, serverMajor: 15 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'BackupError', code: 'BACKUP_PG_DUMP_MISSING' });
    expect((err as Error).message).toMatch(/^pg-dump-path \/nonexistent\/pg\/bin\/pg_dump cannot be run: .*ENOENT/);
    expect((err as { hint: string }).hint).toContain('postgresql-client-15');
  });
});

describe('takeBackup on PostgreSQL 15 with the system pg_dump', () => {
  let artifact: BackupArtifact;
  let dir = '';
  const rec = recorder();
  const now = new Date('2026-03-04T05:06:07.890Z');

  let wallMs = 0;

  beforeAll(async () => {
    dir = join(await tempDir(), 'nested', 'db-backups'); // does not exist yet
    const t0 = Date.now();
    artifact = await takeBackup({
      target: parseDatabaseUrl(canaryUrl),
      dir,
      environment: 'production',
      currentVersion: '20240101120000',
      pgDump: tools.pgDump,
      pgRestore: tools.pgRestore,
      now,
      onSpawn: rec.onSpawn,
    });
    wallMs = Date.now() - t0;
  });

  it('writes a verified custom-format archive named after environment, database, UTC time and version', async () => {
    const db = new URL(sourceUrl).pathname.slice(1);
    expect(artifact.path).toBe(join(dir, `production-${db}-20260304T050607Z-v20240101120000.dump`));
    const data = await readFile(artifact.path);
    expect(data.subarray(0, 5).toString('latin1')).toBe('PGDMP');
    expect(artifact.bytes).toBe(data.length);
    expect(artifact.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    // table, its data, primary key, index, view: at least these entries
    expect(artifact.entries).toBeGreaterThanOrEqual(5);
    expect(artifact.dumpedFrom).toMatch(/^15\.\d+/);
    expect(artifact.dumpedBy).toMatch(/^\d+\.\d+/);
    // Measured by takeBackup itself: a number of ms, more than zero (two programs ran), within the call's wall time.
    expect(Number.isFinite(artifact.durationMs)).toBe(true);
    expect(artifact.durationMs).toBeGreaterThan(0);
    expect(artifact.durationMs).toBeLessThanOrEqual(wallMs);
  });

  it('makes the archive 0600 and the directories it creates 0700', async () => {
    expect(((await stat(artifact.path)).mode & 0o777).toString(8)).toBe('600');
    expect(((await stat(dir)).mode & 0o777).toString(8)).toBe('700');
    expect(((await stat(join(dir, '..'))).mode & 0o777).toString(8)).toBe('700');
  });

  it('hands pg_dump a file that is already 0600, even with a permissive umask', async () => {
    // A stand-in pg_dump records the mode of its --file/-f target before anything is written, then runs the real one.
    const bin = await tempDir();
    const seen = join(bin, 'mode-seen-by-pg_dump');
    const standIn = join(bin, 'pg_dump');
    await writeFile(
      standIn,
      [
        '#!/bin/sh',
        'target=; prev=',
        'for a in "$@"; do',
        '  case "$a" in --file=*) target="${a#--file=}" ;; esac',
        '  if [ "$prev" = "-f" ]; then target="$a"; fi',
        '  prev="$a"',
        'done',
        `stat -c %a "$target" > '${seen}' 2>&1 || echo "no file: $target" > '${seen}'`,
        `exec '${tools.pgDump}' "$@"`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    // Under umask 022 a file created with the default mode would be 644: the check below must see the difference.
    const umask = process.umask(0o022);
    try {
      const a = await takeBackup({
        target: parseDatabaseUrl(canaryUrl),
        dir: join(bin, 'backups'),
        environment: 'production',
        pgDump: standIn,
        pgRestore: tools.pgRestore,
      });
      expect((await readFile(seen, 'utf8')).trim()).toBe('600');
      expect(((await stat(a.path)).mode & 0o777).toString(8)).toBe('600');
    } finally {
      process.umask(umask);
    }
  });

  it('gives pg_dump the password through PGPASSWORD only: never in any argv', () => {
    const dump = rec.spawns.find((s) => s.cmd === tools.pgDump);
    expect(dump).toBeDefined();
    const u = new URL(canaryUrl);
    expect(dump!.args).toEqual(['--format=custom', '--no-password', `--file=${artifact.path}`, `postgres://canary@127.0.0.1:${u.port}${u.pathname}?sslmode=disable`]);
    expect(dump!.envKeys).toEqual(['PGPASSWORD']);
    expect(rec.spawns.map((s) => s.cmd)).toEqual([tools.pgDump, tools.pgRestore]);
    expect(rec.spawns[1].args).toEqual(['--list', artifact.path]);
    for (const s of rec.spawns) {
      expect(JSON.stringify(s)).not.toContain('S3cr3t');
      expect(JSON.stringify(s)).not.toContain('Canary-9z');
    }
  });

  it('prints a restore command without the password that restores into a new database', async () => {
    expect(artifact.restoreCommand).not.toContain('S3cr3t');
    expect(artifact.restoreDatabase).toMatch(/_restore_20260304050607$/);
    const u = new URL(canaryUrl);
    const base = `postgres://canary@127.0.0.1:${u.port}`;
    expect(artifact.restoreCommand).toBe(
      `createdb '--maintenance-db=${base}/postgres?sslmode=disable' --template=template0 ${artifact.restoreDatabase} && ` +
        `pg_restore --no-owner '--dbname=${base}/${artifact.restoreDatabase}?sslmode=disable' ${artifact.path}`,
    );

    // Exactly what the on-call engineer would run: the system tools, the password from the environment.
    restoredDbs.push(artifact.restoreDatabase);
    const r = await runProcess('sh', ['-c', artifact.restoreCommand], { cwd: tmpdir(), env: { PGPASSWORD: PASSWORD } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    const restoredUrl = server().url(artifact.restoreDatabase);
    expect(await query(restoredUrl, ITEMS)).toEqual(await query(sourceUrl, ITEMS));
    expect((await query(restoredUrl, 'select count(*)::int as n from cheap_items'))[0]).toEqual({ n: 7 });
    const indexes = "select indexname from pg_indexes where tablename = 'items' order by 1";
    expect(await query(restoredUrl, indexes)).toEqual([{ indexname: 'items_name' }, { indexname: 'items_pkey' }]);
  });

  it('never overwrites an archive: a second backup in the same second gets its own file', async () => {
    const again = await takeBackup({
      target: parseDatabaseUrl(canaryUrl),
      dir,
      environment: 'production',
      currentVersion: '20240101120000',
      pgDump: tools.pgDump,
      pgRestore: tools.pgRestore,
      now,
    });
    expect(again.path).toBe(artifact.path.replace(/\.dump$/, '-2.dump'));
    expect((await stat(artifact.path)).size).toBe(artifact.bytes);
  });
});

describe('takeBackup with libpq keywords newer than its pg_dump', () => {
  it('hands pg_dump 15 the keywords its libpq does not know (sslnegotiation is 17) as variables, so the URL is not refused', async () => {
    const dir = await tempDir();
    const rec = recorder();
    const url = `${sourceUrl}&sslnegotiation=postgres&sslsni=1&channel_binding=prefer&target_session_attrs=read-write&keepalives_idle=5`;
    const a = await takeBackup({ target: parseDatabaseUrl(url), dir, environment: 'production', pgDump: tools.pgDump, pgRestore: tools.pgRestore, onSpawn: rec.onSpawn });
    expect(a.entries).toBeGreaterThanOrEqual(5);
    const dump = rec.spawns.find((c) => c.cmd === tools.pgDump)!;
    const argvUrl = dump.args.find((x) => x.startsWith('postgres://'))!;
    expect(new URL(argvUrl).searchParams.get('keepalives_idle')).toBe('5');
    for (const moved of ['sslnegotiation', 'sslsni', 'channel_binding', 'target_session_attrs']) expect(argvUrl).not.toContain(moved);
    expect(dump.envKeys).toEqual(expect.arrayContaining(['PGSSLNEGOTIATION', 'PGSSLSNI', 'PGCHANNELBINDING', 'PGTARGETSESSIONATTRS']));
  });
});

describe('takeBackup naming', () => {
  it('sanitises the environment and database and says vinitial with no applied version (an empty ledger)', async () => {
    const dir = await tempDir();
    const url = await server().createDatabase('odd name/../x');
    const a = await takeBackup({
      target: parseDatabaseUrl(url),
      dir,
      environment: '../prod env',
      pgDump: tools.pgDump,
      pgRestore: tools.pgRestore,
      now: new Date('2026-12-31T23:59:59Z'),
    });
    expect(a.path).toBe(join(dir, 'prod_env-odd_name_.._x-20261231T235959Z-vinitial.dump'));
    // An empty database is a valid backup with no entries.
    expect(a.entries).toBe(0);
    expect(a.restoreDatabase).toBe('odd_name_x_restore_20261231235959');
  });
});

describe('takeBackup failures leave no file and stop the run', () => {
  const base = (dir: string) => ({ dir, environment: 'production', currentVersion: '1', pgDump: tools.pgDump, pgRestore: tools.pgRestore });

  it('a wrong password (so PGPASSWORD is really what authenticates)', async () => {
    const dir = await tempDir();
    const wrong = 'Wr0ng-Canary-Pass';
    const err = await takeBackup({ ...base(dir), target: parseDatabaseUrl(withCredentials(sourceUrl, 'canary', wrong)) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'BackupError', code: 'BACKUP_FAILED' });
    expect((err as Error).message).toMatch(/^pg_dump of postgres:\/\/canary:\*{8}@127\.0\.0\.1:\d+\/\S+ exited with code 1: pg_dump: error: .*password authentication failed for user "canary"/s);
    expect((err as Error).message).not.toContain(wrong);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a database that does not exist: pg_dump stderr in the error', async () => {
    const dir = await tempDir();
    const err = await takeBackup({ ...base(dir), target: parseDatabaseUrl(server().url('no_such_db')) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'BackupError', code: 'BACKUP_FAILED' });
    expect((err as Error).message).toContain('database "no_such_db" does not exist');
    expect((err as Error).message).not.toContain(server().password);
    expect((err as { hint: string }).hint).toMatch(/no migration was applied/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('pg_dump failing after it started writing (a table the role may not read)', async () => {
    const dir = await tempDir();
    const url = await server().createDatabase();
    await query(url, `create table open_data (id int); insert into open_data values (1);
                      create table secret (id int); insert into secret values (1);`);
    await query(
      server().adminUrl,
      `do $$ begin if not exists (select from pg_roles where rolname = 'limited') then create role limited login; end if; end $$;
       alter role limited password 'Limited-Pass-1'`,
    );
    await query(url, 'grant select on open_data to limited');
    const err = await takeBackup({ ...base(dir), target: parseDatabaseUrl(withCredentials(url, 'limited', 'Limited-Pass-1')) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BACKUP_FAILED' });
    expect((err as Error).message).toContain('permission denied for table secret');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a backup-dir that cannot be created (a file is in the way)', async () => {
    const parent = await tempDir();
    await writeFile(join(parent, 'file'), 'x');
    const err = await takeBackup({ ...base(join(parent, 'file', 'backups')), target: parseDatabaseUrl(sourceUrl) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BACKUP_FAILED', hint: 'choose a writable backup-dir' });
    expect((err as Error).message).toMatch(/^cannot create backup directory .*\/file\/backups: .*(ENOTDIR|EEXIST)/);
    expect(await readdir(parent)).toEqual(['file']);
  });

  it('a backup-dir that exists but cannot be written', async () => {
    // Root ignores directory modes, so use a directory no one can create files in: /proc.
    const dir = process.getuid?.() === 0 ? '/proc' : await tempDir().then(async (d) => (await chmod(d, 0o500), d));
    const err = await takeBackup({ ...base(dir), target: parseDatabaseUrl(sourceUrl) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BACKUP_FAILED', hint: 'choose a writable backup-dir' });
    expect((err as Error).message).toMatch(/^cannot create a backup file in /);
    if (dir !== '/proc') expect(await readdir(dir)).toEqual([]);
  });

  it('verifyArchive refuses a file that is not an archive', async () => {
    const dir = await tempDir();
    const junk = join(dir, 'junk.dump');
    await writeFile(junk, 'not an archive', { mode: 0o600 });
    const err = await verifyArchive(tools.pgRestore, junk).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'BackupError', code: 'BACKUP_FAILED' });
    expect((err as Error).message).toMatch(/^pg_restore --list rejected the backup .*junk\.dump: pg_restore: error: input file does not appear to be a valid archive/);
  });
});
