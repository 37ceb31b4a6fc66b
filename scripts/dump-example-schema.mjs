// Regenerate db/schema.sql from db/migrations exactly as the tool writes it: the CLI's `up` on a
// fresh PostgreSQL 15 (embedded) with pg_dump 15, the pair the committed file is defined by
// (__tests__/example-db.test.ts compares against it). Run it after adding or changing an example
// migration:
//
//   node scripts/dump-example-schema.mjs
//
// The CLI is the committed bundle dist/cli/index.js, or DB_MIGRATE_CLI when set (e.g. a private
// build: `DIST_DIR=/tmp/dbm node scripts/build.mjs && DB_MIGRATE_CLI=/tmp/dbm/cli/index.js node …`).
// pg_dump 15 is taken from /usr/lib/postgresql/15/bin when present, else from PATH, and must be
// major 15 (`apt-get install postgresql-client-15`).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from './embedded-pg.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = process.env.DB_MIGRATE_CLI ?? join(ROOT, 'dist/cli/index.js');

/** PATH with pg_dump 15 first, or an Error saying what to install. */
export function pathWithPgDump15(path = process.env.PATH ?? '') {
  const debianDir = '/usr/lib/postgresql/15/bin';
  const withDir = existsSync(join(debianDir, 'pg_dump')) ? `${debianDir}${delimiter}${path}` : path;
  let version = '';
  try {
    version = execFileSync('pg_dump', ['--version'], { env: { ...process.env, PATH: withDir }, encoding: 'utf8' });
  } catch (err) {
    return new Error(`cannot run pg_dump (${err.message}): install postgresql-client-15`);
  }
  if (!/\(PostgreSQL\) 15\./.test(version)) return new Error(`db/schema.sql is defined by pg_dump 15, found ${version.trim()}: install postgresql-client-15`);
  return withDir;
}

async function main() {
  const path = pathWithPgDump15();
  if (path instanceof Error) throw path;
  console.log('Starting an embedded PostgreSQL 15...');
  const pg = await startPostgres({ version: 15, useEnv: false });
  try {
    const url = await pg.createDatabase('example_app');
    const r = spawnSync(process.execPath, [CLI, '--url', url, '--migrations-dir', 'db/migrations', '--schema-file', 'db/schema.sql', 'up'], {
      cwd: ROOT,
      env: { ...process.env, PATH: path },
      encoding: 'utf8',
    });
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    if (r.status !== 0) throw new Error(`db-migrate up exited with ${r.status}`);
    // The CLI reports a failed dump as a warning only; for this script it is a failure.
    if (/Warning: schema dump failed/.test(r.stderr)) throw new Error('the schema dump failed (see above)');
  } finally {
    await pg.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`dump-example-schema: ${err.message}`);
    process.exitCode = 1;
  });
}
