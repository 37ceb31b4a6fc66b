/**
 * `baseline`: adopting a database whose schema exists, on a real PostgreSQL: the engine, the CLI
 * (exact output and exit codes) and the action's `command: baseline` through runPipeline.
 */
import { describe, it, expect, afterEach } from '@jest/globals';
import { usePostgres, query } from './helpers/pg.js';
import { project, migration, runCli } from './helpers/cli.js';
import { engineConfig } from './helpers/engine.js';
import { Migrator, type MigratorConfig } from '../src/engine/migrator.js';
import { MigrationError } from '../src/engine/errors.js';
import { silentLogger } from '../src/engine/logger.js';
import { parseDatabaseUrl } from '../src/engine/url.js';
import { historyDdl, historyName } from '../src/engine/history.js';
import { STORED_STEP_OUTCOMES } from '../src/engine/vocabulary.js';
import { groupRuns } from '../src/metrics/runs.js';

const server = usePostgres();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const DIR = 'db/migrations';
const V1 = '20240101000000';
const V2 = '20240102000000';
const V3 = '20240103000000';

/** Three migrations: users, an email column with its index, then orders (the one left to `up`). */
const FILES: Record<string, string> = {
  [`${V1}_users.sql`]: migration('create table users (id bigint primary key, name text);', 'drop table users;'),
  [`${V2}_email.sql`]: migration('alter table users add column email text;\ncreate index users_email_idx on users (email);', 'alter table users drop column email;'),
  [`${V3}_orders.sql`]: migration('create table orders (id bigint primary key, user_id bigint references users);', 'drop table orders;'),
};

/** The schema of V1 and V2 as an older deployment left it, without a ledger. */
const EXISTING = 'create table users (id bigint primary key, name text, email text); create index users_email_idx on users (email);';

async function setup(files: Record<string, string> = FILES, existing = EXISTING) {
  const url = await server().createDatabase();
  if (existing) await query(url, existing);
  const p = await project(Object.fromEntries(Object.entries(files).map(([name, body]) => [`${DIR}/${name}`, body])));
  cleanups.push(p.cleanup);
  const migrator = (over: Partial<MigratorConfig> = {}) => new Migrator(engineConfig(url, p.dir, over));
  return { url, dir: p.dir, migrator, write: (name: string, body: string) => p.write({ [`${DIR}/${name}`]: body }) };
}

const ledger = async (url: string) => (await query<{ version: string }>(url, 'select version from schema_migrations order by 1')).map((r) => r.version);
const historyRows = async (url: string) =>
  (await query<{ version: string; direction: string; outcome: string; file_name: string }>(url, 'select version, direction, outcome, file_name from schema_migrations_history order by id')).map(
    (r) => `${r.version} ${r.direction} ${r.outcome} ${r.file_name}`,
  );
const tableNames = async (url: string) =>
  (await query<{ t: string }>(url, "select table_name as t from information_schema.tables where table_schema = 'public' order by 1")).map((r) => r.t);

async function rejection(p: Promise<unknown>): Promise<MigrationError> {
  try {
    await p;
  } catch (err) {
    return err as MigrationError;
  }
  throw new Error('expected a rejection');
}

describe('Migrator.baseline', () => {
  it('records exactly the versions up to VERSION, with baselined history rows, and up then applies only the later ones', async () => {
    const { url, migrator } = await setup();
    const r = await migrator().baseline({ version: V2 });
    expect(r.baselined.map((m) => m.version)).toEqual([V1, V2]);
    expect(r.alreadyApplied).toEqual([]);
    expect(r.pending).toEqual([V3]);
    expect(r.currentVersion).toBe(V2);
    expect(r.ledgerCreated).toBe(true);
    // users, its columns id, name, email, and the index.
    expect(r.checkedObjects).toBe(5);
    expect(await ledger(url)).toEqual([V1, V2]);
    expect(await historyRows(url)).toEqual([`${V1} up baselined ${V1}_users.sql`, `${V2} up baselined ${V2}_email.sql`]);

    const up = await migrator().up();
    expect(up.error).toBeUndefined();
    expect(up.steps.map((s) => `${s.version} ${s.outcome}`)).toEqual([`${V3} applied`]);
    expect(await ledger(url)).toEqual([V1, V2, V3]);
    expect(await tableNames(url)).toEqual(['orders', 'schema_migrations', 'schema_migrations_history', 'users']);
  });

  it('runs no SQL: a migration whose SQL would fail is baselined all the same', async () => {
    const { url, migrator } = await setup({
      [`${V1}_users.sql`]: migration("create table users (id bigint primary key);\nselect 1 / 0;\ninsert into nowhere values (1);", 'drop table users;'),
    }, 'create table users (id bigint primary key)');
    const r = await migrator().baseline({ version: V1 });
    expect(r.baselined.map((m) => m.version)).toEqual([V1]);
    expect(await ledger(url)).toEqual([V1]);
    expect(await tableNames(url)).toEqual(['schema_migrations', 'schema_migrations_history', 'users']);
  });

  it('refuses when a table a baselined migration creates is missing, naming the file, and records nothing', async () => {
    const { url, migrator } = await setup(FILES, 'create table accounts (id int)');
    const err = await rejection(migrator().baseline({ version: V2 }));
    expect(err.code).toBe('BASELINE_SCHEMA_MISMATCH');
    expect(err.message).toBe(
      `cannot baseline to ${V2}: the database does not match the migrations: table users (created by ${DIR}/${V1}_users.sql), ` +
        `index users_email_idx (created by ${DIR}/${V2}_email.sql) do not exist; nothing was recorded`,
    );
    expect(err.hint).toBe(
      'baseline records migrations as applied without running them, so what they create must already be there: ' +
        'check that the URL names the database to adopt, baseline an earlier version, or create the missing objects first',
    );
    expect(await tableNames(url)).toEqual(['accounts']);
  });

  it('refuses when only a column is missing', async () => {
    const { url, migrator } = await setup(FILES, 'create table users (id bigint primary key, name text); create index users_email_idx on users (name);');
    const err = await rejection(migrator().baseline({ version: V2 }));
    expect(err.message).toBe(
      `cannot baseline to ${V2}: the database does not match the migrations: column users.email (created by ${DIR}/${V2}_email.sql) does not exist; nothing was recorded`,
    );
    expect(await tableNames(url)).toEqual(['users']);
  });

  it('follows drops and renames of later baselined files: a table dropped again is not expected', async () => {
    const { url, migrator } = await setup({
      [`${V1}_a.sql`]: migration('create table tmp_a (id int); create table keep (id int, old_name text);'),
      [`${V2}_b.sql`]: migration('drop table tmp_a; alter table keep rename column old_name to new_name; alter table keep rename to kept;'),
    }, 'create table kept (id int, new_name text)');
    const r = await migrator().baseline({ version: V2 });
    expect(r.baselined.map((m) => m.version)).toEqual([V1, V2]);
    expect(await ledger(url)).toEqual([V1, V2]);
  });

  it('refuses in a database with no tables at all: that is a job for up', async () => {
    const { url, migrator } = await setup(FILES, '');
    const err = await rejection(migrator().baseline({ version: V1 }));
    expect(err.code).toBe('BASELINE_EMPTY_DATABASE');
    expect(err.message).toBe(`cannot baseline to ${V1}: the database has no tables, so there is nothing to adopt; nothing was recorded`);
    expect(err.hint).toBe('run `up` to apply the migrations instead (baseline is for a database whose schema already exists)');
    expect(await tableNames(url)).toEqual([]);
  });

  it('a version that is no file\'s version is refused before connecting, naming the nearest versions', async () => {
    const { migrator } = await setup();
    const err = await rejection(migrator({ target: parseDatabaseUrl('postgres://u@127.0.0.1:1/x') }).baseline({ version: '20240101120000' }));
    expect(err.code).toBe('BASELINE_VERSION_UNKNOWN');
    expect(err.message).toBe(
      `cannot baseline to 20240101120000: no migration file has this version; nearest: ${V1} (${DIR}/${V1}_users.sql), ${V2} (${DIR}/${V2}_email.sql)`,
    );
    expect(err.hint).toBe('give the version of a migration file (the leading digits of its name); `status` lists them');
  });

  it('skips and reports versions the ledger already has', async () => {
    const { url, migrator } = await setup();
    await query(url, `create table schema_migrations (version varchar primary key); insert into schema_migrations values ('${V1}')`);
    const r = await migrator().baseline({ version: V2 });
    expect(r.alreadyApplied.map((m) => m.version)).toEqual([V1]);
    expect(r.baselined.map((m) => m.version)).toEqual([V2]);
    expect(r.ledgerCreated).toBe(false);
    expect(await ledger(url)).toEqual([V1, V2]);
    expect(await historyRows(url)).toEqual([`${V2} up baselined ${V2}_email.sql`]);
    // Again: nothing left to record, nothing written.
    const again = await migrator().baseline({ version: V2 });
    expect(again.baselined).toEqual([]);
    expect(again.alreadyApplied.map((m) => m.version)).toEqual([V1, V2]);
    expect(await historyRows(url)).toEqual([`${V2} up baselined ${V2}_email.sql`]);
  });

  it('dry run changes nothing, not even the tables, and says what it would record', async () => {
    const { url, migrator } = await setup();
    const lines: string[] = [];
    const log = { ...silentLogger, info: (m: string) => void lines.push(m) };
    const r = await migrator({ log }).baseline({ version: V2, dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.baselined.map((m) => m.version)).toEqual([V1, V2]);
    expect(r.ledgerCreated).toBe(true);
    expect(lines).toEqual([`Would baseline: ${V1}_users.sql`, `Would baseline: ${V2}_email.sql`]);
    expect(await tableNames(url)).toEqual(['users']);
    // The dry run refuses as the real one does.
    const { migrator: m2 } = await setup(FILES, 'create table accounts (id int)');
    expect((await rejection(m2().baseline({ version: V1, dryRun: true }))).code).toBe('BASELINE_SCHEMA_MISMATCH');
  });

  it('an edited baselined file is flagged as edited, as an applied one is', async () => {
    const { url, migrator, write } = await setup();
    await migrator().baseline({ version: V1 });
    await write(`${V1}_users.sql`, migration('create table users (id bigint primary key, name text, extra int);', 'drop table users;'));
    expect((await migrator().status()).edited).toEqual([V1]);
    expect(await ledger(url)).toEqual([V1]);
  });
});

describe('history outcome baselined', () => {
  it('an older history table is upgraded to accept baselined and keeps accepting every older word', async () => {
    const url = await server().createDatabase();
    const name = historyName({ schema: 'public', table: 'schema_migrations', quoted: 'public.schema_migrations', quotedSchema: 'public' }, 'schema_migrations_history');
    const old = STORED_STEP_OUTCOMES.filter((o) => o !== 'baselined');
    await query(url, historyDdl(name).split(';\ndo $db_migrate$')[0].replace(/outcome in \([^)]*\)/, `outcome in (${old.map((o) => `'${o}'`).join(', ')})`));
    await query(url, historyDdl(name));
    for (const o of STORED_STEP_OUTCOMES) {
      await query(url, `insert into schema_migrations_history (version, direction, outcome, started_at, finished_at, duration_ms) values ('1', 'up', $1, now(), now(), 0)`, [o]);
    }
    expect((await query<{ n: number }>(url, 'select count(*)::int as n from schema_migrations_history'))[0].n).toBe(STORED_STEP_OUTCOMES.length);
  });

  it('reports do not count baselined rows as runs', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const row = (id: number, outcome: string, inv: string) => ({
      id, version: V1, direction: 'up' as const, outcome, fileName: 'f', checksum: 'c', startedAt: at, finishedAt: at, durationMs: 1, environment: 'production',
      actor: null, gitSha: null, runId: null, runUrl: null, toolVersion: null, sqlstate: null, error: null, invocationId: inv, runStatus: null, runDurationMs: null,
    });
    const runs = groupRuns([row(1, 'baselined', 'a'), row(2, 'baselined', 'a'), row(3, 'applied', 'b')] as never);
    expect(runs.map((r) => r.applied)).toEqual([[V1]]);
  });
});

describe('db-migrate baseline', () => {
  it('records, prints one line per version and a closing line, exit 0; up then applies the rest', async () => {
    const { url, dir } = await setup();
    const env = { DATABASE_URL: url };
    const r = await runCli(['--no-dump-schema', 'baseline', V2], { env, cwd: dir });
    expect(r).toEqual({
      code: 0,
      stdout:
        `Baselined: ${V1}_users.sql\nBaselined: ${V2}_email.sql\n` +
        `Baseline: 2 migration(s) up to ${V2} recorded as applied without running their SQL (5 object(s) they create found in the database); 1 pending for \`up\`\n`,
      stderr: '',
    });
    const again = await runCli(['--no-dump-schema', 'baseline', V2], { env, cwd: dir });
    expect(again).toEqual({
      code: 0,
      stdout: `Already applied: ${V1}_users.sql\nAlready applied: ${V2}_email.sql\nNothing to baseline: every migration up to ${V2} is already applied; 1 pending for \`up\`\n`,
      stderr: '',
    });
    const status = await runCli(['status'], { env, cwd: dir });
    expect(status.stdout).toBe(`[X] ${V1}_users.sql\n[X] ${V2}_email.sql\n[ ] ${V3}_orders.sql\n\nApplied: 2\nPending: 1\n`);
  });

  it('--dry-run and --json: nothing changes, the document says what would be recorded', async () => {
    const { url, dir } = await setup();
    const env = { DATABASE_URL: url };
    const dry = await runCli(['baseline', '--dry-run', V1], { env, cwd: dir });
    expect(dry).toEqual({
      code: 0,
      stdout:
        `Would baseline: ${V1}_users.sql\n` +
        `Baseline (dry run, nothing changed): 1 migration(s) up to ${V1} would be recorded as applied without running their SQL (3 object(s) they create found in the database); 2 pending for \`up\`\n`,
      stderr: '',
    });
    const json = await runCli(['--json', 'baseline', '--dry-run', V1], { env, cwd: dir });
    expect(json.code).toBe(0);
    expect(json.stderr).toBe(`Would baseline: ${V1}_users.sql\n`);
    const doc = JSON.parse(json.stdout) as Record<string, unknown>;
    expect({ ...doc, durationMs: 0 }).toEqual({
      command: 'baseline',
      status: 'dry-run',
      version: V1,
      baselined: [{ version: V1, file: `${DIR}/${V1}_users.sql` }],
      alreadyApplied: [],
      checkedObjects: 3,
      unchecked: [],
      pending: [V2, V3],
      currentVersion: V1,
      ledgerCreated: true,
      schemaFile: null,
      durationMs: 0,
    });
    expect(await tableNames(url)).toEqual(['users']);
  });

  it('refusals: exit 2 with the message on stderr and nothing recorded', async () => {
    const { url, dir } = await setup(FILES, 'create table accounts (id int)');
    const env = { DATABASE_URL: url };
    const mismatch = await runCli(['baseline', V1], { env, cwd: dir });
    expect(mismatch.code).toBe(2);
    expect(mismatch.stdout).toBe('');
    expect(mismatch.stderr.split('\n')[0]).toBe(
      `Error: cannot baseline to ${V1}: the database does not match the migrations: table users (created by ${DIR}/${V1}_users.sql) does not exist; nothing was recorded`,
    );
    const unknown = await runCli(['baseline', '99'], { env, cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe(`Error: cannot baseline to 99: no migration file has this version; nearest: ${V3} (${DIR}/${V3}_orders.sql)`);
    const missing = await runCli(['baseline'], { env, cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr.split('\n')[0]).toBe('Error: please specify the version to baseline to');
    expect(await tableNames(url)).toEqual(['accounts']);
  });
});
