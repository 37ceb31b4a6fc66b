import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { usePostgres, query } from './helpers/pg.js';
import { runCli, runCliBundle, project, migration } from './helpers/cli.js';
import { historyDdl, historyName } from '../src/engine/history.js';
import { computeReport, distribution } from '../src/metrics/report.js';
import { parseSince } from '../src/metrics/since.js';
import { duration as humanDuration } from '../src/text/units.js';
import { collectRecentRuns } from '../src/metrics/collect.js';
import { parseDatabaseUrl } from '../src/engine/url.js';

const server = usePostgres();

/** The history table of 0.1.0 as first released (no invocation_id, three outcomes). */
const LEGACY_DDL = `create table schema_migrations_history (
  id bigint generated always as identity primary key,
  version varchar not null,
  direction text not null check (direction in ('up', 'down')),
  outcome text not null check (outcome in ('applied', 'failed', 'rolled_back')),
  file_name text, checksum text,
  started_at timestamptz not null, finished_at timestamptz not null, duration_ms double precision not null,
  environment text, actor text, git_sha text, run_id text, run_url text, tool_version text, sqlstate text, error text)`;

const T0 = Date.parse('2026-11-01T00:00:00Z');
const MIN = 60_000;

interface Seed {
  inv: string | null;
  env: string | null;
  version: string;
  dir?: 'up' | 'down';
  /** `rolled_back` as older versions wrote it (kept in upgraded tables), `rolled-back` as written now. */
  outcome: 'applied' | 'failed' | 'rolled_back' | 'rolled-back' | 'verified';
  /** Start, ms after T0. */
  at: number;
  ms: number;
  runId?: string;
  error?: string;
  sqlstate?: string;
  checksum?: string;
}

/**
 * The seeded history. Staging, hand-computed:
 *   R1 t=0      up v1 (0..100) v2 (100..300)                         success      run 300 ms
 *   R2 t=60m    up v3 (0..400), v4 failed (400..450), down v3 (..480) rolled-back  run 480 ms  ← incident 1 opens at 60m+480
 *   R3 t=120m   up v4 failed (0..70)                                  failed       run 70 ms
 *   R4 t=180m   up v4 (0..1000)                                       success      run 1000 ms ← incident 1 closes at 180m+1000
 *   R5 t=240m   up v5 (0..300), down v5 (300..320)                    rolled-back  run 320 ms  ← incident 2 opens at 240m+320
 *   R6 t=300m   down v4 (0..40)                                       success      run 40 ms   ← incident 2 closes at 300m+40 (kind rollback)
 *   R7 t=360m   up v4 (0..900), v5 (900..1500)                        success      run 1500 ms
 * R2 and R6 hold the legacy word `rolled_back`, R5 the current one: read alike.
 * success rate 4/7; migration durations 100 200 300 400 600 900 1000 → p50 (rank 4) 400, p95 (rank 7) 1000;
 * run durations 40 70 300 320 480 1000 1500 → p50 320, p95 1500;
 * MTTR = ((120m + 520) + (60m − 280)) / 2 = (7 200 520 + 3 599 720) / 2 = 5 400 120 ms.
 */
const SEED: Seed[] = [
  { inv: 'r1', env: 'staging', version: '1', outcome: 'applied', at: 0, ms: 100 },
  { inv: 'r1', env: 'staging', version: '2', outcome: 'applied', at: 100, ms: 200 },
  { inv: 'r2', env: 'staging', version: '3', outcome: 'applied', at: 60 * MIN, ms: 400 },
  { inv: 'r2', env: 'staging', version: '4', outcome: 'failed', at: 60 * MIN + 400, ms: 50, sqlstate: '42P01', error: 'relation "nope" does not exist' },
  { inv: 'r2', env: 'staging', version: '3', dir: 'down', outcome: 'rolled_back', at: 60 * MIN + 450, ms: 30, checksum: 'sum3' },
  { inv: 'r3', env: 'staging', version: '4', outcome: 'failed', at: 120 * MIN, ms: 70, sqlstate: '42P01', error: 'relation "nope" does not exist' },
  { inv: 'r4', env: 'staging', version: '4', outcome: 'applied', at: 180 * MIN, ms: 1000 },
  { inv: 'r5', env: 'staging', version: '5', outcome: 'applied', at: 240 * MIN, ms: 300 },
  { inv: 'r5', env: 'staging', version: '5', dir: 'down', outcome: 'rolled-back', at: 240 * MIN + 300, ms: 20 },
  { inv: 'r6', env: 'staging', version: '4', dir: 'down', outcome: 'rolled_back', at: 300 * MIN, ms: 40 },
  { inv: 'r7', env: 'staging', version: '4', outcome: 'applied', at: 360 * MIN, ms: 900 },
  { inv: 'r7', env: 'staging', version: '5', outcome: 'applied', at: 360 * MIN + 900, ms: 600 },
  // Production: one success, then a failure nobody has recovered from yet.
  { inv: 'p1', env: 'production', version: '1', outcome: 'applied', at: 30 * MIN, ms: 250 },
  { inv: 'p2', env: 'production', version: '2', outcome: 'failed', at: 400 * MIN, ms: 80, sqlstate: '55P03', error: 'canceling statement due to lock timeout' },
  // verify's proofs are not runs.
  { inv: 'v1', env: 'staging', version: '1', dir: 'down', outcome: 'verified', at: 500 * MIN, ms: 5, checksum: 'sum1' },
  // Before the window.
  { inv: 'old', env: 'staging', version: '0', outcome: 'failed', at: -3 * 24 * 60 * MIN, ms: 10 },
];

async function seed(url: string, rows: Seed[], legacy = false): Promise<void> {
  await query(url, legacy ? LEGACY_DDL : historyDdl(historyName({ schema: 'public', table: 'x', quoted: 'public.x', quotedSchema: 'public' }, 'schema_migrations_history')));
  for (const r of rows) {
    const cols = ['version', 'direction', 'outcome', 'file_name', 'checksum', 'started_at', 'finished_at', 'duration_ms', 'environment', 'actor', 'run_id', 'sqlstate', 'error'];
    const values: unknown[] = [
      r.version,
      r.dir ?? 'up',
      r.outcome,
      `db/migrations/${r.version}_m.sql`,
      r.checksum ?? null,
      new Date(T0 + r.at).toISOString(),
      new Date(T0 + r.at + r.ms).toISOString(),
      r.ms,
      r.env,
      'octocat',
      r.runId ?? null,
      r.sqlstate ?? null,
      r.error ?? null,
    ];
    if (!legacy) {
      cols.push('invocation_id');
      values.push(r.inv);
    }
    await query(url, `insert into schema_migrations_history (${cols.join(', ')}) values (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, values);
  }
}

describe('report figures from a seeded history table', () => {
  let url: string;
  let proj: Awaited<ReturnType<typeof project>>;
  beforeAll(async () => {
    url = await server().createDatabase();
    await seed(url, SEED);
    proj = await project({
      'db/migrations/1_a.sql': migration('create table a (id int);', 'drop table a;'),
      'db/migrations/2_b.sql': migration('create table b (id int);', '-- nothing to undo'),
    });
  });
  afterAll(() => proj.cleanup());

  it('computes success rate, p50/p95/max, rollbacks and MTTR per environment (report --json)', async () => {
    const r = await runCli(['--url', url, 'report', '--since', '2026-11-01', '--json'], { cwd: proj.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.historyAvailable).toBe(true);
    expect(report.environments.map((e: { environment: string }) => e.environment)).toEqual(['staging', 'production']);
    const staging = report.environments[0];
    expect(staging).toMatchObject({
      runs: 7,
      succeeded: 4,
      failed: 3,
      successRate: 4 / 7,
      migrationsApplied: 7,
      migrationDurationMs: { count: 7, p50: 400, p95: 1000, max: 1000 },
      runDurationMs: { count: 7, p50: 320, p95: 1500, max: 1500 },
      rollbacks: { automatic: 2, manual: 1, rate: 3 / 7 },
      recovery: { incidents: 2, recovered: 2, mttrMs: 5_400_120, openSince: null },
    });
    expect(staging.slowest.map((s: { version: string; durationMs: number }) => [s.version, s.durationMs])).toEqual([
      ['4', 1000],
      ['4', 900],
      ['5', 600],
      ['3', 400],
      ['5', 300],
    ]);
    expect(staging.lastRun).toMatchObject({ outcome: 'success', applied: ['4', '5'], durationMs: 1500 });
    const production = report.environments[1];
    expect(production).toMatchObject({
      runs: 2,
      successRate: 0.5,
      recovery: { incidents: 1, recovered: 0, mttrMs: null, openSince: new Date(T0 + 400 * MIN + 80).toISOString() },
    });
    // Runs oldest first, outcomes as classified; the verified row and the row before the window are not runs.
    expect(report.runs.filter((x: { kind: string }) => x.kind === 'rollback').map((x: { key: string }) => x.key)).toEqual(['r6']);
    expect(report.runs.map((x: { key: string; outcome: string }) => `${x.key}:${x.outcome}`)).toEqual([
      'r1:success',
      'p1:success',
      'r2:rolled-back',
      'r3:failed',
      'r4:success',
      'r5:rolled-back',
      'r6:success',
      'r7:success',
      'p2:failed',
    ]);
    // Coverage from the files: 1_a has a down (and a verify proof of a different checksum), 2_b's is only a comment.
    expect(report.coverage).toEqual({ migrations: 2, withDown: 1, withoutDown: ['2'], verified: 0, downExercised: 0, unreadable: [] });
  });

  it('prints the figures people read: text by default, markdown with --markdown', async () => {
    const text = await runCli(['--url', url, 'report', '--since', '2026-11-01'], { cwd: proj.dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Success rate\s+57\.1% \(4\/7\)\s+50\.0% \(1\/2\)$/m);
    expect(text.stdout).toMatch(/^Time to recovery\s+1 h 30 min\s+— ?; failing since 2026-11-01 06:40 UTC$/m);
    expect(text.stdout).toMatch(/^Migration p50 \/ p95 \/ max\s+400 ms \/ 1 s \/ 1 s/m);
    expect(text.stdout).toContain('1 (50.0%) have a down section');
    expect(text.stdout).not.toContain(url);

    const md = await runCli(['--url', url, 'report', '--since', '2026-11-01', '--markdown'], { cwd: proj.dir });
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('| staging | 7 | 57.1% (4/7) | 320 ms / 1.5 s / 1.5 s | 400 ms / 1 s / 1 s | 42.9% (2 auto, 1 manual) | 1 h 30 min |');
    expect(md.stdout).toContain('> **production** has been failing since 2026-11-01 06:40 UTC');
  });

  it('--environment narrows to one environment; --since all includes older rows', async () => {
    const one = JSON.parse((await runCli(['--url', url, 'report', '--since', 'all', '--environment', 'staging', '--json'], { cwd: proj.dir })).stdout);
    expect(one.environments.map((e: { environment: string }) => e.environment)).toEqual(['staging']);
    expect(one.environments[0].runs).toBe(8);
    expect(one.since).toBeNull();
  });

  it('history lists attempts newest first, filtered and limited', async () => {
    const all = JSON.parse((await runCli(['--url', url, 'history', '--json'], { cwd: proj.dir })).stdout);
    expect(all).toHaveLength(SEED.length);
    expect(all[0].version).toBe('0'); // inserted last
    const two = JSON.parse((await runCli(['--url', url, 'history', '--environment', 'production', '--limit', '2', '--json'], { cwd: proj.dir })).stdout);
    expect(two.map((r: { version: string; outcome: string }) => `${r.version}:${r.outcome}`)).toEqual(['2:failed', '1:applied']);
    const text = await runCli(['--url', url, 'history', '--environment', 'production'], { cwd: proj.dir });
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^STARTED\s+ENVIRONMENT\s+VERSION\s+DIRECTION\s+OUTCOME\s+DURATION\s+ACTOR\s+COMMIT\s+RUN \/ ERROR$/);
    expect(lines[1]).toMatch(/^2026-11-01 06:40 UTC\s+production\s+2\s+up\s+failed\s+80 ms\s+octocat\s+-\s+55P03 canceling statement due to lock timeout$/);
    expect(lines).toHaveLength(3);
  });
});

describe('history tables of older versions and missing tables', () => {
  it('reads a table without invocation_id (runs grouped by CI run id), and `up` upgrades it in place', async () => {
    const url = await server().createDatabase();
    await seed(url, [
      { inv: null, env: 'staging', version: '1', outcome: 'applied', at: 0, ms: 10, runId: '77' },
      { inv: null, env: 'staging', version: '2', outcome: 'applied', at: 10, ms: 10, runId: '77' },
      // Run 78: 4 applied, 5 failed, 4 undone by the automatic rollback, in the old word.
      { inv: null, env: 'staging', version: '4', outcome: 'applied', at: 30, ms: 5, runId: '78' },
      { inv: null, env: 'staging', version: '5', outcome: 'failed', at: 35, ms: 5, runId: '78' },
      { inv: null, env: 'staging', version: '4', dir: 'down', outcome: 'rolled_back', at: 40, ms: 5, runId: '78' },
      { inv: null, env: 'staging', version: '3', outcome: 'failed', at: MIN, ms: 10 },
    ], true);
    const proj = await project({ 'db/migrations/1_a.sql': migration('select 1;', 'select 1;') });
    try {
      const before = JSON.parse((await runCli(['--url', url, 'report', '--since', 'all', '--json'], { cwd: proj.dir })).stdout);
      expect(before.runs.map((r: { outcome: string; applied: string[]; rolledBack: string[] }) => [r.outcome, r.applied, r.rolledBack])).toEqual([
        ['success', ['1', '2'], []],
        ['rolled-back', ['4'], ['4']],
        ['failed', [], []],
      ]);
      // The old word is read as the current one, in every reader.
      const rows = JSON.parse((await runCli(['--url', url, 'history', '--json'], { cwd: proj.dir })).stdout);
      expect(rows.filter((r: { direction: string }) => r.direction === 'down').map((r: { outcome: string }) => r.outcome)).toEqual(['rolled-back']);
      const text = await runCli(['--url', url, 'history'], { cwd: proj.dir });
      expect(text.stdout).toMatch(/\sstaging\s+4\s+down\s+rolled-back\s/);
      expect(text.stdout).not.toContain('rolled_back');
      // Reading changed nothing.
      expect(await query(url, `select 1 from information_schema.columns where table_name = 'schema_migrations_history' and column_name = 'invocation_id'`)).toHaveLength(0);

      const up = await runCli(['--url', url, '--no-dump-schema', 'up'], { cwd: proj.dir, env: { DB_MIGRATE_ENVIRONMENT: 'staging' } });
      expect(up.stderr).toBe('');
      expect(up.code).toBe(0);
      const after = await query<{ version: string; outcome: string; invocation_id: string | null }>(url, 'select version, outcome, invocation_id from schema_migrations_history order by id');
      expect(after.map((r) => r.version)).toEqual(['1', '2', '4', '5', '4', '3', '1']);
      expect(after.slice(0, 6).every((r) => r.invocation_id === null)).toBe(true);
      expect(after[6].invocation_id).toMatch(/^[0-9a-f-]{36}$/);
      // The audit rows were not rewritten: the old word stays where it was written.
      expect(after[4].outcome).toBe('rolled_back');
      // The new outcomes are accepted, and so is the old word (an older version may still write it);
      // the old check constraint is gone (not merely joined by a second one).
      for (const [direction, outcome] of [['down', 'verified'], ['down', 'rolled-back'], ['down', 'rolled_back'], ['up', 'cancelled']]) {
        await query(url, `insert into schema_migrations_history (version, direction, outcome, started_at, finished_at, duration_ms) values ('1', $1, $2, now(), now(), 0)`, [direction, outcome]);
      }
      await expect(query(url, `insert into schema_migrations_history (version, direction, outcome, started_at, finished_at, duration_ms) values ('1', 'down', 'rollback', now(), now(), 0)`)).rejects.toMatchObject({ code: '23514' });
      const checks = await query<{ def: string }>(url, `select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'schema_migrations_history'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%outcome%'`);
      expect(checks).toHaveLength(1);
      const columns = await query<{ c: string }>(url, `select column_name as c from information_schema.columns where table_name = 'schema_migrations_history' and column_name like 'run\\_%' order by 1`);
      expect(columns.map((r) => r.c)).toEqual(['run_duration_ms', 'run_id', 'run_status', 'run_url']);
      // An up-to-date table is left alone: a second run upgrades nothing (no ALTER, so no ACCESS EXCLUSIVE lock).
      const oid = async () => (await query<{ def: string }>(url, `select string_agg(oid::text || pg_get_constraintdef(oid), ',') as def from pg_constraint where conrelid = 'schema_migrations_history'::regclass`))[0].def;
      const constraintsBefore = await oid();
      expect((await runCli(['--url', url, '--no-dump-schema', 'up'], { cwd: proj.dir })).code).toBe(0);
      expect(await oid()).toBe(constraintsBefore);
    } finally {
      await proj.cleanup();
    }
  });

  it('says so when there is no history table, and refuses when it is disabled', async () => {
    const url = await server().createDatabase();
    const proj = await project();
    try {
      const r = await runCli(['--url', url, 'report'], { cwd: proj.dir });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('No history table in this database: nothing has been recorded yet.');
      const h = await runCli(['--url', url, 'history'], { cwd: proj.dir });
      expect(h.stdout).toBe('No history table in this database: nothing has been recorded yet.\n');
      expect(await query(url, `select 1 from pg_tables where tablename = 'schema_migrations_history'`)).toHaveLength(0);
      const off = await runCli(['--url', url, '--history-table=', 'report'], { cwd: proj.dir });
      expect(off.code).toBe(2);
      expect(off.stderr).toBe(
        'Error: the history table is disabled, so there is no history to read\n' +
          '  hint: set --history-table (the action input history-table) to the table your runs record into, by default schema_migrations_history\n',
      );
    } finally {
      await proj.cleanup();
    }
  });

  it('rejects a bad --since naming the flag, and --json with --markdown', async () => {
    const proj = await project();
    try {
      const bad = await runCli(['--url', 'postgres://x@127.0.0.1:1/x', 'report', '--since', 'last week'], { cwd: proj.dir });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('Error: invalid value "last week" for flag -since: expected a window such as 30d');
      const both = await runCli(['--url', 'postgres://x@127.0.0.1:1/x', 'report', '--json', '--markdown'], { cwd: proj.dir });
      expect(both.code).toBe(2);
      expect(both.stderr).toContain('Error: choose one of --json and --markdown');
    } finally {
      await proj.cleanup();
    }
  });
});

describe('the recent runs of an up summary', () => {
  it('reads a bounded number of rows, newest first, and leaves out a run the bound cut short', async () => {
    const url = await server().createDatabase();
    // Oldest first: a huge run (1200 rows), a small one, then three of another environment and two small ones.
    const rows: Seed[] = [
      ...Array.from({ length: 1200 }, (_, i): Seed => ({ inv: 'huge', env: 'staging', version: String(i), outcome: 'applied', at: i, ms: 1 })),
      { inv: 'small-1', env: 'staging', version: 'a', outcome: 'applied', at: 10 * MIN, ms: 5 },
      ...['p1', 'p2', 'p3'].map((inv, i): Seed => ({ inv, env: 'production', version: 'b', outcome: 'applied', at: 11 * MIN + i, ms: 5 })),
      { inv: 'small-2', env: 'staging', version: 'c', outcome: 'failed', at: 12 * MIN, ms: 5 },
      { inv: 'small-3', env: 'staging', version: 'd', outcome: 'applied', at: 13 * MIN, ms: 5 },
    ];
    await query(url, historyDdl(historyName({ schema: 'public', table: 'x', quoted: 'public.x', quotedSchema: 'public' }, 'schema_migrations_history')));
    await query(
      url,
      `insert into schema_migrations_history (version, direction, outcome, started_at, finished_at, duration_ms, environment, invocation_id)
       select r->>'version', 'up', r->>'outcome', to_timestamp((r->>'at')::float8 / 1000), to_timestamp(((r->>'at')::float8 + (r->>'ms')::float8) / 1000), (r->>'ms')::float8, r->>'env', r->>'inv'
         from jsonb_array_elements($1::jsonb) r`,
      [JSON.stringify(rows.map((r) => ({ ...r, at: T0 + r.at })))],
    );
    const source = { target: parseDatabaseUrl(url), migrationsTable: 'schema_migrations', historyTable: 'schema_migrations_history' };
    const staging = await collectRecentRuns(source, 'staging', 10);
    expect(staging.map((r) => `${r.key}:${r.outcome}`)).toEqual(['small-3:success', 'small-2:failed', 'small-1:success']);
    expect((await collectRecentRuns(source, 'production', 2)).map((r) => r.key)).toEqual(['p3', 'p2']);
    expect(await collectRecentRuns(source, 'development', 10)).toEqual([]);
  });
});

describe('runs written by the real engine', () => {
  it('one invocation is one run: a failed up with its automatic rollback; the HTML file is written', async () => {
    const url = await server().createDatabase();
    const proj = await project({
      'db/migrations/1_a.sql': migration('create table a (id int);', 'drop table a;'),
      'db/migrations/2_b.sql': migration('select * from nope;', 'select 1;'),
    });
    try {
      const env = { DB_MIGRATE_ENVIRONMENT: 'production' };
      expect((await runCli(['--url', url, '--no-dump-schema', 'up'], { cwd: proj.dir, env })).code).toBe(2);
      // A deliberate rollback of 1 is a second run.
      expect((await runCli(['--url', url, '--no-dump-schema', 'rollback'], { cwd: proj.dir, env })).code).toBe(0);
      const r = await runCli(['--url', url, 'report', '--json', '--html', 'out/report.html'], { cwd: proj.dir });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('Wrote the HTML report to out/report.html\n');
      const report = JSON.parse(r.stdout);
      expect(report.runs.map((x: { outcome: string; applied: string[]; rolledBack: string[]; failedVersion: string | null }) => [x.outcome, x.applied, x.rolledBack, x.failedVersion])).toEqual([
        ['failed', ['1'], [], '2'],
        ['success', [], ['1'], null],
      ]);
      expect(report.environments[0]).toMatchObject({ environment: 'production', runs: 2, recovery: { incidents: 1, recovered: 1 } });
      // The deliberate rollback proved 1_a's down section in its current form.
      expect(report.coverage).toMatchObject({ migrations: 2, withDown: 2, downExercised: 1 });
      const html = await readFile(join(proj.dir, 'out/report.html'), 'utf8');
      expect(html).toMatch(/^<!DOCTYPE html>/i);
      expect(html).toContain('production');

      // The same through the bundled CLI, as `npx db-migrate-action` runs it.
      const bundled = await runCliBundle(['--url', url, 'report', '--since', '1d'], { cwd: proj.dir });
      expect(bundled.stderr).toBe('');
      expect(bundled.code).toBe(0);
      expect(bundled.stdout).toMatch(/^Success rate\s+50\.0% \(1\/2\)$/m);
      const history = await runCliBundle(['--url', url, 'history', '--limit', '1'], { cwd: proj.dir });
      expect(history.stdout).toMatch(/\n\S+ \S+ UTC\s+production\s+1\s+down\s+rolled-back\s/);
    } finally {
      await proj.cleanup();
    }
  });
});

describe('pure pieces', () => {
  it('nearest-rank percentiles', () => {
    expect(distribution([])).toEqual({ count: 0, p50: null, p95: null, max: null });
    expect(distribution([5])).toEqual({ count: 1, p50: 5, p95: 5, max: 5 });
    const twenty = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
    expect(distribution(twenty)).toEqual({ count: 20, p50: 100, p95: 190, max: 200 });
  });

  it('windows', () => {
    const now = new Date('2026-11-25T12:00:00Z');
    expect(parseSince('30d', now)?.toISOString()).toBe('2026-10-26T12:00:00.000Z');
    expect(parseSince('2w', now)?.toISOString()).toBe('2026-11-11T12:00:00.000Z');
    expect(parseSince('12h', now)?.toISOString()).toBe('2026-11-25T00:00:00.000Z');
    expect(parseSince('2026-01-31', now)?.toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(parseSince('all', now)).toBeNull();
    for (const bad of ['', '30', 'yesterday', '-5d', '2026-13-45']) expect(() => parseSince(bad, now)).toThrow(/expected a window such as 30d/);
  });

  it('human durations', () => {
    expect([0.25, 4.23, 850, 1234, 61_000, 5_400_120, 3 * 86_400_000 + 4 * 3_600_000].map(humanDuration)).toEqual(['0.25 ms', '4 ms', '850 ms', '1.2 s', '1 min 1 s', '1 h 30 min', '3 d 4 h']);
    expect(humanDuration(null)).toBe('—');
  });

  it('no history table: an empty report, not an error', () => {
    const r = computeReport({ rows: null, since: null, database: 'postgres://x', coverage: null });
    expect(r).toMatchObject({ historyAvailable: false, environments: [], runs: [] });
  });
});
