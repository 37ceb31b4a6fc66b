/**
 * Standbys (issue 14): a real streaming standby of an embedded PostgreSQL 15. Commands that write
 * are refused there before anything is locked; `status` and dry runs answer from what it has
 * replayed, with a warning that it may lag. And `target_session_attrs`, checked as libpq checks it
 * for one host, against the real primary and standby.
 */
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { usePostgres, query } from './helpers/pg.js';
import { runCli, project, migration, type CliRun } from './helpers/cli.js';
import { startStandby, caughtUp, type EmbeddedHandle, type Standby } from './helpers/standby.js';
import { engineConfig } from './helpers/engine.js';
import { Migrator } from '../src/engine/migrator.js';
import { parseDatabaseUrl, type DatabaseTarget, type TargetSessionAttrs } from '../src/engine/url.js';
import { checkSessionAttrs } from '../src/engine/topology.js';
import type { Logger } from '../src/engine/logger.js';

const server = usePostgres({ version: 15, embedded: true });
const primary = () => server() as EmbeddedHandle;

let standby: Standby;
let db: string;
let dir: string;
let cleanupProject: () => Promise<void>;
beforeAll(async () => {
  const url = await primary().createDatabase();
  db = decodeURIComponent(new URL(url).pathname.slice(1));
  const p = await project({
    'db/migrations/20240101000000_one.sql': migration('create table one (id int);', 'drop table one;'),
    'db/migrations/20240102000000_two.sql': migration('create table two (id int);', 'drop table two;'),
  });
  dir = p.dir;
  cleanupProject = p.cleanup;
  expect((await cli(url, ['up', '--steps', '1'])).code).toBe(0);
  standby = await startStandby(primary());
  // One transaction replayed after the standby started, so it can tell how far behind it is.
  await query(primary().adminUrl, 'create table replayed (id int)');
  await caughtUp(primary(), standby);
}, 50_000);
afterAll(async () => {
  await standby?.stop();
  await cleanupProject?.();
}, 30_000);

function cli(url: string, args: string[]): Promise<CliRun> {
  return runCli(['--url', url, '--no-dump-schema', ...args], { cwd: dir });
}

const refusal = () =>
  `Error: 127.0.0.1:${standby.port} is a standby server in recovery (a read-only replica), where nothing can be migrated: point the database URL at the primary\n`;

/** The ledger as the primary and the standby see it. */
async function ledgers(): Promise<{ primary: string[]; standby: string[] }> {
  const versions = async (url: string) => (await query<{ version: string }>(url, 'select version from schema_migrations order by 1')).map((r) => r.version);
  return { primary: await versions(primary().url(db)), standby: await versions(standby.url(db)) };
}

describe('commands that write are refused on a standby', () => {
  it.each([[['up']], [['migrate']], [['rollback']]])('%j: one sentence naming the host and the fix, exit 2, nothing changed', async (args) => {
    const r = await cli(standby.url(db), args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0] + '\n').toBe(refusal());
    expect(await ledgers()).toEqual({ primary: ['20240101000000'], standby: ['20240101000000'] });
    expect(await query(standby.url(db), "select count(*)::int as n from pg_locks where locktype = 'advisory'")).toEqual([{ n: 0 }]);
  });

  it('up of a database the standby does not have: refused too, instead of trying to create it', async () => {
    const r = await cli(standby.url('nowhere'), ['up']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0] + '\n').toBe(refusal());
  });
});

describe('read-only commands answer from the standby, with a warning that it may lag', () => {
  const lagWarning = /^Warning: 127\.0\.0\.1:\d+ is a standby server in recovery: what it shows may lag behind the primary \(its last replayed transaction committed [0-9.]+ (ms|s|min|h) ago on the primary\)\n$/;

  it('status: dbmate output on stdout, the warning on stderr', async () => {
    const r = await cli(standby.url(db), ['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('[X] 20240101000000_one.sql\n[ ] 20240102000000_two.sql\n\nApplied: 1\nPending: 1\n');
    expect(r.stderr).toMatch(lagWarning);
    expect(r.stderr).toContain(`127.0.0.1:${standby.port} is a standby`);
  });

  it('plan (dry run)', async () => {
    const r = await cli(standby.url(db), ['plan']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Plan: 1 pending migration\(s\); 1 already applied \(dry run, nothing changed\)\n/);
    expect(r.stderr).toMatch(lagWarning);
  });
});

describe('target_session_attrs (libpq, one host)', () => {
  const warnings: string[] = [];
  const log: Logger = { info: () => undefined, warn: (m) => warnings.push(m), debug: () => undefined };
  /** The URL's target with the attribute set, as url.ts will parse it from `?target_session_attrs=`. */
  const withAttrs = (url: string, attrs: TargetSessionAttrs): DatabaseTarget => ({ ...parseDatabaseUrl(url), targetSessionAttrs: attrs });
  const status = (target: DatabaseTarget) => new Migrator(engineConfig(target.raw, dir, { target, log })).status();

  const cases: [TargetSessionAttrs, 'primary' | 'standby', string][] = [
    ['any', 'primary', 'accepted'],
    ['any', 'standby', 'accepted'],
    ['read-write', 'primary', 'accepted'],
    ['read-write', 'standby', 'is read-only (transaction_read_only = on)'],
    ['read-only', 'primary', 'is not read-only (transaction_read_only = off)'],
    ['read-only', 'standby', 'accepted'],
    ['primary', 'primary', 'accepted'],
    ['primary', 'standby', 'is a standby in recovery'],
    ['standby', 'primary', 'is a primary, not in recovery'],
    ['standby', 'standby', 'accepted'],
    ['prefer-standby', 'primary', 'accepted'],
    ['prefer-standby', 'standby', 'accepted'],
  ];
  it.each(cases)('%s on the %s: %s', async (attrs, which, refused) => {
    const url = which === 'primary' ? primary().url(db) : standby.url(db);
    const port = which === 'primary' ? primary().port : standby.port;
    const run = status(withAttrs(url, attrs));
    if (refused === 'accepted') {
      await expect(run).resolves.toMatchObject({ applied: 1, pending: 1 });
    } else {
      await expect(run).rejects.toMatchObject({
        code: 'TARGET_SESSION_ATTRS',
        message: `the database URL asks for target_session_attrs=${attrs}, but 127.0.0.1:${port} ${refused}`,
      });
    }
  });

  it('asking for a standby silences the lag warning; asking for any server does not', async () => {
    warnings.length = 0;
    await status(withAttrs(standby.url(db), 'standby'));
    await status(withAttrs(standby.url(db), 'prefer-standby'));
    expect(warnings).toEqual([]);
    await status(withAttrs(standby.url(db), 'any'));
    expect(warnings).toHaveLength(1);
  });

  it('a primary in default_transaction_read_only is read-only for libpq too (unit)', () => {
    expect(() => checkSessionAttrs('read-write', 'db.example:5432', { inRecovery: false, readOnly: true })).toThrow(
      'the database URL asks for target_session_attrs=read-write, but db.example:5432 is read-only (transaction_read_only = on)',
    );
    expect(() => checkSessionAttrs('primary', 'db.example:5432', { inRecovery: false, readOnly: true })).not.toThrow();
  });
});
