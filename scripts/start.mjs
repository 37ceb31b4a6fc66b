// `npm start`: the real CLI from dist/ against a throwaway PostgreSQL with db/migrations,
// so anyone can watch it work without a database of their own.
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from './embedded-pg.mjs';

/** Serve the PostgreSQL major the system pg_dump can dump, so the schema dump works too. */
function pgDumpMajor() {
  try {
    return Number(/(\d+)/.exec(execFileSync('pg_dump', ['--version'], { encoding: 'utf8' }))[1]);
  } catch {
    return undefined;
  }
}

const dumpMajor = pgDumpMajor();
const version = dumpMajor !== undefined && dumpMajor < 18 ? 15 : 18;
const out = mkdtempSync(join(tmpdir(), 'db-migrate-start-'));
const schemaFile = join(out, 'schema.sql');
console.log(`Starting an embedded PostgreSQL ${version}...`);
const pg = await startPostgres({ version, useEnv: false });
let failed = false;
try {
  const url = await pg.createDatabase('example_app');
  const env = { ...process.env, DATABASE_URL: url };
  const cli = (...args) => {
    console.log(`\n$ db-migrate ${args.join(' ')}`);
    const r = spawnSync(process.execPath, ['dist/cli/index.js', ...args], { env, stdio: 'inherit' });
    if (r.status !== 0) failed = true;
  };
  const dump = dumpMajor !== undefined && dumpMajor >= version ? ['--schema-file', schemaFile] : ['--no-dump-schema'];
  cli('status');
  cli('plan');
  cli(...dump, 'up');
  cli('status');
  cli(...dump, 'rollback');
  cli(...dump, 'up');
  cli('status');
  if (dump[0] === '--schema-file') {
    console.log(`\nThe schema file it wrote (${schemaFile}):\n`);
    console.log(readFileSync(schemaFile, 'utf8'));
  }
} finally {
  await pg.stop();
  rmSync(out, { recursive: true, force: true });
}
console.log(failed ? '\nSomething failed: see above.' : '\nDone: the embedded server is stopped and removed.');
process.exitCode = failed ? 1 : 0;
