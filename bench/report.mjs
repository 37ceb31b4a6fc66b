// Cost of the history features on a large audit table. A benchmark, not a test: it prints the
// figures and exits 0 whenever it ran.
//
//   node bench/report.mjs [--rows N] [--runs N]
//
// Seeds `schema_migrations_history` with --rows rows (default 100 000: runs of 1–5 migrations over
// three environments and a year, ~8% failures, some automatic and deliberate rollbacks) on an
// embedded PostgreSQL 18, then measures, median of --runs (default 5). The bundles measured are
// DB_MIGRATE_CLI (default dist/cli/index.js) and DB_MIGRATE_ACTION (default dist/index.js): build
// the current source privately with `DIST_DIR=/tmp/d npm run build` and point both there.
//   - `db-migrate report --json --since all` (the CLI bundle: connect, aggregate per run in SQL,
//     compute, print) against `psql` running the docs' per-run SQL aggregate on the same rows (the
//     floor: the server's own work plus psql's start);
//   - the edited-file check's read of the applied checksums (`appliedChecksums`, src/ compiled
//     with tsc) for every version and for the newest 1000, against the query it replaced (one
//     DISTINCT ON over every `up` row, without the index);
//   - what every `up` pays for the last-10-runs table of its summary: `collectRecentRuns` (src/
//     compiled with tsc into a temporary directory) on that history and on an empty one;
//   - the action's `up` with nothing to apply, with that history and with an empty one (all that
//     grows with the history: the recent runs, and the edited-file checksums read by planning).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, writeFile, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres } from '../scripts/embedded-pg.mjs';
import { runAction } from '../scripts/action-runner.mjs';
import { compileSrc } from './compile-src.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const ROWS = arg('rows', 100_000);
const RUNS = arg('runs', 5);
const CLI = process.env.DB_MIGRATE_CLI ?? join(ROOT, 'dist/cli/index.js');
// Another bundle measured in the same loop (e.g. the committed dist/ before a change), optional.
const REF_CLI = process.env.DB_MIGRATE_CLI_REF;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function timeMs(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

// Same DDL as src/engine/history.ts (the table the tool creates), seeded in SQL so seeding is fast.
const SEED = (rows) => `
create table schema_migrations (version varchar primary key);
create table schema_migrations_history (
  id bigint generated always as identity primary key, version varchar not null,
  direction text not null check (direction in ('up', 'down')),
  outcome text not null check (outcome in ('applied', 'failed', 'rolled-back', 'verified', 'cancelled', 'baselined', 'rolled_back')),
  file_name text, checksum text, started_at timestamptz not null, finished_at timestamptz not null,
  duration_ms double precision not null, environment text, actor text, git_sha text, run_id text,
  run_url text, tool_version text, sqlstate text, error text, invocation_id text, run_status text, run_duration_ms double precision);
insert into schema_migrations_history (version, direction, outcome, file_name, checksum, started_at, finished_at,
  duration_ms, environment, actor, git_sha, run_id, tool_version, sqlstate, error, invocation_id)
select v, case when roll then 'down' else 'up' end,
       case when roll then 'rolled_back' when fail and k = n then 'failed' else 'applied' end,
       v || '_m.sql', md5(v), t, t + make_interval(secs => d / 1000), d,
       (array['development', 'staging', 'production'])[1 + r % 3], 'octocat', md5(r::text), r::text, '0.1.0',
       case when fail and k = n then '42P01' end, case when fail and k = n then 'relation "x" does not exist' end,
       'inv-' || r
  from (select r, k, n, fail, roll, lpad((r * 5 + k)::text, 14, '0') as v,
               timestamptz '2025-11-25' + make_interval(secs => r * 60 + k) as t, 20 + (r * 7919 + k * 104729) % 3000 as d
          from (select r, 1 + r % 5 as n, r % 13 = 0 as fail, r % 29 = 0 as rolls from generate_series(1, ${Math.ceil(rows / 3)}) r) runs,
               lateral (select k, false as roll from generate_series(1, n) k
                        union all select 1, true where rolls) steps) x
 limit ${rows};`;

const pgServer = await startPostgres({ version: 18, useEnv: false });
const work = await mkdtemp(join(tmpdir(), 'dbm-bench-report-'));
try {
  const big = await pgServer.createDatabase('big');
  const empty = await pgServer.createDatabase('empty');
  const c = new pg.Client({ connectionString: big });
  await c.connect();
  await c.query(SEED(ROWS));
  const { rows: [{ n, runs }] } = await c.query(`select count(*)::int as n, count(distinct invocation_id)::int as runs from schema_migrations_history`);
  await c.query('analyze');
  await c.end();
  // One migration, already applied in both databases: `up` has nothing to do and touches no schema.
  await mkdir(join(work, 'db/migrations'), { recursive: true });
  await writeFile(join(work, 'db/migrations/1_noop.sql'), '-- migrate:up\nselect 1;\n\n-- migrate:down\nselect 1;\n');
  for (const url of [big, empty]) {
    const k = new pg.Client({ connectionString: url });
    await k.connect();
    await k.query(`create table if not exists schema_migrations (version varchar primary key); insert into schema_migrations values ('1')`);
    await k.end();
  }
  console.log(`history: ${n} rows, ${runs} runs (node ${process.version})`);

  const docs = await readFile(join(ROOT, 'docs/DATABASE_MIGRATIONS.md'), 'utf8');
  const perRun = docs.split('Per run: how often a run failed')[1].split('```sql runnable\n')[1].split('```')[0];
  const psqlUrl = big.replace(/\?.*$/, '');

  const report = [];
  const refReport = [];
  const psql = [];
  const outputs = new Set();
  const reportMs = (cli) =>
    timeMs(() => {
      const r = spawnSync(process.execPath, [cli, '--url', big, 'report', '--json', '--since', 'all'], { cwd: work, maxBuffer: 1 << 30 });
      if (r.status !== 0) throw new Error(`report failed: ${r.stderr}`);
      // generatedAt is the one line that differs between two runs.
      outputs.add(String(r.stdout).replace(/"generatedAt": "[^"]*"/, ''));
    });
  for (let i = 0; i < RUNS; i++) {
    report.push(await reportMs(CLI));
    if (REF_CLI) refReport.push(await reportMs(REF_CLI));
    psql.push(await timeMs(() => execFileSync('psql', [psqlUrl, '-X', '-q', '-A', '-c', perRun], { stdio: ['ignore', 'ignore', 'inherit'] })));
  }
  console.log(`db-migrate report --json --since all: ${median(report).toFixed(0)} ms (median of ${RUNS})`);
  console.log(`psql, the docs' per-run aggregate:    ${median(psql).toFixed(0)} ms`);
  console.log(`ratio: ${(median(report) / median(psql)).toFixed(2)}x`);
  if (REF_CLI) console.log(`${REF_CLI} report: ${median(refReport).toFixed(0)} ms (${(median(refReport) / median(psql)).toFixed(2)}x); same JSON as the measured bundle: ${outputs.size === 1 ? 'yes' : 'NO'}`);

  const load = await compileSrc(work, ['src/metrics/collect.ts', 'src/engine/history.ts']);
  const { collectRecentRuns } = await load('metrics/collect.js');
  const { parseDatabaseUrl } = await load('engine/url.js');
  const { appliedChecksums, historyDdl, historyName } = await load('engine/history.js');

  // Before any `up` (which adds the index): the query of the edited-file check before issue 18.
  const hc = new pg.Client({ connectionString: big });
  await hc.connect();
  const versions = (await hc.query(`select distinct version from schema_migrations_history order by 1`)).rows.map((r) => r.version);
  const OLD_CHECKSUMS = `select coalesce(json_object_agg(version, checksum), '{}')::text as sums from (
       select distinct on (version) version, checksum from schema_migrations_history
        where direction = 'up' and outcome in ('applied', 'baselined') and checksum is not null order by version, id desc) last`;
  const sumsMs = async (fn) => {
    const xs = [];
    for (let i = 0; i < RUNS; i++) xs.push(await timeMs(fn));
    return median(xs);
  };
  // As the function before issue 18 did it: the table check, the query, and the map it returned.
  const hname0 = historyName({ schema: 'public', table: 'schema_migrations', quoted: 'public.schema_migrations', quotedSchema: 'public' }, 'schema_migrations_history');
  const { checkHistory } = await load('engine/history.js');
  const oldSums = await sumsMs(async () => {
    await checkHistory(hc, hname0);
    return new Map(Object.entries(JSON.parse((await hc.query(OLD_CHECKSUMS)).rows[0].sums)));
  });
  const hname = historyName({ schema: 'public', table: 'schema_migrations', quoted: 'public.schema_migrations', quotedSchema: 'public' }, 'schema_migrations_history');
  const built = await timeMs(() => hc.query(historyDdl(hname)));
  await hc.query('analyze schema_migrations_history');
  const newAll = await sumsMs(() => appliedChecksums(hc, hname, versions));
  const newFew = await sumsMs(() => appliedChecksums(hc, hname, versions.slice(-1000)));
  await hc.end();
  console.log(`edited-file check, applied checksums of ${versions.length} versions: ${newAll.toFixed(1)} ms (the query before issue 18: ${oldSums.toFixed(1)} ms)`);
  console.log(`edited-file check, applied checksums of the newest 1000 versions: ${newFew.toFixed(1)} ms`);
  console.log(`adding the index to the existing ${n}-row table (historyDdl, once): ${built.toFixed(0)} ms`);
  const recentMs = async (url) => {
    const source = { target: parseDatabaseUrl(url), migrationsTable: 'schema_migrations', historyTable: 'schema_migrations_history' };
    const xs = [];
    for (let i = 0; i < RUNS; i++) xs.push(await timeMs(() => collectRecentRuns(source, 'staging', 10)));
    return median(xs);
  };
  const [recentBig, recentEmpty] = [await recentMs(big), await recentMs(empty)];
  console.log(`last 10 runs for the up summary (connect + read + group): ${recentBig.toFixed(1)} ms with ${n} rows, ${recentEmpty.toFixed(1)} ms with none`);

  const upMs = async (url) => {
    const xs = [];
    for (let i = 0; i < RUNS; i++) {
      xs.push(
        await timeMs(async () => {
          const r = await runAction({ 'database-url': url, environment: 'staging', backup: 'never', 'create-issue-on-failure': 'false', 'health-check-sql': '' }, { cwd: work });
          if (r.code !== 0) throw new Error(`up failed: ${r.stdout}`);
          if (url === big && !r.summary.includes('### Last 10 runs in staging')) throw new Error('no recent runs in the summary');
        }),
      );
    }
    return median(xs);
  };
  const withHistory = await upMs(big);
  const without = await upMs(empty);
  console.log(`action up, nothing to apply: ${withHistory.toFixed(0)} ms with the ${n}-row history, ${without.toFixed(0)} ms with an empty one`);
} finally {
  await pgServer.stop();
  await rm(work, { recursive: true, force: true });
}
