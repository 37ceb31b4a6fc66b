// A real project's migration history, end to end: does `up` with default settings deploy it to a
// fresh database, and does `lint` on the same files still report its real bugs? A benchmark, not a
// test: it prints what happened and exits 0 whenever it ran (1 only when something broke).
//
//   node bench/real-histories.mjs DIR [DIR...] [--cli PATH] [--no-dbmate] [--pg 15|18] [--json FILE]
//
//   DIR        a migrations directory (dbmate format), or a folder holding db/migrations; e.g.
//              /work/real-histories/<owner>+<repo> (third-party files: keep them out of the repository)
//   --cli      the db-migrate CLI to run (default: dist/cli/index.js, the committed bundle)
//   --no-dbmate  skip applying the same files with the real dbmate binary (node_modules/@dbmate/...)
//   --pg       major of the embedded PostgreSQL (default 18)
//   --json     also write the figures as JSON
//
// For each DIR, on one embedded PostgreSQL server:
//   1. `db-migrate up` on a fresh database (defaults, --no-dump-schema): applied count, time, and
//      the error if it stopped;
//   2. `db-migrate lint --json` on the same files (offline): findings by severity and, for errors,
//      by rule — and how many errors sit in up sections, which is what the action's `up` gate
//      judges at its default `lint-fail-on: error` (down-section findings never fail `up`);
//   3. unless --no-dbmate: `dbmate up` on another fresh database, as the reference.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from '../scripts/embedded-pg.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DBMATE = join(ROOT, `node_modules/@dbmate/${process.platform}-${process.arch}/bin/dbmate`);

const argv = process.argv.slice(2);
const flags = new Set(['--no-dbmate']);
const valued = new Set(['--cli', '--pg', '--json']);
const opts = {};
const dirs = [];
for (let i = 0; i < argv.length; i++) {
  if (flags.has(argv[i])) opts[argv[i]] = true;
  else if (valued.has(argv[i])) opts[argv[i]] = argv[++i];
  else dirs.push(argv[i]);
}
if (!dirs.length) {
  console.error('usage: node bench/real-histories.mjs DIR [DIR...] [--cli PATH] [--no-dbmate] [--pg 15|18] [--json FILE]');
  process.exit(1);
}
const CLI = resolve(opts['--cli'] ?? join(ROOT, 'dist/cli/index.js'));
const useDbmate = !opts['--no-dbmate'] && existsSync(DBMATE);

/** The migrations directory itself: DIR, or DIR/db/migrations. */
function migrationsDir(dir) {
  const nested = join(dir, 'db/migrations');
  return existsSync(nested) && statSync(nested).isDirectory() ? nested : dir;
}

function run(cmd, args, env, cwd) {
  const t0 = process.hrtime.bigint();
  const p = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 << 20, timeout: 30 * 60_000 });
  return { ...p, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

/** Last lines of a tool's output, for the reason it stopped. */
const tail = (s, n = 6) => (s ?? '').trim().split('\n').slice(-n).join('\n    ');

const pgServer = await startPostgres({ version: Number(opts['--pg'] ?? 18), useEnv: false });
const cwd = await mkdtemp(join(tmpdir(), 'dbm-real-histories-')); // no .env here
const report = [];
try {
  for (const [i, dir] of dirs.entries()) {
    const mdir = migrationsDir(resolve(dir));
    const files = readdirSync(mdir).filter((f) => /^\d+.*\.sql$/.test(f)).sort();
    const name = basename(resolve(dir));
    console.log(`\n== ${name}: ${files.length} migration files in ${mdir}`);
    const r = { name, dir: mdir, files: files.length };

    // 1. our up
    const url = await pgServer.createDatabase(`ours_${i}`);
    const up = run(process.execPath, [CLI, '--no-dump-schema', '--migrations-dir', mdir, '--url', url, 'up'], {}, cwd);
    const applied = countApplied(await ledger(url));
    r.up = { exit: up.status, ms: Math.round(up.ms), applied };
    console.log(`  db-migrate up (defaults): exit ${up.status}, ${applied}/${files.length} applied, ${(up.ms / 1000).toFixed(1)} s`);
    if (up.status !== 0) console.log(`    ${tail(up.stderr || up.stdout)}`);

    // 2. our lint (offline)
    const lint = run(process.execPath, [CLI, '--migrations-dir', mdir, 'lint', '--json'], {}, cwd);
    let findings = [];
    try {
      findings = JSON.parse(lint.stdout || '[]');
    } catch {
      console.log(`  lint printed no JSON (exit ${lint.status}): ${tail(lint.stderr || lint.stdout)}`);
    }
    const counted = (fs) => Object.fromEntries([...fs.reduce((m, f) => m.set(f.rule, (m.get(f.rule) ?? 0) + 1), new Map())].sort((a, b) => b[1] - a[1]));
    const sev = (s) => findings.filter((f) => f.severity === s && !f.suppressed);
    const errors = sev('error');
    // Without `direction` (before the plan-aware lint) every finding counts as up, as the old gate did.
    const upErrors = errors.filter((f) => (f.direction ?? 'up') === 'up');
    r.lint = {
      exit: lint.status,
      ms: Math.round(lint.ms),
      errors: errors.length,
      warnings: sev('warning').length,
      info: sev('info').length,
      suppressed: findings.filter((f) => f.suppressed).length,
      errorsByRule: counted(errors),
      upErrors: upErrors.length,
      upErrorsByRule: counted(upErrors),
      warningsByRule: counted(sev('warning')),
    };
    console.log(`  db-migrate lint (offline): exit ${lint.status}, ${errors.length} errors, ${r.lint.warnings} warnings, ${r.lint.info} info, ${r.lint.suppressed} suppressed (${(lint.ms / 1000).toFixed(1)} s)`);
    console.log(`    errors by rule: ${fmt(r.lint.errorsByRule)}`);
    console.log(`    warnings by rule: ${fmt(r.lint.warningsByRule)}`);
    console.log(`    errors in up sections (what the action's up gate at lint-fail-on: error judges): ${upErrors.length}${upErrors.length ? ` — ${fmt(r.lint.upErrorsByRule)}` : ''}`);
    for (const f of errors.filter((f) => f.direction === 'down' || f.rule === 'parse-error').slice(0, 10)) console.log(`      ${f.file}:${f.line}:${f.column} ${f.rule}: ${f.message}`);

    // 3. dbmate, the reference
    if (useDbmate) {
      const durl = await pgServer.createDatabase(`dbmate_${i}`);
      const d = run(DBMATE, ['--no-dump-schema', '--migrations-dir', mdir, '--url', durl, 'up'], {}, cwd);
      const dApplied = countApplied(await ledger(durl));
      r.dbmate = { exit: d.status, ms: Math.round(d.ms), applied: dApplied };
      console.log(`  dbmate up: exit ${d.status}, ${dApplied}/${files.length} applied, ${(d.ms / 1000).toFixed(1)} s`);
      if (d.status !== 0) console.log(`    ${tail(d.stderr || d.stdout)}`);
    }
    report.push(r);
  }
} finally {
  await pgServer.stop();
  await rm(cwd, { recursive: true, force: true });
}
if (opts['--json']) await writeFile(opts['--json'], `${JSON.stringify(report, null, 2)}\n`);

function fmt(byRule) {
  return Object.entries(byRule).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
}

/** Versions in the ledger (schema_migrations), or [] when the table is missing. */
async function ledger(url) {
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query('SELECT version FROM schema_migrations')).rows.map((r) => r.version);
  } catch {
    return [];
  } finally {
    await c.end();
  }
}
function countApplied(versions) {
  return versions.length;
}
