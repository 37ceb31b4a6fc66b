/**
 * checkDrift on its own, on real PostgreSQL: the live schema against the committed schema file.
 * A PostgreSQL 15 server (the system pg_dump is 15) for the comparisons, and a PostgreSQL 18
 * server for the case where no pg_dump of the server's major is installed.
 */
import { describe, it, expect, afterAll } from '@jest/globals';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { usePostgres, query } from './helpers/pg.js';
import { project, migration } from './helpers/cli.js';
import { engineConfig } from './helpers/engine.js';
import { Migrator } from '../src/engine/migrator.js';
import { parseDatabaseUrl } from '../src/engine/url.js';
import { checkDrift, readCommittedSchema } from '../src/safety/drift.js';

const pg15 = usePostgres({ version: 15 });
const pg18 = usePostgres({ version: 18 });
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const FILES = {
  'db/migrations/001_users.sql': migration('create table users (id bigint primary key, email text not null);', 'drop table users;'),
};

/** A migrated database whose schema file was written by the engine, as a deploy commits it. */
async function deployed() {
  const url = await pg15().createDatabase();
  const p = await project(FILES);
  cleanups.push(() => p.cleanup());
  await new Migrator(engineConfig(url, p.dir, { dumpSchema: true })).up();
  return { url, dir: p.dir };
}

const drift = (url: string, committed: string | undefined, over: { pgDumpPath?: string; schemaFile?: string } = {}) =>
  checkDrift({
    target: parseDatabaseUrl(url),
    schemaFile: over.schemaFile ?? 'db/schema.sql',
    committed,
    migrationsTable: 'schema_migrations',
    historyTable: 'schema_migrations_history',
    ...(over.pgDumpPath !== undefined ? { pgDumpPath: over.pgDumpPath } : {}),
  });

/** A stand-in pg_dump that only answers `--version`. */
async function fakePgDump(dir: string, version: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'pg_dump');
  await writeFile(path, `#!/bin/sh\necho "pg_dump (PostgreSQL) ${version}"\n`);
  await chmod(path, 0o755);
  return path;
}

describe('checkDrift', () => {
  it('is clean when the live schema matches the committed file', async () => {
    const { url, dir } = await deployed();
    const committed = await readCommittedSchema('db/schema.sql', dir);
    expect(committed).toContain('CREATE TABLE public.users');
    expect(await drift(url, committed)).toEqual({ outcome: 'clean', schemaFile: 'db/schema.sql' });
  });

  it('reports an out-of-band ALTER TABLE as drift with a unified diff, committed (-) vs live (+)', async () => {
    const { url, dir } = await deployed();
    const committed = await readCommittedSchema('db/schema.sql', dir);
    await query(url, 'alter table users add column nickname text');
    const r = await drift(url, committed);
    expect(r.outcome).toBe('drift');
    expect(r.diff).toContain('--- db/schema.sql (committed)');
    expect(r.diff).toContain(`+++ ${parseDatabaseUrl(url).database} (live)`);
    expect(r.diff).toMatch(/^\+    nickname text$/m);
    expect(r.reason).toBeUndefined();
  });

  it('skips when there is no committed schema file', async () => {
    const { url, dir } = await deployed();
    const committed = await readCommittedSchema('db/none.sql', dir);
    expect(committed).toBeUndefined();
    expect(await drift(url, committed, { schemaFile: 'db/none.sql' })).toEqual({
      outcome: 'skipped',
      schemaFile: 'db/none.sql',
      reason: 'the schema file db/none.sql does not exist in the repository: nothing to compare with',
    });
  });

  it('skips with an explicit pg_dump of another major version, naming both', async () => {
    const { url, dir } = await deployed();
    const committed = await readCommittedSchema('db/schema.sql', dir);
    const pgDump = await fakePgDump(join(dir, 'bin14'), '14.11');
    const r = await drift(url, committed, { pgDumpPath: pgDump });
    expect(r.outcome).toBe('skipped');
    expect(r.reason).toBe(
      `${pgDump} is version 14 but the server is PostgreSQL 15: a dump by another major version would differ from the schema file for that reason alone; use a pg_dump of the server's major version (pg-dump-path)`,
    );
  });

  it("passes over a pg_dump of another major first on PATH and finds one of the server's major", async () => {
    const { url, dir } = await deployed();
    const committed = await readCommittedSchema('db/schema.sql', dir);
    const other = join(dir, 'bin17');
    await fakePgDump(other, '17.2');
    const saved = process.env.PATH;
    process.env.PATH = `${other}:${saved ?? ''}`;
    try {
      expect(await drift(url, committed)).toEqual({ outcome: 'clean', schemaFile: 'db/schema.sql' });
    } finally {
      process.env.PATH = saved;
    }
  });

  it("skips, naming the major needed, when no pg_dump of the server's major is installed", async () => {
    const url = await pg18().createDatabase();
    const r = await drift(url, 'CREATE TABLE public.users ();\n');
    expect(r.outcome).toBe('skipped');
    expect(r.reason).toMatch(/^no pg_dump of major version 18 found to dump the live schema of a PostgreSQL 18\.\d+ server \(newest found: pg_dump \d+\.\d+ at \S+/);
    expect(r.reason).toContain('a dump by another major version would differ from the schema file for that reason alone');
  });
});
