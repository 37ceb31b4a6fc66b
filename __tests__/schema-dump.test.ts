/**
 * The engine's schema file (`db/schema.sql`) on a real PostgreSQL 15 with the system pg_dump 15:
 * written only after a run that succeeded (never after a failed up or rollback), and pg_dump
 * given the password through PGPASSWORD, never on its command line.
 */
import { describe, it, expect, beforeAll, afterEach } from '@jest/globals';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineConfig } from './helpers/engine.js';
import { usePostgres, query } from './helpers/pg.js';
import { project, migration } from './helpers/cli.js';
import { Migrator, type MigratorConfig } from '../src/engine/migrator.js';
import { choosePgDump } from '../src/engine/pg-tools.js';
import { parseDatabaseUrl } from '../src/engine/url.js';

const server = usePostgres({ version: 15 });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const DIR = 'db/migrations';
const SCHEMA = 'db/schema.sql';
/** What a schema file holds before a run that must not touch it: no dump looks like this. */
const SENTINEL = '-- the schema file as committed before this run\n';
const TRAILER = '\n--\n-- Dbmate schema migrations\n--\n\n';

/** A fresh database and project; `migrator` has the schema dump on, as the CLI's default. */
async function setup(files: Record<string, string>, over: Partial<MigratorConfig> = {}) {
  const url = await server().createDatabase();
  const p = await project(Object.fromEntries(Object.entries(files).map(([name, body]) => [`${DIR}/${name}`, body])));
  cleanups.push(p.cleanup);
  const schemaPath = join(p.dir, SCHEMA);
  return {
    url,
    schemaPath,
    migrator: (more: Partial<MigratorConfig> = {}) => new Migrator(engineConfig(url, p.dir, { migrationsDirs: [DIR], dumpSchema: true, ...over, ...more })),
    write: (name: string, body: string) => p.write({ [`${DIR}/${name}`]: body }),
    schema: () => readFile(schemaPath, 'utf8'),
    setSchema: (text: string) => writeFile(schemaPath, text),
  };
}

const GOOD = migration('create table a (id int);', 'drop table a;');

describe('the schema file after up and rollback', () => {
  it('a failed up neither creates nor rewrites it; a successful one writes it', async () => {
    const s = await setup({ '1_a.sql': GOOD, '2_b.sql': migration('create table b (id int);\nselect * from no_such_table;', 'drop table b;') });

    const failed = await s.migrator().up();
    expect(failed.error).toMatchObject({ failure: expect.objectContaining({ sqlstate: '42P01' }) });
    // 1_a was applied before 2_b failed, so a dump would have had something to write.
    expect(failed.steps.map((st) => `${st.version} ${st.outcome}`)).toEqual(['1 applied', '2 failed']);
    expect(failed.schemaFile).toBeUndefined();
    expect(existsSync(s.schemaPath)).toBe(false);

    await s.setSchema(SENTINEL);
    const again = await s.migrator().up();
    expect(again.error).toBeDefined();
    expect(await s.schema()).toBe(SENTINEL);

    // Control: the same project, fixed, writes the file.
    await s.write('2_b.sql', migration('create table b (id int);', 'drop table b;'));
    const ok = await s.migrator().up();
    expect(ok.error).toBeUndefined();
    expect(ok.schemaFile).toBe(SCHEMA);
    const text = await s.schema();
    expect(text).toContain('CREATE TABLE public.b');
    expect(text.endsWith(`${TRAILER}INSERT INTO public.schema_migrations (version) VALUES\n    ('1'),\n    ('2');\n`)).toBe(true);
  });

  it('a failed rollback leaves it as it was; a successful one rewrites it', async () => {
    const s = await setup({ '1_a.sql': GOOD, '2_b.sql': migration('create table b (id int);', 'drop table no_such_table;') });
    expect((await s.migrator().up()).schemaFile).toBe(SCHEMA);
    expect(await s.schema()).toContain("    ('2');\n");

    await s.setSchema(SENTINEL);
    const failed = await s.migrator().rollback();
    expect(failed.error).toMatchObject({ failure: expect.objectContaining({ sqlstate: '42P01', direction: 'down' }) });
    expect(failed.schemaFile).toBeUndefined();
    expect(await s.schema()).toBe(SENTINEL);

    // Control: with a down that works, the rollback rewrites the file without version 2.
    await s.write('2_b.sql', migration('create table b (id int);', 'drop table b;'));
    const ok = await s.migrator().rollback();
    expect(ok.error).toBeUndefined();
    expect(ok.schemaFile).toBe(SCHEMA);
    const text = await s.schema();
    expect(text).not.toContain('public.b');
    expect(text.endsWith(`${TRAILER}INSERT INTO public.schema_migrations (version) VALUES\n    ('1');\n`)).toBe(true);
  });
});

describe('pg_dump for the schema file', () => {
  const ROLE = 'schema_dump_canary';
  const PASSWORD = 'Dump-Canary/7q#x';
  let realPgDump = '';

  beforeAll(async () => {
    await query(server().adminUrl, `drop role if exists ${ROLE}; create role ${ROLE} login superuser password '${PASSWORD}'`);
    const choice = await choosePgDump({ policy: 'same-major', serverMajor: 15 });
    if (!('found' in choice)) throw new Error(`no pg_dump 15 for this test: ${choice.refusal.message}`);
    realPgDump = choice.found.pgDump;
  });

  /** A stand-in pg_dump that appends its argv and the PGPASSWORD it got to a log, then runs the real one. */
  async function recordingPgDump(): Promise<{ path: string; calls: () => Promise<{ args: string[]; pgpassword: string | undefined }[]> }> {
    const dir = await mkdtemp(join(tmpdir(), 'dbm-pgdump-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const log = join(dir, 'calls.log');
    const path = join(dir, 'pg_dump');
    // One call per line: tab-separated argv, then a tab and `env:` with PGPASSWORD (or `unset:`).
    const script = [
      '#!/bin/sh',
      `{ for a in "$@"; do printf '%s\\t' "$a"; done; if [ -n "\${PGPASSWORD+x}" ]; then printf 'env:%s\\n' "$PGPASSWORD"; else printf 'unset:\\n'; fi; } >> '${log}'`,
      `exec '${realPgDump}' "$@"`,
      '',
    ].join('\n');
    await writeFile(path, script);
    await chmod(path, 0o755);
    const calls = async () =>
      (await readFile(log, 'utf8'))
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          const parts = l.split('\t');
          const last = parts.pop()!;
          return { args: parts, pgpassword: last.startsWith('env:') ? last.slice(4) : undefined };
        });
    return { path, calls };
  }

  it('gets the password through PGPASSWORD and never in argv, after up and from dump()', async () => {
    expect(process.env.PGPASSWORD).toBeUndefined(); // so what the stand-in sees came from the engine
    const s = await setup({ '1_a.sql': GOOD });
    const u = new URL(s.url);
    u.username = ROLE;
    u.password = PASSWORD; // the setter percent-encodes `/` and `#`
    const pgDump = await recordingPgDump();
    const m = s.migrator({ target: parseDatabaseUrl(u.toString()), pgDump: pgDump.path });

    const up = await m.up();
    expect(up.error).toBeUndefined();
    expect(up.schemaFile).toBe(SCHEMA);
    expect(await m.dump()).toBe(SCHEMA);
    expect(await s.schema()).toContain('CREATE TABLE public.a');

    const calls = await pgDump.calls();
    const dumps = calls.filter((c) => c.args.includes('--schema-only'));
    expect(dumps).toHaveLength(2); // the one after up, the one of dump()
    for (const c of dumps) {
      expect(c.pgpassword).toBe(PASSWORD);
      expect(c.args.at(-1)).toBe(`postgres://${ROLE}@127.0.0.1:${u.port}${u.pathname}?sslmode=disable`);
    }
    for (const c of calls) {
      const argv = c.args.join(' ');
      expect(argv).not.toContain(PASSWORD);
      expect(argv).not.toContain(encodeURIComponent(PASSWORD));
      expect(argv).not.toContain('Dump-Canary');
    }
  });
});
