/**
 * `command: baseline` of the action, through the real pipeline and engine on a real PostgreSQL:
 * the ledger and history rows it writes (and, in a dry run or a refusal, does not), its outputs
 * and its job summary; then `up` applies only the later migrations. The missing input goes
 * through getSettings and the action's entry point, as a runner would run it.
 */
import { describe, it, expect, jest, afterEach } from '@jest/globals';
import type * as Core from '@actions/core';
import { usePostgres, query } from './helpers/pg.js';
import { project, migration } from './helpers/cli.js';
import { actionSettings, recordingLog } from './helpers/action.js';
import { inputVariable } from '../scripts/action-runner.mjs';
import type { ActionSettings } from '../src/action/settings.js';

const actual = await import('@actions/core');
const setFailed = jest.fn<typeof Core.setFailed>();
const setOutput = jest.fn<typeof Core.setOutput>();
const summaryText: string[] = [];
const summary = {
  addRaw(text: string) {
    summaryText.push(text);
    return summary;
  },
  async write() {
    return summary;
  },
};
jest.unstable_mockModule('@actions/core', () => ({
  ...actual,
  setSecret: jest.fn(),
  setFailed,
  setOutput,
  info: jest.fn(),
  warning: jest.fn(),
  debug: jest.fn(),
  error: jest.fn(),
  notice: jest.fn(),
  group: async <T>(_name: string, fn: () => Promise<T>) => fn(),
  summary,
}));
const { runPipeline } = await import('../src/action/pipeline.js');
const { migratorConfig } = await import('../src/action/real-ports.js');
const { actionOutputs } = await import('../src/action/outputs.js');
const { renderSummary } = await import('../src/action/summary.js');
const { Migrator } = await import('../src/engine/migrator.js');
const { run } = await import('../src/main.js');

const server = usePostgres();
const cleanups: (() => Promise<void>)[] = [];
const saved = { ...process.env };
afterEach(async () => {
  process.env = { ...saved };
  while (cleanups.length) await cleanups.pop()!();
});

const DIR = 'db/migrations';
const V1 = '20240101000000';
const V2 = '20240102000000';
const V3 = '20240103000000';
const FILES = {
  [`${DIR}/${V1}_users.sql`]: migration('create table users (id bigint primary key, name text);', 'drop table users;'),
  [`${DIR}/${V2}_email.sql`]: migration('alter table users add column email text;\ncreate index users_email_idx on users (email);', 'alter table users drop column email;'),
  [`${DIR}/${V3}_orders.sql`]: migration('create table orders (id bigint primary key, user_id bigint references users);', 'drop table orders;'),
};
/** V1 and V2's schema as a hand-migrated database has it, with no ledger. */
const EXISTING = 'create table users (id bigint primary key, name text, email text); create index users_email_idx on users (email);';

async function setup(existing = EXISTING) {
  const url = await server().createDatabase();
  if (existing) await query(url, existing);
  const p = await project(FILES);
  cleanups.push(p.cleanup);
  const pipeline = async (over: Partial<ActionSettings>) => {
    const s = actionSettings(url, p.dir, { command: 'baseline', baselineVersion: V2, lintFailOn: 'none', ...over });
    const log = recordingLog();
    const r = await runPipeline(s, { migrator: new Migrator(migratorConfig(s, log)), log });
    return { run: r, log };
  };
  return { url, dir: p.dir, pipeline };
}

const tableNames = async (url: string) =>
  (await query<{ t: string }>(url, "select table_name as t from information_schema.tables where table_schema = 'public' order by 1")).map((r) => r.t);
const ledger = async (url: string) => (await query<{ version: string }>(url, 'select version from schema_migrations order by 1')).map((r) => r.version);
const history = async (url: string) =>
  (await query<{ v: string }>(url, "select version || ' ' || direction || ' ' || outcome || ' ' || file_name || ' ' || environment as v from schema_migrations_history order by id")).map((r) => r.v);

describe('command: baseline', () => {
  it('records the migrations up to baseline-version without running them, says so, and up then applies only the later ones', async () => {
    const { url, pipeline } = await setup();
    const { run: r } = await pipeline({ environment: 'production', environmentInput: 'production', backup: 'always' });
    expect(r.error).toBeUndefined();
    expect(await ledger(url)).toEqual([V1, V2]);
    expect(await history(url)).toEqual([`${V1} up baselined ${V1}_users.sql production`, `${V2} up baselined ${V2}_email.sql production`]);
    expect(await tableNames(url)).toEqual(['schema_migrations', 'schema_migrations_history', 'users']);

    const out = actionOutputs(r);
    expect({ status: out.status, applied: out.applied, pending: out.pending, current: out['current-version'], backup: out['backup-path'], rolledBack: out['rolled-back'] }).toEqual({
      status: 'success',
      applied: '[]',
      pending: JSON.stringify([V3]),
      current: V2,
      backup: '',
      rolledBack: '[]',
    });
    expect(r.rows.map((x) => `${x.version} ${x.status}`)).toEqual([`${V1} baselined`, `${V2} baselined`, `${V3} pending`]);

    const md = renderSummary(r);
    expect(md).toMatch(/^## 📌 Baseline on production: 2 migrations recorded as applied WITHOUT RUNNING their SQL\n/);
    // Even with backup: always, no pg_dump for ledger rows; the facts line says why.
    expect(md).toContain('**Backup:** not taken (baseline writes only ledger rows, in one transaction, and runs no migration SQL: nothing for a pg_dump to protect)');
    expect(md).toContain(`| \`${V1}\` | \`${DIR}/${V1}_users.sql\` | 📌 recorded as applied, SQL not run |`);
    expect(md).toContain('**Totals:** 2 recorded as applied, SQL not run · 1 pending');
    expect(md).toContain(
      `- 2 migrations up to ${V2} were RECORDED AS APPLIED WITHOUT RUNNING their SQL: the database already had their schema. Each has a \`baselined\` row in the history table. ` +
        '5 table(s), column(s), view(s) and named index(es) they create were found in the database; functions, types, constraints, triggers, grants and unnamed indexes were not checked.',
    );
    expect(md).toContain(`- To undo the baseline, delete its ledger rows: delete from schema_migrations where version in ('${V1}', '${V2}'); (no restore needed: no migration SQL ran).`);
    expect(md).toContain(`- Left for \`up\`, which runs their SQL: ${V3}.`);

    const { run: up } = await pipeline({ command: 'up', baselineVersion: undefined });
    expect(up.status).toBe('success');
    expect(up.applied).toEqual([V3]);
    expect(await ledger(url)).toEqual([V1, V2, V3]);
    expect(await tableNames(url)).toEqual(['orders', 'schema_migrations', 'schema_migrations_history', 'users']);
  });

  it('dry-run: checks and reports, writes nothing (not even the ledger tables)', async () => {
    const { url, pipeline } = await setup();
    const { run: r } = await pipeline({ dryRun: true });
    expect(r.error).toBeUndefined();
    expect(actionOutputs(r)).toMatchObject({ status: 'dry-run', applied: '[]', pending: JSON.stringify([V3]), 'current-version': V2 });
    expect(r.rows.map((x) => `${x.version} ${x.status}`)).toEqual([`${V1} would-baseline`, `${V2} would-baseline`, `${V3} pending`]);
    const md = renderSummary(r);
    expect(md).toMatch(/^## 🔍 Dry run on staging: nothing was changed\n/);
    expect(md).toContain(`- Dry run: 2 migrations up to ${V2} would be RECORDED AS APPLIED WITHOUT RUNNING their SQL; nothing was written.`);
    expect(await tableNames(url)).toEqual(['users']);
  });

  it('refuses when a table is missing: status failed, the engine\'s exact message, nothing written, no issue', async () => {
    const { url, pipeline } = await setup('create table accounts (id int)');
    const { run: r } = await pipeline({ createIssueOnFailure: true });
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('BASELINE_SCHEMA_MISMATCH');
    expect(r.error?.message).toBe(
      `cannot baseline to ${V2}: the database does not match the migrations: table users (created by ${DIR}/${V1}_users.sql), ` +
        `index users_email_idx (created by ${DIR}/${V2}_email.sql) do not exist; nothing was recorded`,
    );
    expect(r.issue).toBeUndefined();
    expect(actionOutputs(r)).toMatchObject({ status: 'failed', applied: '[]', 'issue-url': '' });
    expect(renderSummary(r)).toMatch(/^## ❌ Baseline failed on staging: nothing was recorded\n/);
    expect(await tableNames(url)).toEqual(['accounts']);
  });

  it('a baseline-version that is not a version is refused by the engine\'s one rule, naming the input', async () => {
    const { url, dir } = await setup();
    for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_') || k.endsWith('DATABASE_URL') || k.startsWith('GITHUB_')) delete process.env[k];
    process.env.GITHUB_WORKSPACE = dir;
    process.env[inputVariable('command')] = 'baseline';
    process.env[inputVariable('database-url')] = url;
    process.env[inputVariable('baseline-version')] = 'V2__email';
    await run();
    expect(setFailed.mock.calls.at(-1)![0]).toBe(
      "invalid input 'baseline-version': got 'V2__email'; expected a migration version: the leading digits of its file name, e.g. 20240101000000 " +
        '(required for command baseline: it and every migration before it are recorded as applied without running them)',
    );
    expect(await tableNames(url)).toEqual(['users']);
    // The CLI and the engine refuse it by the same rule.
    const m = new Migrator(migratorConfig(actionSettings(url, dir), recordingLog()));
    await expect(m.baseline({ version: 'V2__email' })).rejects.toThrow('cannot baseline to V2__email: expected a migration version: the leading digits of its file name, e.g. 20240101000000');
  });

  it('without baseline-version: the input is named, status failed, nothing runs', async () => {
    const { url, dir } = await setup();
    for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_') || k.endsWith('DATABASE_URL') || k.startsWith('GITHUB_')) delete process.env[k];
    process.env.GITHUB_WORKSPACE = dir;
    process.env[inputVariable('command')] = 'baseline';
    process.env[inputVariable('database-url')] = url;
    await run();
    expect(setFailed.mock.calls.at(-1)![0]).toBe(
      "invalid input 'baseline-version': got an empty value; expected a migration version: the leading digits of its file name, e.g. 20240101000000 " +
        '(required for command baseline: it and every migration before it are recorded as applied without running them)',
    );
    expect(setOutput).toHaveBeenCalledWith('status', 'failed');
    expect(summaryText.join('')).toContain('Invalid action inputs: nothing ran');
    expect(await tableNames(url)).toEqual(['users']);
  });
});
