// `npm run bench:contention`: what a contended `ALTER TABLE` costs the application. A benchmark,
// not a test: it prints the figures and exits 0 whenever the measurements ran (1 only if
// something broke).
//
//   node bench/contention.mjs [--pg 15|18] [--runs N] [--hold MS] [--write FILE]
//
// On a fresh database per run of one embedded PostgreSQL server: table `t` (10 000 rows); a
// blocker opens a transaction that holds ACCESS SHARE on `t` for --hold ms (default 3000: a slow
// report) and then commits; meanwhile one migration `alter table t add column …` runs with
//   - db-migrate at its defaults (lock_timeout attempts 50 ms → 400 ms, jittered pauses, 30 s budget),
//   - dbmate 2.36 (no lock_timeout: its ALTER waits in the lock queue until the blocker ends),
// while a reader (`select count(*) from t`) and a writer (`insert into t`) loop on connections of
// their own. Every query's latency is recorded: the longest and the p99 are the application's
// stall. --write FILE also writes the figures as JSON.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres } from '../scripts/embedded-pg.mjs';
import { compileSrc } from './compile-src.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DBMATE = join(ROOT, `node_modules/@dbmate/${process.platform}-${process.arch}/bin/dbmate`);

const USAGE = `usage: node bench/contention.mjs [options]
  --pg 15|18      PostgreSQL major of the embedded server (default 18)
  --runs N        runs per tool; figures are the worst over the runs (default 3)
  --hold MS       how long the blocker holds its lock (default 3000)
  --write FILE    also write the figures as JSON to FILE
`;

function parseOptions(argv) {
  const o = { pg: 18, runs: 3, hold: 3000, write: undefined };
  for (let i = 0; i < argv.length; i++) {
    let [flag, value] = argv[i].split(/=(.*)/s, 2);
    if (flag === '-h' || flag === '--help') {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    if (!['--pg', '--runs', '--hold', '--write'].includes(flag)) throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
    if (value === undefined) value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--write') o.write = resolve(value);
    else if (!/^\d+$/.test(value)) throw new Error(`${flag} needs a whole number, got ${value}`);
    else o[flag.slice(2)] = Number(value);
  }
  return o;
}

const log = (m) => process.stderr.write(`${m}\n`);

function run(cmd, args, opts) {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.on('error', rej);
    child.on('close', (code) => res({ code, ms: performance.now() - t0, out }));
  });
}

async function connect(url, applicationName) {
  const c = new pg.Client({ connectionString: url, application_name: applicationName });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

/** Run `sql` in a loop on its own connection until `stop()`; returns every query's latency, ms. */
async function loop(url, name, sql) {
  const c = await connect(url, name);
  const latencies = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      await c.query(sql);
      latencies.push(performance.now() - t0);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      await c.end();
      return latencies;
    },
  };
}

function p99(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)];
}

/** One contended ALTER with `tool` on a fresh database. */
async function once(server, tool, cli, hold, work, i) {
  const url = await server.createDatabase();
  await (async () => {
    const c = await connect(url, 'setup');
    await c.query('create table t (id bigserial primary key, v int); insert into t (v) select g from generate_series(1, 10000) g');
    await c.end();
  })();
  const dir = join(work, `${tool}-${i}`);
  await mkdir(join(dir, 'db/migrations'), { recursive: true });
  await writeFile(join(dir, 'db/migrations/20240101000000_add_note.sql'), '-- migrate:up\nalter table t add column note text;\n\n-- migrate:down\nalter table t drop column note;\n');

  const blocker = await connect(url, 'blocker');
  await blocker.query('begin; lock table t in access share mode');
  const reader = await loop(url, 'reader', 'select count(*) from t');
  const writer = await loop(url, 'writer', 'insert into t (v) values (1)');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: url };
  const migration =
    tool === 'dbmate'
      ? run(DBMATE, ['--no-dump-schema', 'up'], { cwd: dir, env })
      : run(process.execPath, [cli, '--no-dump-schema', '--history-table', '', 'up'], { cwd: dir, env });
  const release = new Promise((r) => setTimeout(r, hold)).then(() => blocker.query('commit'));
  const [m] = await Promise.all([migration, release]);
  // A little traffic after the migration, so its commit's effect is in the figures too.
  await new Promise((r) => setTimeout(r, 200));
  const [reads, writes] = await Promise.all([reader.stop(), writer.stop()]);
  await blocker.end();
  const applied = (await (async () => {
    const c = await connect(url, 'check');
    const r = await c.query("select count(*)::int as n from information_schema.columns where table_name = 't' and column_name = 'note'");
    await c.end();
    return r.rows[0].n;
  })()) === 1;
  await server.dropDatabase(new URL(url).pathname.slice(1)).catch(() => undefined);
  if (m.code !== 0 || !applied) log(`  ${tool} run ${i + 1}: exit ${m.code}, applied ${applied}\n${m.out}`);
  return {
    code: m.code,
    applied,
    migrationMs: m.ms,
    reader: { longest: Math.max(...reads), p99: p99(reads), queries: reads.length },
    writer: { longest: Math.max(...writes), p99: p99(writes), queries: writes.length },
  };
}

const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  if (!existsSync(DBMATE)) throw new Error(`dbmate binary not found at ${DBMATE} (npm ci installs it)`);
  const work = await mkdtemp(join(tmpdir(), 'bench-contention-'));
  let server;
  try {
    log('compiling src/ ...');
    await compileSrc(work, ['src/cli/index.ts']);
    const cli = join(work, 'build/cli/index.js');
    log(`starting embedded PostgreSQL ${opts.pg} ...`);
    server = await startPostgres({ version: opts.pg, useEnv: false });
    const results = {};
    for (const tool of ['db-migrate', 'dbmate']) {
      results[tool] = [];
      for (let i = 0; i < opts.runs; i++) {
        log(`${tool}: run ${i + 1}/${opts.runs} (blocker holds ${opts.hold} ms)`);
        results[tool].push(await once(server, tool, cli, opts.hold, work, i));
      }
    }
    const worst = (rs, pick) => Math.max(...rs.map(pick));
    const rows = Object.entries(results).map(([tool, rs]) => ({
      tool: tool === 'db-migrate' ? 'db-migrate (defaults)' : 'dbmate 2.36',
      readerLongest: worst(rs, (r) => r.reader.longest),
      readerP99: worst(rs, (r) => r.reader.p99),
      writerLongest: worst(rs, (r) => r.writer.longest),
      writerP99: worst(rs, (r) => r.writer.p99),
      migrationMs: worst(rs, (r) => r.migrationMs),
      ok: rs.every((r) => r.code === 0 && r.applied),
    }));
    const header = ['tool', 'reader longest', 'reader p99', 'writer longest', 'writer p99', 'migration took', 'applied'];
    const table = [header, ...rows.map((r) => [r.tool, fmt(r.readerLongest), fmt(r.readerP99), fmt(r.writerLongest), fmt(r.writerP99), fmt(r.migrationMs), r.ok ? 'yes' : 'NO'])];
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    process.stdout.write(
      `\nContended ALTER TABLE: blocker holds ACCESS SHARE for ${opts.hold} ms; worst of ${opts.runs} runs each; PostgreSQL ${opts.pg}; ${cpus().length} CPUs\n\n`,
    );
    for (const row of table) process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i])).join('  ')}\n`);
    process.stdout.write(`\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`);
    for (const row of table.slice(1)) process.stdout.write(`| ${row.join(' | ')} |\n`);
    if (opts.write) {
      await writeFile(opts.write, `${JSON.stringify({ pg: opts.pg, holdMs: opts.hold, runs: opts.runs, cpus: cpus().length, rows, results }, null, 2)}\n`);
      log(`figures written to ${opts.write}`);
    }
  } finally {
    await server?.stop().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
