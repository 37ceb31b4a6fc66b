import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { usePostgres, query, tables } from './helpers/pg.js';
import { project, migration, ROOT } from './helpers/cli.js';
import { annotations } from './helpers/action.js';
import { RULE_IDS } from '../src/lint/index.js';
import { runAction, ACTION_BUNDLE, type ActionRunResult } from '../scripts/action-runner.mjs';

/**
 * The bundled action (`dist/index.js`, or a private build named by DB_MIGRATE_ACTION) run as a
 * runner runs it: INPUT_* variables, GITHUB_OUTPUT/GITHUB_STEP_SUMMARY files, real PostgreSQL.
 */
const server = usePostgres();

// Canaries: every run uses a URL with this password and gets this token. Neither may appear in
// anything a user sees; only the `::add-mask::` commands, which the runner consumes, carry them.
const PASSWORD = `Canary/p@ss?w0rd#${randomBytes(4).toString('hex')}`;
const TOKEN = `ghs_canary${randomBytes(8).toString('hex')}`;
const ROLE = `canary_${process.pid}`;
const transcripts: ActionRunResult[] = [];

// A frozen copy of the first three example migrations: db/migrations grows with the docs' example app.
const FIXTURE = join(ROOT, '__tests__/fixtures/e2e-migrations');
const EXAMPLE = Object.fromEntries(readdirSync(FIXTURE).map((f) => [`db/migrations/${f}`, readFileSync(join(FIXTURE, f), 'utf8')]));
const [V1, V2, V3] = ['20240101120000', '20240102120000', '20240103120000'];

let exampleProject: Awaited<ReturnType<typeof project>>;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  await query(server().adminUrl, `create role "${ROLE}" login superuser password '${PASSWORD.replace(/'/g, "''")}'`);
  exampleProject = await project(EXAMPLE);
  cleanups.push(exampleProject.cleanup);
});
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** URL of database `db` as the canary role, password percent-encoded as users must write it. */
function canaryUrl(db: string): string {
  const u = new URL(server().adminUrl);
  return `postgres://${ROLE}:${encodeURIComponent(PASSWORD)}@${u.host}/${db}?sslmode=disable`;
}

/** Not a lint finding (lint in preflight annotates the example's down sections; action-lint.test.ts tests those). */
const notLint = (annotation: string) => !RULE_IDS.some((id) => annotation.includes(`title=${id},`));

async function freshDb(): Promise<{ name: string; url: string; admin: string }> {
  const admin = await server().createDatabase();
  const name = decodeURIComponent(new URL(admin).pathname.slice(1));
  return { name, url: canaryUrl(name), admin };
}

/**
 * One step. The failure issue is off unless a test asks for it: the token is a canary and no
 * GitHub API is listening here (action-issue.test.ts has the fake API for that).
 */
async function step(inputs: Record<string, string>, opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<ActionRunResult> {
  // Lint in preflight would stop the deliberately bad migrations here; action-lint.test.ts tests it.
  const r = await runAction({ 'create-issue-on-failure': 'false', 'lint-fail-on': 'none', ...inputs }, { cwd: opts.cwd ?? exampleProject.dir, bundle: ACTION_BUNDLE, token: TOKEN, env: opts.env });
  transcripts.push(r);
  return r;
}

/**
 * Everything a dry run could conceivably change, read from the catalogs (no pg_dump): all
 * relations of all schemas with their kind, schemas, counts of columns, constraints, functions
 * and types, the ledger's rows, and (on our own server) the next transaction id, which moves
 * whenever anything anywhere writes.
 */
async function catalog(url: string): Promise<unknown> {
  const rels = await query<{ r: string }>(url, "select n.nspname || '.' || c.relname || ':' || c.relkind::text as r from pg_class c join pg_namespace n on n.oid = c.relnamespace order by 1");
  const schemas = await query<{ n: string }>(url, 'select nspname as n from pg_namespace order by 1');
  const counts = await query(
    url,
    'select (select count(*) from pg_attribute) as attrs, (select count(*) from pg_constraint) as cons, (select count(*) from pg_proc) as procs, (select count(*) from pg_type) as types, (select count(*) from pg_index) as idx',
  );
  const ledger = (await tables(url)).includes('schema_migrations') ? await query(url, 'select version from schema_migrations order by 1') : null;
  const history = (await tables(url)).includes('schema_migrations_history') ? await query(url, 'select count(*)::int as n from schema_migrations_history') : null;
  const xid = server().kind === 'embedded' ? await query(url, 'select pg_snapshot_xmax(pg_current_snapshot())::text as next_xid') : null;
  return { rels: rels.map((r) => r.r), schemas: schemas.map((s) => s.n), counts, ledger, history, xid };
}

describe(`the bundled action (${ACTION_BUNDLE}) on real PostgreSQL`, () => {
  it('dry-run with every command changes nothing, not even the ledger tables', async () => {
    const db = await freshDb();
    const before = await catalog(db.admin);

    const t0 = Date.now();
    const dry = await step({ command: 'up', 'dry-run': 'true', environment: 'staging', 'database-url': db.url });
    const wallMs = Date.now() - t0;
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.outputs).toMatchObject({ status: 'dry-run', applied: '[]', 'rolled-back': '[]', pending: JSON.stringify([V1, V2, V3]), 'current-version': '', 'backup-path': '', 'issue-url': '' });
    // Whole milliseconds, measured inside the step, so within the wall time of the whole process.
    expect(dry.outputs['duration-ms']).toMatch(/^\d+$/);
    expect(Number(dry.outputs['duration-ms'])).toBeLessThanOrEqual(wallMs);
    const report = JSON.parse(dry.outputs.report);
    expect(report).toMatchObject({ schemaVersion: 2, status: 'dry-run', command: 'up', dryRun: true, environment: 'staging' });
    expect(report.rows.map((r: { status: string; transaction: boolean }) => [r.status, r.transaction])).toEqual([
      ['would-apply', true],
      ['would-apply', true],
      ['would-apply', false],
    ]);
    expect(dry.summary).toMatch(/^## 🔍 Dry run on staging: nothing was changed\n/);
    expect(dry.summary).toContain(`| \`${V3}\` | \`db/migrations/${V3}_index_orders_user_id.sql\` | 🔍 would apply | transaction:false |`);
    expect(dry.summary).toContain('create index concurrently if not exists orders_user_id_idx on orders (user_id);');
    expect(dry.stdout).toContain(`Would apply db/migrations/${V1}_create_users.sql (in one transaction):`);

    const dryRuns: Record<string, string>[] = [{ command: 'plan' }, { command: 'status', 'dry-run': 'true' }, { command: 'rollback', 'dry-run': 'true' }, { command: 'up', 'dry-run': 'true', steps: '1' }];
    for (const inputs of dryRuns) {
      const r = await step({ ...inputs, environment: 'staging', 'database-url': db.url });
      // Nothing is applied yet, so a real rollback would fail, and its dry run says so by failing.
      const fails = inputs.command === 'rollback';
      expect([inputs, r.code, r.outputs.status]).toEqual([inputs, fails ? 1 : 0, fails ? 'failed' : 'dry-run']);
      if (fails) expect(r.stdout).toMatch(/^::error::rollback would fail: no migrations have been applied/m);
    }

    expect(await catalog(db.admin)).toEqual(before);
    expect(await tables(db.admin)).toEqual([]);
  });

  it('up, status, rollback and up with steps: outputs, summary and database state', async () => {
    const db = await freshDb();
    const up = await step({ command: 'up', environment: 'staging', 'database-url': db.url });
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.outputs).toMatchObject({ status: 'success', applied: JSON.stringify([V1, V2, V3]), 'rolled-back': '[]', pending: '[]', 'current-version': V3 });
    expect(up.summary).toMatch(/^## ✅ Migrations applied on staging\n/);
    expect(up.summary).toMatch(new RegExp(`\\| \`${V1}\` \\| \`db/migrations/${V1}_create_users.sql\` \\| ✅ applied \\| \\d+ ms \\|`));
    expect(up.summary).toContain('**Totals:** 3 applied');
    expect(up.summary).toContain(`\`127.0.0.1:${server().port}/${db.name}\` as \`${ROLE}\``);
    expect(annotations(up.stdout, 'error')).toEqual([]);
    expect(await tables(db.admin)).toEqual(['orders', 'schema_migrations', 'schema_migrations_history', 'users']);
    expect(await query(db.admin, 'select environment, actor, git_sha from schema_migrations_history order by id limit 1')).toEqual([
      { environment: 'staging', actor: 'octocat', git_sha: '0123456789abcdef0123456789abcdef01234567' },
    ]);
    const report = JSON.parse(up.outputs.report);
    expect(report.rows.map((r: { version: string; status: string }) => `${r.version}:${r.status}`)).toEqual([`${V1}:applied`, `${V2}:applied`, `${V3}:applied`]);
    expect(report.durationMs).toBe(Number(up.outputs['duration-ms']));

    const again = await step({ command: 'up', environment: 'staging', 'database-url': db.url });
    expect([again.code, again.outputs.status, again.outputs.applied]).toEqual([0, 'nothing-to-do', '[]']);
    expect(again.summary).toMatch(/^## ✅ staging: already up to date\n/);

    const status = await step({ command: 'status', environment: 'staging', 'database-url': db.url });
    expect([status.code, status.outputs.status, status.outputs.pending, status.outputs['current-version']]).toEqual([0, 'success', '[]', V3]);
    expect(status.summary).toContain(`### Status\n\n| Version | File | Status |\n|---|---|---|\n| \`${V1}\` | \`db/migrations/${V1}_create_users.sql\` | ✅ applied |`);

    const down = await step({ command: 'rollback', steps: '2', environment: 'staging', 'database-url': db.url });
    expect(down.code).toBe(0);
    expect(down.outputs).toMatchObject({ status: 'success', applied: '[]', 'rolled-back': JSON.stringify([V3, V2]), pending: JSON.stringify([V2, V3]), 'current-version': V1 });
    expect(down.summary).toContain('↩️ rolled back');
    expect(await tables(db.admin)).toEqual(['schema_migrations', 'schema_migrations_history', 'users']);

    const one = await step({ command: 'up', steps: '1', environment: 'staging', 'database-url': db.url });
    expect(one.outputs).toMatchObject({ status: 'success', applied: JSON.stringify([V2]), pending: JSON.stringify([V3]), 'current-version': V2 });
    expect(one.summary).toContain(`| \`${V3}\` | \`db/migrations/${V3}_index_orders_user_id.sql\` | ⏳ pending |`);

    // Dry runs on a migrated database leave it exactly as it was, ledger and history included.
    const before = await catalog(db.admin);
    const plan = await step({ command: 'rollback', 'dry-run': 'true', steps: '2', environment: 'staging', 'database-url': db.url });
    expect(plan.outputs.status).toBe('dry-run');
    expect(JSON.parse(plan.outputs.report).rows.map((r: { version: string; status: string }) => `${r.version}:${r.status}`)).toEqual([`${V2}:would-roll-back`, `${V1}:would-roll-back`]);
    expect(plan.summary).toContain('drop table orders;');
    await step({ command: 'up', 'dry-run': 'true', environment: 'staging', 'database-url': db.url });
    expect(await catalog(db.admin)).toEqual(before);
  });

  it('a failing migration with rollback-on-failure false: exit 1, status failed, an annotation on the failing line, and what remains applied', async () => {
    const p = await project({
      'db/migrations/1_ok.sql': migration('create table ok1 (id int);', 'drop table ok1;'),
      'db/migrations/2_bad.sql': '-- migrate:up\ncreate table t1 (id int);\n\nselect * from   nonexistent_table;\n\n-- migrate:down\ndrop table t1;\n',
    });
    cleanups.push(p.cleanup);
    const db = await freshDb();
    const r = await step({ command: 'up', environment: 'staging', 'database-url': db.url, 'rollback-on-failure': 'false' }, { cwd: p.dir });
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({ status: 'failed', applied: '["1"]', 'rolled-back': '[]', pending: '["2"]', 'current-version': '1' });
    const errors = annotations(r.stdout, 'error');
    expect(errors[0]).toMatch(/^::error title=Migration 2 failed,file=db\/migrations\/2_bad\.sql,line=4,col=\d+::db\/migrations\/2_bad\.sql:4:\d+: .*relation "nonexistent_table" does not exist/);
    expect(errors).toHaveLength(2); // the annotation on the file, and setFailed's
    expect(r.summary).toMatch(/^## ❌ Migration failed on staging\n/);
    expect(r.summary).toMatch(/In `db\/migrations\/2_bad\.sql:4:\d+` \(SQLSTATE `42P01`\):/);
    expect(r.summary).toContain('| `2` | `db/migrations/2_bad.sql` | ❌ failed |');
    expect(r.summary).toContain('rollback-on-failure is false: the 1 migration(s) this run applied remain applied: 1');
    expect(r.summary).not.toContain('not implemented');
    expect(annotations(r.stdout, 'warning').filter((w) => !w.includes('rollback-on-failure is false')).filter(notLint)).toEqual([]);
    const report = JSON.parse(r.outputs.report);
    expect(report.error).toMatchObject({ file: 'db/migrations/2_bad.sql', line: 4, sqlstate: '42P01', version: '2' });
    expect(await tables(db.admin)).toEqual(['ok1', 'schema_migrations', 'schema_migrations_history']);
  });

  it('automatic rollback: the third of three migrations fails, the first two are rolled back and the database is as before', async () => {
    const p = await project({
      'db/migrations/1_users.sql': migration('create table users (id int primary key);', 'drop table users;'),
      'db/migrations/2_orders.sql': migration('create table orders (id int, user_id int references users);', 'drop table orders;'),
      'db/migrations/3_bad.sql': migration('create table t3 (id int);\nselect * from nonexistent_table;', 'drop table t3;'),
    });
    cleanups.push(p.cleanup);
    const db = await freshDb();
    const before = await catalog(db.admin);
    const r = await step({ command: 'up', environment: 'production', backup: 'never', 'database-url': db.url }, { cwd: p.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({ status: 'rolled-back', applied: '["1","2"]', 'rolled-back': '["2","1"]', pending: '["1","2","3"]', 'current-version': '' });
    const errors = annotations(r.stdout, 'error');
    expect(errors[0]).toMatch(/^::error title=Migration 3 failed,file=db\/migrations\/3_bad\.sql,line=3,col=\d+::/);
    expect(r.stdout).toContain('Rolling back 2 migration(s) (migration 3 failed): 2, 1');
    expect(r.summary).toMatch(/^## ↩️ Migration failed on production and was rolled back\n/);
    expect(r.summary).toContain('### ↩️ Automatic rollback\n\n- **Why:** migration 3 failed\n- **Rolled back** (newest first): `2`, `1`\n- **Still applied from this run:** none\n- **Current version now:** none applied\n');
    expect(r.summary).toContain('**Totals:** 2 applied · 2 rolled back · 1 failed');
    expect(r.summary).not.toMatch(/rollback-on-failure is not implemented|health checks are not implemented/);
    const report = JSON.parse(r.outputs.report);
    expect(report.rollback).toEqual({ reason: 'migration 3 failed', requested: ['2', '1'], rolledBack: ['2', '1'], remaining: [] });
    expect(await query(db.admin, 'select version, direction, outcome from schema_migrations_history order by id')).toEqual([
      { version: '1', direction: 'up', outcome: 'applied' },
      { version: '2', direction: 'up', outcome: 'applied' },
      { version: '3', direction: 'up', outcome: 'failed' },
      { version: '2', direction: 'down', outcome: 'rolled-back' },
      { version: '1', direction: 'down', outcome: 'rolled-back' },
    ]);
    // Back to the start: the public schema holds only the bookkeeping tables the run created (empty ledger, audit rows).
    const after = (await catalog(db.admin)) as { rels: string[]; ledger: unknown };
    const publicRels = (c: { rels: string[] }) => c.rels.filter((x) => x.startsWith('public.') && !x.startsWith('public.schema_migrations'));
    expect(publicRels(after)).toEqual(publicRels(before as { rels: string[] }));
    expect(publicRels(after)).toEqual([]);
    expect(after.ledger).toEqual([]);
  });

  it('a health check that fails after up rolls the run back (health-check-sql)', async () => {
    const db = await freshDb();
    const r = await step({ command: 'up', environment: 'staging', 'database-url': db.url, 'health-check-sql': 'select count(*) > 0 from users' });
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({ status: 'rolled-back', applied: JSON.stringify([V1, V2, V3]), 'rolled-back': JSON.stringify([V3, V2, V1]), pending: JSON.stringify([V1, V2, V3]) });
    expect(r.summary).toMatch(/^## ↩️ Health checks failed on staging: this run's migrations were rolled back\n/);
    expect(r.summary).toContain('| SQL (`health-check-sql`) | ❌ failed | select count(*) > 0 from users: returned false in its first column, expected true |');
    expect(r.stdout).toContain('::error::health check failed after migrating: sql: select count(*) > 0 from users: returned false in its first column, expected true');
    expect(await tables(db.admin)).toEqual(['schema_migrations', 'schema_migrations_history']);
  });

  it('invalid inputs: exit 1 with a message naming the input, every output set, nothing touched', async () => {
    const db = await freshDb();
    const r = await step({ command: 'up', steps: '-1', backup: 'sometimes', environment: 'staging', 'database-url': db.url });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("::error::invalid inputs:%0A  - input 'steps': got '-1'; expected a whole number of migrations, 1 or more");
    expect(r.stdout).toContain("input 'backup': got 'sometimes'; expected one of auto, always, never");
    expect(r.outputs).toMatchObject({ status: 'failed', applied: '[]', 'rolled-back': '[]', pending: '[]', 'current-version': '', 'backup-path': '', 'issue-url': '' });
    expect(JSON.parse(r.outputs.report).error.code).toBe('INPUT_INVALID');
    expect(r.summary).toMatch(/^## ❌ Invalid action inputs: nothing ran\n/);
    expect(await tables(db.admin)).toEqual([]);

    // lint needs no database: with a URL set it still touches nothing.
    const lint = await step({ command: 'lint', environment: 'staging', 'database-url': db.url });
    expect(lint.outputs.status).toBe('success');
    expect(await tables(db.admin)).toEqual([]);
  });

  it('finds the URL in <ENV>_DATABASE_URL and in .env.dbmate, and masks it there too', async () => {
    const staging = await freshDb();
    const r = await step({ command: 'up', environment: 'staging' }, { env: { STAGING_DATABASE_URL: staging.url, DATABASE_URL: 'postgres://wrong:wrong@unused.invalid/x' } });
    expect([r.code, r.outputs.status]).toEqual([0, 'success']);
    expect(r.summary).toContain('(URL from `STAGING_DATABASE_URL`)');

    const dev = await freshDb();
    const p = await project({ ...EXAMPLE, '.env.dbmate': `# local settings\nDEV_DATABASE_URL="${dev.url}"\n` });
    cleanups.push(p.cleanup);
    const d = await step({ command: 'status', environment: 'dev' }, { cwd: p.dir });
    expect([d.code, d.outputs.status, d.outputs.pending]).toEqual([0, 'success', JSON.stringify([V1, V2, V3])]);
    expect(JSON.parse(d.outputs.report)).toMatchObject({ environment: 'development', urlSource: 'DEV_DATABASE_URL' });
  });

  it('creates a missing database outside production, never in production; production backs up first, and fails before migrating without a pg_dump for the server', async () => {
    const name = `created_${process.pid}_${randomBytes(3).toString('hex')}`;
    const created = await step({ command: 'up', environment: 'staging', 'database-url': canaryUrl(name) });
    expect([created.code, created.outputs.status]).toEqual([0, 'success']);
    expect(await tables(server().url(name))).toContain('users');
    await server().dropDatabase(name);

    const missing = `missing_${process.pid}_${randomBytes(3).toString('hex')}`;
    // A dry run on a missing database shows what up would do (and creates nothing).
    const plan = await step({ command: 'up', 'dry-run': 'true', environment: 'staging', 'database-url': canaryUrl(missing) });
    expect([plan.code, plan.outputs.status, plan.outputs.pending]).toEqual([0, 'dry-run', JSON.stringify([V1, V2, V3])]);
    expect(plan.summary).toContain(`Database ${missing} does not exist: \`up\` would create it, then apply every migration.`);
    const prod = await step({ command: 'up', environment: 'production', 'database-url': canaryUrl(missing) });
    expect(prod.code).toBe(1);
    expect(prod.outputs.status).toBe('failed');
    expect(prod.stdout).toContain(`database "${missing}" does not exist`);
    const exists = await query(server().adminUrl, 'select 1 from pg_database where datname = $1', [missing]);
    expect(exists).toEqual([]);

    // This server is PostgreSQL 18 and the machine's pg_dump is 15: the production backup cannot be
    // taken, so the run stops before migrating (action-backup*.test.ts cover backups in depth).
    const db = await freshDb();
    const blocked = await step({ command: 'up', environment: 'production', 'database-url': db.url });
    expect([blocked.code, blocked.outputs.status, blocked.outputs['backup-path'], blocked.outputs.applied]).toEqual([1, 'failed', '', '[]']);
    expect(blocked.stdout).toMatch(/::error::backup before migrating failed, so nothing was applied: pg_dump 15\.\d+ cannot back up a PostgreSQL 18\.\d+ server: pg_dump must be version 18 or newer/);
    expect(blocked.summary).toMatch(/^## ❌ Backup failed on production: nothing was applied\n/);
    expect(await tables(db.admin)).toEqual([]);

    const ok = await step({ command: 'up', environment: 'production', backup: 'never', 'database-url': db.url });
    expect([ok.code, ok.outputs.status, ok.outputs['backup-path']]).toEqual([0, 'success', '']);
    expect(annotations(ok.stdout, 'warning').filter(notLint)).toEqual([]);
    expect(ok.summary).toContain(' · **Backup:** not taken (backup: never) · ');
  });

  it('never shows the password or the token: not in stdout, stderr, the summary or the outputs', () => {
    expect(transcripts.length).toBeGreaterThan(10);
    const forms = [PASSWORD, encodeURIComponent(PASSWORD), TOKEN];
    let masked = 0;
    for (const t of transcripts) {
      // The runner consumes ::add-mask:: commands (they carry the secret by design) and never shows them.
      const visibleStdout = t.stdout
        .split('\n')
        .filter((l) => {
          if (!l.startsWith('::add-mask::')) return true;
          masked++;
          return false;
        })
        .join('\n');
      for (const text of [visibleStdout, t.stderr, t.summary, t.outputFile]) {
        for (const f of forms) expect(text.includes(f) ? `leaked ${f === TOKEN ? 'token' : 'password'} in: ${text.slice(0, 200)}` : 'clean').toBe('clean');
      }
    }
    expect(masked).toBeGreaterThan(0);
    const all = transcripts.map((t) => t.stdout).join('\n');
    expect(all).toContain(`::add-mask::${PASSWORD}`);
    expect(all).toContain(`::add-mask::${TOKEN}`);
  });
});
