/**
 * Issue 18: the edited-file check reads only the history rows of the applied files, through an
 * index the history table gets when it is created and that an older table gets on its next run.
 * Real PostgreSQL; behaviour is asserted, never a query plan.
 */
import { describe, it, expect, afterAll } from '@jest/globals';
import { usePostgres, query, withClient } from './helpers/pg.js';
import { project, migration } from './helpers/cli.js';
import { engineConfig } from './helpers/engine.js';
import { Migrator } from '../src/engine/migrator.js';
import { appliedChecksums, historyDdl, historyName } from '../src/engine/history.js';
import { checksumOf } from '../src/engine/parse.js';

const server = usePostgres();
const DIR = 'db/migrations';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const FILES = {
  [`${DIR}/001_a.sql`]: migration('create table a (id int);', 'drop table a;'),
  [`${DIR}/002_b.sql`]: migration('create table b (id int);', 'drop table b;'),
};
const NAME = historyName({ schema: 'public', table: 'schema_migrations', quoted: 'public.schema_migrations', quotedSchema: 'public' }, 'schema_migrations_history');

/** Definitions of the history table's indexes other than its primary key. */
const indexes = async (url: string) =>
  (
    await query<{ def: string }>(
      url,
      `select pg_get_indexdef(indexrelid) as def from pg_index where indrelid = 'public.schema_migrations_history'::regclass and not indisprimary order by 1`,
    )
  ).map((r) => r.def);

const CHECKSUM_INDEX =
  "CREATE INDEX schema_migrations_history_version_id_idx ON public.schema_migrations_history USING btree (version, id) WHERE ((direction = 'up'::text) AND (outcome = ANY (ARRAY['applied'::text, 'baselined'::text])) AND (checksum IS NOT NULL))";

/** The history table as versions before this index created it. */
const OLDER_DDL = `create table schema_migrations (version varchar primary key);
create table schema_migrations_history (
  id bigint generated always as identity primary key, version varchar not null,
  direction text not null check (direction in ('up', 'down')),
  outcome text not null check (outcome in ('applied', 'failed', 'rolled_back', 'verified', 'cancelled', 'baselined')),
  file_name text, checksum text, started_at timestamptz not null, finished_at timestamptz not null,
  duration_ms double precision not null, environment text, actor text, git_sha text, run_id text,
  run_url text, tool_version text, sqlstate text, error text, invocation_id text, run_status text, run_duration_ms double precision)`;

async function setup() {
  const url = await server().createDatabase();
  const p = await project(FILES);
  cleanups.push(() => p.cleanup());
  return { url, p, migrator: () => new Migrator(engineConfig(url, p.dir)) };
}

describe('the history index behind the edited-file check', () => {
  it('a new history table has it from its first run, once however many runs follow, and edits are still found', async () => {
    const { url, p, migrator } = await setup();
    await migrator().up();
    expect(await indexes(url)).toEqual([CHECKSUM_INDEX]);
    await migrator().up();
    await migrator().rollback();
    await migrator().up();
    expect(await indexes(url)).toEqual([CHECKSUM_INDEX]);
    expect((await migrator().status()).edited).toEqual([]);
    await p.write({ [`${DIR}/002_b.sql`]: migration('create table b (id int, x int);', 'drop table b;') });
    expect((await migrator().status()).edited).toEqual(['002']);
  });

  it('an older history table gets it on the next up, keeping its rows, and the last successful up decides', async () => {
    const { url, p, migrator } = await setup();
    const now = checksumOf(Buffer.from(FILES[`${DIR}/001_a.sql`]));
    await withClient(url, async (c) => {
      await c.query(OLDER_DDL);
      await c.query('create table a (id int)');
      await c.query(`insert into schema_migrations values ('001')`);
      // An old apply with other bytes, then a rollback, then the apply of today's bytes, then a failed retry.
      await c.query(
        `insert into schema_migrations_history (version, direction, outcome, checksum, started_at, finished_at, duration_ms)
         select v, d, o, s, now(), now(), 1 from (values ('001', 'up', 'applied', 'old'), ('001', 'down', 'rolled_back', 'old'),
           ('001', 'up', 'applied', $1), ('001', 'up', 'failed', 'other')) x(v, d, o, s)`,
        [now],
      );
    });
    expect(await indexes(url)).toEqual([]);
    expect((await migrator().status()).edited).toEqual([]);
    // status never changes the database, so the index comes with the next command that writes.
    expect(await indexes(url)).toEqual([]);
    const r = await migrator().up();
    expect([r.error, r.pending]).toEqual([undefined, []]);
    expect(await indexes(url)).toEqual([CHECKSUM_INDEX]);
    expect(await query(url, 'select count(*)::int as n from schema_migrations_history')).toEqual([{ n: 5 }]);
    await p.write({ [`${DIR}/001_a.sql`]: migration('create table a (id bigint);', 'drop table a;') });
    expect((await migrator().status()).edited).toEqual(['001']);
  });

  it('an index of that definition under another name counts: it is not built twice', async () => {
    const { url, migrator } = await setup();
    await withClient(url, async (c) => {
      await c.query(OLDER_DDL);
      await c.query(`create index mine on schema_migrations_history (version, id) where direction = 'up' and outcome in ('applied', 'baselined') and checksum is not null`);
    });
    await migrator().up();
    expect(await indexes(url)).toEqual([CHECKSUM_INDEX.replace('schema_migrations_history_version_id_idx', 'mine')]);
  });

  it('looking versions up one by one and one pass over the index give the same checksums', async () => {
    const url = await server().createDatabase();
    await withClient(url, async (c) => {
      await c.query(historyDdl(NAME));
      // 300 versions: some with several ups, some with only a failure, a rollback after the last apply, a null checksum.
      await c.query(`insert into schema_migrations_history (version, direction, outcome, checksum, started_at, finished_at, duration_ms)
        select lpad(v::text, 3, '0'), d, o, s, now(), now(), 1 from generate_series(1, 300) v,
        lateral (values ('up', case when v % 7 = 0 then 'failed' else 'applied' end, 'first' || v),
                        ('down', 'rolled-back', 'first' || v),
                        ('up', case when v % 5 = 0 then 'applied' else 'failed' end, case when v % 11 = 0 then null else 'second' || v end),
                        ('up', case when v % 13 = 0 then 'baselined' else 'failed' end, 'third' || v)) x(d, o, s)`);
      const asked = Array.from({ length: 150 }, (_, i) => String(2 * i + 1).padStart(3, '0')).concat(['999']);
      const expected = new Map<string, string>();
      for (const v of asked.map(Number).filter((v) => v <= 300)) {
        const sum = v % 13 === 0 ? `third${v}` : v % 5 === 0 && v % 11 !== 0 ? `second${v}` : v % 7 !== 0 ? `first${v}` : undefined;
        if (sum) expected.set(String(v).padStart(3, '0'), sum);
      }
      const sorted = (m: Map<string, string>) => [...m].sort(([a], [b]) => a.localeCompare(b));
      const conn = c as never;
      expect(sorted(await appliedChecksums(conn, NAME, asked, asked.length))).toEqual(sorted(expected));
      expect(sorted(await appliedChecksums(conn, NAME, asked, 0))).toEqual(sorted(expected));
      expect(await appliedChecksums(conn, NAME, [])).toEqual(new Map());
    });
  });
});
