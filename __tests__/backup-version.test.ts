/**
 * Choosing pg_dump for a PostgreSQL 18 server when the machine only has the system pg_dump 15:
 * the run must stop before migrating with an error that names both versions and the fix.
 * The last block checks the choice among several clients with stand-in binaries that only answer
 * `--version` (this machine has one real client); they are never used to dump anything.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { usePostgres } from './helpers/pg.js';
import { runProcess } from './helpers/cli.js';
import { parseDatabaseUrl } from '../src/engine/url.js';
import { connect, closeQuietly } from '../src/engine/db.js';
import { selectPgDump, takeBackup, type PgDumpSelection } from '../src/safety/backup.js';
import { serverVersion, type ServerVersion } from '../src/engine/pg-tools.js';

const server = usePostgres({ version: 18 });

let url = '';
let pg18: ServerVersion;
let system: PgDumpSelection; // the machine's own pg_dump (15 here)
let tmp = '';

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'dbm-backup-version-'));
  url = await server().createDatabase();
  const conn = await connect(parseDatabaseUrl(url));
  try {
    pg18 = await serverVersion(conn);
  } finally {
    await closeQuietly(conn);
  }
  system = await selectPgDump({ serverMajor: 1 }); // any client at all
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const bothVersions = (found: string) =>
  new RegExp(`^pg_dump ${found.replace('.', '\\.')} cannot back up a PostgreSQL 18\\.\\d+ server: pg_dump must be version 18 or newer \\(`);

describe('PostgreSQL 18 server, only pg_dump 15 installed', () => {
  it('sees an 18 server and a 15 client', () => {
    expect(pg18.major).toBe(18);
    expect(pg18.text).toMatch(/^18\.\d+$/);
    expect(system.version[0]).toBe(15);
  });

  it('fails the search with an error naming 15 and 18 and how to install the client', async () => {
    const err = await selectPgDump({ serverMajor: pg18.major, serverVersion: pg18.text }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'BackupError', code: 'BACKUP_PG_DUMP_TOO_OLD' });
    const found = `${system.version[0]}.${system.version[1]}`;
    expect((err as Error).message).toMatch(bothVersions(found));
    expect((err as Error).message).toContain(`newest found: ${system.pgDump}`);
    expect((err as Error).message).toContain(`PostgreSQL ${pg18.text} server`);
    const hint = (err as { hint: string }).hint;
    expect(hint).toContain('sudo apt-get install -y postgresql-client-18');
    expect(hint).toContain('apt.postgresql.org.sh'); // the PGDG repository
    expect(hint).toContain('pg-dump-path');
  });

  it('rejects an explicit pg-dump-path that is too old, naming both versions and the path', async () => {
    const err = await selectPgDump({ explicitPath: system.pgDump, serverMajor: 18, serverVersion: pg18.text }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BACKUP_PG_DUMP_TOO_OLD' });
    expect((err as Error).message).toMatch(bothVersions(`${system.version[0]}.${system.version[1]}`));
    expect((err as Error).message).toMatch(/\(pg-dump-path \/\S+\/pg_dump\)$/);
  });

  it('says pg_dump is missing when no directory has one', async () => {
    const empty = join(tmp, 'empty');
    await mkdir(empty);
    const err = await selectPgDump({ serverMajor: 18, serverVersion: '18.4', searchDirs: [empty] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BACKUP_PG_DUMP_MISSING' });
    expect((err as Error).message).toBe(`no pg_dump found to back up a PostgreSQL 18.4 server: pg_dump must be version 18 or newer (searched ${empty})`);
    expect((err as { hint: string }).hint).toContain('postgresql-client-18');
  });

  it('would fail the backup itself too (server version mismatch) and leave no file', async () => {
    const dir = join(tmp, 'forced');
    const err = await takeBackup({
      target: parseDatabaseUrl(url),
      dir,
      environment: 'production',
      pgDump: system.pgDump,
      pgRestore: system.pgRestore,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BACKUP_FAILED' });
    expect((err as Error).message).toContain('server version mismatch');
    expect((err as Error).message).not.toContain(server().password);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('choosing among several clients (stand-in binaries that only report a version)', () => {
  /** A directory with `pg_dump` (and `pg_restore` unless told not to) reporting `version`. */
  async function client(name: string, version: string, opts: { restore?: boolean } = {}): Promise<string> {
    const dir = join(tmp, name);
    await mkdir(dir, { recursive: true });
    for (const tool of opts.restore === false ? ['pg_dump'] : ['pg_dump', 'pg_restore']) {
      await writeFile(join(dir, tool), `#!/bin/sh\necho "${tool} (PostgreSQL) ${version}"\n`);
      await chmod(join(dir, tool), 0o755);
    }
    return dir;
  }

  it('takes the newest whose major is at least the server major, with pg_restore from the same directory', async () => {
    const dirs = [await client('a16', '16.9'), await client('b19', '19.1'), await client('c18', '18.4'), dirname(system.pgDump)];
    const sel = await selectPgDump({ serverMajor: 18, searchDirs: dirs });
    expect(sel).toMatchObject({ pgDump: join(tmp, 'b19/pg_dump'), pgRestore: join(tmp, 'b19/pg_restore'), version: [19, 1], source: 'search' });
    expect(sel.considered.map((c) => [c.path, c.version])).toEqual([
      [join(tmp, 'a16/pg_dump'), [16, 9]],
      [join(tmp, 'b19/pg_dump'), [19, 1]],
      [join(tmp, 'c18/pg_dump'), [18, 4]],
      [system.pgDump, system.version],
    ]);
    expect(sel.considered.find((c) => c.path.includes('a16'))?.rejected).toBe('major 16 < server major 18');
  });

  it('keeps search order on equal versions and skips a pg_dump without pg_restore', async () => {
    const lone = await client('lone', '18.9', { restore: false });
    const first = await client('first', '18.2');
    const second = await client('second', '18.2');
    const sel = await selectPgDump({ serverMajor: 18, searchDirs: [lone, first, second] });
    expect(sel.pgDump).toBe(join(first, 'pg_dump'));
    expect(sel.considered[0].rejected).toMatch(/^no runnable pg_restore next to .*lone\/pg_dump/);
  });

  it('reports the newest too-old client when none is new enough', async () => {
    const dirs = [await client('old14', '14.12'), await client('old17', '17.6')];
    const err = await selectPgDump({ serverMajor: 18, serverVersion: '18.1', searchDirs: dirs }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `pg_dump 17.6 cannot back up a PostgreSQL 18.1 server: pg_dump must be version 18 or newer (newest found: ${join(tmp, 'old17/pg_dump')}; searched ${dirs.join(', ')})`,
    );
  });

  it('searches PATH and then /usr/lib/postgresql/*/bin by default', async () => {
    const onPath = await client('onpath', '18.3');
    const sel = await selectPgDump({ serverMajor: 18, envPath: onPath });
    expect(sel.pgDump).toBe(join(onPath, 'pg_dump'));
    const seen = sel.considered.map((c) => c.path);
    const r = await runProcess('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin/pg_dump 2>/dev/null || true'], { cwd: tmp });
    for (const p of r.stdout.split('\n').filter(Boolean)) expect(seen).toContain(p);
  });
});
