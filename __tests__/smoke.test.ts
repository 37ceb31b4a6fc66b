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
      { direction: 'down', outcome: 'rolled_back' },
    ]);
  });

  it('keeps src/version.ts equal to package.json', () => {
    expect(VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});
