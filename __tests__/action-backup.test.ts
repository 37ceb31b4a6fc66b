/**
 * The backup before migrating, in the action: the action pipeline with the real Migrator against a
 * PostgreSQL 15 server and the system pg_dump 15. A production `up` backs the database up under
 * the advisory lock before the first migration; the archive restores into a new database as the
 * database was before the run. Other environments, `backup: never`, and runs with nothing to
 * apply take none; a dry run says what it would do and writes nothing.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { usePostgres, query, tables } from './helpers/pg.js';
import { project, migration, runProcess } from './helpers/cli.js';
import { actionSettings, recordingLog } from './helpers/action.js';
import { backupPort } from '../src/action/real-ports.js';
import { type BackupPort } from '../src/action/ports.js';
import { runPipeline } from '../src/action/pipeline.js';
import { migratorConfig } from '../src/action/real-ports.js';
import { actionOutputs } from '../src/action/outputs.js';
import type { ActionSettings } from '../src/action/settings.js';
import { renderSummary } from '../src/action/summary.js';
import { wrapShell } from '../src/text/markdown.js';
import { Migrator } from '../src/engine/migrator.js';

const server = usePostgres({ version: 15 });
const DIR = 'db/migrations';
const temps: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

const FILES = {
  '1_items.sql': migration("create table items (id int primary key, name text not null);\ninsert into items values (1, 'one'), (2, 'two');", 'drop table items;'),
  '2_price.sql': migration("alter table items add column price numeric(8,2) not null default 0;\nupdate items set name = upper(name);\ndelete from items where id = 2;", 'alter table items drop column price;'),
};

let workspace = '';

beforeAll(async () => {
  const p = await project(Object.fromEntries(Object.entries(FILES).map(([n, b]) => [`${DIR}/${n}`, b])));
  cleanups.push(p.cleanup);
  workspace = p.dir;
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'dbm-action-backup-'));
  temps.push(d);
  return d;
}

/** Settings as getSettings() builds them for this server; each call gets its own backup-dir. */
async function settingsFor(url: string, over: Partial<ActionSettings> = {}): Promise<ActionSettings> {
  return actionSettings(url, workspace, {
    environment: 'production',
    environmentInput: 'production',
    environmentPrefix: 'PRODUCTION',
    backup: 'auto',
    backupDir: join(await tempDir(), 'db-backups'),
    // These migrations update every row on purpose; lint in preflight is tested in action-lint.test.ts.
    lintFailOn: 'none',
    ...over,
  });
}

async function pipeline(s: ActionSettings, backup?: (port: BackupPort) => BackupPort) {
  const log = recordingLog();
  const port = backupPort(s, log);
  const run = await runPipeline(s, { migrator: new Migrator(migratorConfig(s, log)), log, backup: backup ? backup(port) : port });
  return { run, log };
}

/** A database at version 1 with two rows: the state a production `up` of version 2 starts from. */
async function atVersion1(): Promise<string> {
  const url = await server().createDatabase();
  const first = await pipeline(await settingsFor(url, { environment: 'staging', steps: 1 }));
  expect(first.run.status).toBe('success');
  return url;
}

const files = async (dir: string) => readdir(dir).catch(() => [] as string[]);
const ITEMS = async (url: string) => query(url, 'select * from items order by id');

describe('backup before migrating (PostgreSQL 15, system pg_dump 15)', () => {
  it('production up takes a verified 0600 backup under the lock; restoring it gives the database as before the run', async () => {
    const url = await atVersion1();
    const before = await ITEMS(url);
    expect(before).toEqual([{ id: 1, name: 'one' }, { id: 2, name: 'two' }]);
    const s = await settingsFor(url);

    // While the archive is written, this run holds the advisory lock: no other run can slip in.
    let locksDuringBackup: unknown[] = [];
    const { run, log } = await pipeline(s, (port) => ({
      ...port,
      take: async (sel, current) => {
        locksDuringBackup = await query(url, "select locktype, granted from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())");
        return port.take(sel, current);
      },
    }));
    expect(locksDuringBackup).toEqual([{ locktype: 'advisory', granted: true }]);

    expect(run.status).toBe('success');
    expect(run.applied).toEqual(['2']);
    const b = run.backup!;
    expect(b).toMatchObject({ outcome: 'taken', reason: 'backup: auto, environment production', pgDump: '/usr/bin/pg_dump', dir: s.backupDir });
    expect(b.pgDumpVersion).toMatch(/^15\.\d+$/);
    expect(b.serverVersion).toMatch(/^15\.\d+$/);
    expect(run.backupPath).toBe(b.path);
    expect(actionOutputs(run)['backup-path']).toBe(b.path);

    // Named after the environment and the version it was taken at; private; what the report says.
    expect(b.path!.startsWith(`${s.backupDir}/production-`)).toBe(true);
    expect(b.path).toMatch(/-v1\.dump$/);
    const st = await stat(b.path!);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.size).toBe(b.bytes);
    expect(b.entries).toBeGreaterThan(0);
    expect(b.sha256).toMatch(/^[0-9a-f]{64}$/);

    // The migration ran after the backup: the live database has changed.
    expect(await ITEMS(url)).toEqual([{ id: 1, name: 'ONE', price: '0.00' }]);
    const order = log.lines.filter((l) => /^info (Backup \(|Backup written|Applying: )/.test(l)).map((l) => l.split(':')[0]);
    expect(order).toEqual(['info Backup (backup', 'info Backup written and verified (pg_restore --list', 'info Applying']);

    // The restore command as the summary prints it (wrapped to fit GitHub's column), run as printed
    // (password from PGPASSWORD), rebuilds version 1.
    const summary = renderSummary(run);
    expect(summary).toContain('### 💾 Backup');
    expect(summary).toContain(`- **Path:** \`${b.path}\` (mode 0600)`);
    const printed = /```sh\n([\s\S]*?)\n```/.exec(summary)![1]!;
    expect(printed).toBe(wrapShell(b.restoreCommand!));
    expect(b.restoreCommand).not.toContain(server().password);
    const restored = await runProcess('sh', ['-c', printed], { cwd: workspace, env: { PGPASSWORD: server().password } });
    expect(restored).toMatchObject({ code: 0 });
    const restoredUrl = server().url(b.restoreDatabase!);
    try {
      expect(await ITEMS(restoredUrl)).toEqual(before);
      expect(await query(restoredUrl, 'select version from schema_migrations order by 1')).toEqual([{ version: '1' }]);
    } finally {
      await server().dropDatabase(b.restoreDatabase!);
    }
  });

  it('backup: never in production, and auto on staging, take none', async () => {
    for (const over of [{ backup: 'never' as const }, { environment: 'staging' }]) {
      const url = await atVersion1();
      const s = await settingsFor(url, over);
      const { run, log } = await pipeline(s);
      expect(run.status).toBe('success');
      expect(run.backup?.outcome).toBe('not-taken');
      expect(run.backupPath).toBeUndefined();
      expect(actionOutputs(run)['backup-path']).toBe('');
      expect(await files(s.backupDir)).toEqual([]);
      expect(log.lines).toContain(`info No backup: ${run.backup!.reason}`);
      expect(renderSummary(run)).toContain(` · **Backup:** not taken (${run.backup!.reason}) · `);
    }
  });

  it('backup: always backs up staging too', async () => {
    const url = await atVersion1();
    const s = await settingsFor(url, { environment: 'staging', backup: 'always' });
    const { run } = await pipeline(s);
    expect(run.backup).toMatchObject({ outcome: 'taken', reason: 'backup: always' });
    expect(await files(s.backupDir)).toEqual([run.backupPath!.split('/').pop()]);
  });

  it('nothing pending: no backup', async () => {
    const url = await atVersion1();
    await pipeline(await settingsFor(url, { environment: 'staging' }));
    const s = await settingsFor(url);
    const { run } = await pipeline(s);
    expect(run.status).toBe('nothing-to-do');
    expect(run.backup).toEqual({ outcome: 'not-taken', reason: 'nothing to apply (backup: auto, environment production)' });
    expect(await files(s.backupDir)).toEqual([]);
  });

  it('dry run: names the pg_dump it would use, writes no file and changes nothing', async () => {
    const url = await atVersion1();
    const s = await settingsFor(url, { dryRun: true });
    const { run } = await pipeline(s);
    expect(run.status).toBe('dry-run');
    expect(run.backup).toMatchObject({ outcome: 'would-take', pgDump: '/usr/bin/pg_dump' });
    expect(run.notes.find((n) => n.startsWith('A backup would be taken'))).toMatch(
      /^A backup would be taken before migrating \(backup: auto, environment production\) with pg_dump 15\.\d+ \(\/usr\/bin\/pg_dump\) for the PostgreSQL 15\.\d+ server, into .*; this dry run took none\.$/,
    );
    // Said once, by the note: the facts line does not repeat it.
    const md = renderSummary(run);
    expect(md).toMatch(/\n- A backup would be taken before migrating \(backup: auto, environment production\) with pg_dump 15\.\d+ /);
    expect(md).not.toContain('**Backup:**');
    expect(await files(s.backupDir)).toEqual([]);
    expect(await query(url, 'select version from schema_migrations order by 1')).toEqual([{ version: '1' }]);
  });

  it('command rollback in production backs up before rolling back', async () => {
    const url = await atVersion1();
    const s = await settingsFor(url, { command: 'rollback' });
    const { run } = await pipeline(s);
    expect(run.status).toBe('success');
    expect(run.rolledBack).toEqual(['1']);
    expect(run.backup).toMatchObject({ outcome: 'taken' });
    expect(run.backupPath).toMatch(/-v1\.dump$/);
    expect(await tables(url)).toEqual(['schema_migrations', 'schema_migrations_history']);
  });

  it('a backup that fails (backup-dir under a file) stops the run before the ledger is touched', async () => {
    const url = await server().createDatabase();
    const file = join(await tempDir(), 'a-file');
    await writeFile(file, '');
    const s = await settingsFor(url, { backupDir: join(file, 'db-backups') });
    const { run } = await pipeline(s);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('BACKUP_FAILED');
    expect(run.error?.message).toMatch(/^backup before migrating failed, so nothing was applied: cannot create backup directory \/.*\/a-file\/db-backups: ENOTDIR/);
    expect(run.applied).toEqual([]);
    expect(run.pending).toEqual(['1', '2']);
    expect(await tables(url)).toEqual([]); // not even the ledger table
    expect(renderSummary(run)).toMatch(/^## ❌ Backup failed on production: nothing was applied\n/);
  });
});
