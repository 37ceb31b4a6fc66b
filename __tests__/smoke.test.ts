import { describe, it, expect, afterEach } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { usePostgres, tables, query } from './helpers/pg.js';
import { runCli, project, migration } from './helpers/cli.js';
import { VERSION } from '../src/version.js';

const server = usePostgres();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('db-migrate end to end (in-process CLI, real PostgreSQL)', () => {
  it('applies, reports and rolls back a migration', async () => {
    const url = await server().createDatabase();
    const p = await project({ 'db/migrations/20240101000000_users.sql': migration('create table users (id int);', 'drop table users;') });
    cleanups.push(p.cleanup);
    const env = { DATABASE_URL: url };

    const up = await runCli(['--no-dump-schema', 'up'], { env, cwd: p.dir });
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/^Applying: 20240101000000_users\.sql\nApplied: 20240101000000_users\.sql in [0-9.]+(µs|ms|s)\n$/);
    expect(await tables(url)).toEqual(['schema_migrations', 'schema_migrations_history', 'users']);
    expect(await query(url, 'select version from schema_migrations')).toEqual([{ version: '20240101000000' }]);

    const status = await runCli(['status'], { env, cwd: p.dir });
    expect(status).toEqual({ code: 0, stdout: '[X] 20240101000000_users.sql\n\nApplied: 1\nPending: 0\n', stderr: '' });

    const down = await runCli(['--no-dump-schema', 'rollback'], { env, cwd: p.dir });
    expect(down.code).toBe(0);
    expect(await tables(url)).toEqual(['schema_migrations', 'schema_migrations_history']);
    const history = await query<{ direction: string; outcome: string }>(url, 'select direction, outcome from schema_migrations_history order by id');
    expect(history).toEqual([
      { direction: 'up', outcome: 'applied' },
      { direction: 'down', outcome: 'rolled-back' },
    ]);
  });

  it('plan and rollback --dry-run print the exact SQL and change nothing', async () => {
    const url = await server().createDatabase();
    const p = await project({
      'db/migrations/20240101000000_users.sql': migration('create table users (id int);', 'drop table users;'),
      'db/migrations/20240102000000_idx.sql': migration('create index concurrently if not exists users_id on users (id);', 'drop index concurrently users_id;', {
        upOptions: 'transaction:false',
        downOptions: 'transaction:false',
      }),
    });
    cleanups.push(p.cleanup);
    const env = { DATABASE_URL: url };

    const plan = await runCli(['plan'], { env, cwd: p.dir });
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toBe(
      'Plan: 2 pending migration(s); 0 already applied (dry run, nothing changed)\n' +
        '\n=== db/migrations/20240101000000_users.sql (version 20240101000000, one transaction)\n' +
        '-- migrate:up\ncreate table users (id int);\n\n' +
        '\n=== db/migrations/20240102000000_idx.sql (version 20240102000000, transaction:false: statements run one by one, not atomic)\n' +
        '-- migrate:up transaction:false\ncreate index concurrently if not exists users_id on users (id);\n\n' +
        '\nThe migrations table does not exist yet; `up` will create it.\n',
    );
    expect(await tables(url)).toEqual([]);

    expect((await runCli(['--no-dump-schema', 'up'], { env, cwd: p.dir })).code).toBe(0);
    const dry = await runCli(['rollback', '--dry-run'], { env, cwd: p.dir });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(
      'Rollback plan: 1 migration(s), newest first (dry run, nothing changed)\n' +
        '\n=== db/migrations/20240102000000_idx.sql (version 20240102000000, transaction:false: statements run one by one, not atomic)\n' +
        '-- migrate:down transaction:false\ndrop index concurrently users_id;\n',
    );
    expect(await query(url, 'select version from schema_migrations order by 1')).toEqual([{ version: '20240101000000' }, { version: '20240102000000' }]);
    expect(await query(url, "select indexname from pg_indexes where indexname = 'users_id'")).toEqual([{ indexname: 'users_id' }]);
  });

  it('keeps src/version.ts equal to package.json', () => {
    expect(VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});
