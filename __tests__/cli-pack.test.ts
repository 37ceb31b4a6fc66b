/**
 * The npm package as users get it (`npx db-migrate-action@1 …`): packed the way the release job
 * publishes it (package.json through `release.mjs publish-manifest`, the built dist/), installed
 * offline into an empty project, which proves it has no runtime dependency to download, and run
 * through npx and its bin symlink on Node 20 and Node 24 against a real PostgreSQL.
 * dist/ is the committed build, or a private one: `DB_MIGRATE_DIST`, else the one `DB_MIGRATE_CLI` is in.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { publishManifest } from '../scripts/release.mjs';
import { usePostgres } from './helpers/pg.js';
import { CLI_BUNDLE, DBMATE_BIN, migration, ROOT, runProcess, type CliRun } from './helpers/cli.js';
import { node24, NODE24_HOOK_TIMEOUT_MS, recordNodeVersion } from './helpers/node24.js';

const server = usePostgres();
const DIST = process.env.DB_MIGRATE_DIST ?? resolve(dirname(CLI_BUNDLE), '..');
const PKG = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

let tmp: string;
let app: string;
let packed: { files: { path: string }[]; filename: string };
let manifest: Record<string, unknown>;
let url: string;

/**
 * npm and npx kept off the network and away from the user's cache and config: a package that
 * needed anything but its tarball would fail to install here instead of quietly downloading it.
 */
function npmEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: join(tmp, 'home'),
    npm_config_cache: join(tmp, 'npm-cache'),
    npm_config_userconfig: join(tmp, 'home/.npmrc'),
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'dbm-pack-'));
  const stage = join(tmp, 'stage');
  await mkdir(join(tmp, 'home'), { recursive: true });
  await mkdir(stage);
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  // Only what the release job has when it runs `npm publish`; src/ and the rest are there too, so
  // the `files` list, not the stage, decides what is packed.
  await writeFile(join(stage, 'package.json'), `${JSON.stringify(publishManifest(pkg), null, 2)}\n`);
  for (const f of ['README.md', 'LICENSE', 'CHANGELOG.md', 'src', '__tests__/helpers', 'bench', '.github']) await cp(join(ROOT, f), join(stage, f), { recursive: true });
  await cp(DIST, join(stage, 'dist'), { recursive: true });

  const pack = await runProcess('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: stage, env: npmEnv() });
  expect({ code: pack.code, stderr: pack.stderr }).toEqual({ code: 0, stderr: '' });
  [packed] = JSON.parse(pack.stdout) as (typeof packed)[];

  app = join(tmp, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), '{ "name": "app", "private": true }\n');
  const install = await runProcess('npm', ['install', '--offline', '--no-audit', '--no-fund', join(tmp, packed.filename)], { cwd: app, env: npmEnv() });
  expect({ code: install.code, stderr: install.stderr }).toEqual({ code: 0, stderr: '' });
  manifest = JSON.parse(await readFile(join(app, 'node_modules/db-migrate-action/package.json'), 'utf8')) as Record<string, unknown>;

  url = await server().createDatabase();
  await mkdir(join(app, 'db/migrations'), { recursive: true });
  await writeFile(join(app, 'db/migrations/20240101000000_a.sql'), migration('create table a (id int);', 'drop table a;'));
}, 120_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the CLI, the library and the docs a user reads, and nothing of the repository', () => {
    const files = packed.files.map((f) => f.path);
    for (const f of ['package.json', 'dist/cli/index.js', 'dist/cli/libpg-query.wasm', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'LICENSE', 'README.md', 'CHANGELOG.md']) {
      expect([f, files.includes(f)]).toEqual([f, true]);
    }
    // The action bundle runs from the Git tag, never from node_modules.
    expect(files.filter((f) => /^(src|__tests__|bench|\.github)\//.test(f) || /^dist\/[^/]+$/.test(f))).toEqual([]);
  });

  it('installs nothing but itself: no dependencies of any kind, one bin named as the package', () => {
    expect(Object.keys(manifest).filter((k) => /^[a-z]*dependencies$/i.test(k))).toEqual(['devDependencies']);
    expect(manifest.bin).toEqual({ 'db-migrate-action': 'dist/cli/index.js' });
  });
});

/** `npx ARGS` in the app, with `node` first on PATH, so npx and the CLI both run on it. */
async function npx(node: string, args: string[], versions: string): Promise<CliRun> {
  const env = npmEnv({ PATH: `${dirname(node)}:${process.env.PATH}`, ...recordNodeVersion(versions) });
  return runProcess('npx', args, { cwd: app, env });
}

describe.each([
  ['Node 20 (this one)', async () => process.execPath],
  ['Node 24', node24],
])('npx db-migrate-action on %s', (_name, nodeBin) => {
  let node: string;
  let version: string;
  let n = 0;
  const versionsFile = () => join(tmp, `versions-${version}-${n++}`);
  /** Every Node process of the run (npx's own, and the CLI's) was the binary under test. */
  async function ranOn(file: string): Promise<void> {
    const seen = new Set((await readFile(file, 'utf8')).trim().split('\n'));
    expect([...seen]).toEqual([version]);
  }

  beforeAll(async () => {
    node = await nodeBin();
    version = (await runProcess(node, ['-p', 'process.version'], { cwd: ROOT })).stdout.trim();
  }, NODE24_HOOK_TIMEOUT_MS);

  it('--version prints the package version under the package name', async () => {
    const file = versionsFile();
    expect(await npx(node, ['db-migrate-action', '--version'], file)).toEqual({ code: 0, stdout: `db-migrate-action version ${PKG.version}\n`, stderr: '' });
    await ranOn(file);
  });

  it('--help names the program db-migrate-action', async () => {
    const file = versionsFile();
    const r = await npx(node, ['db-migrate-action', '--help'], file);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout.startsWith('NAME:\n   db-migrate-action - ')).toBe(true);
    expect(r.stdout).toContain('USAGE:\n   db-migrate-action [global options] command [command options]');
    await ranOn(file);
  });

  it('--env-file of a missing file reaches the CLI, which skips it as dbmate does: the bin, and npx after `--`', async () => {
    const args = ['--env-file', 'missing.env', '--url', url, 'status'];
    const expected = { code: 0, stdout: '[ ] 20240101000000_a.sql\n\nApplied: 0\nPending: 1\n', stderr: '' };
    expect(await runProcess(DBMATE_BIN, args, { cwd: app })).toEqual(expected);
    // The bin's launcher hands the file to Node as `node -- file args`, so Node leaves --env-file alone.
    const bin = versionsFile();
    const env = npmEnv({ PATH: `${dirname(node)}:${process.env.PATH}`, ...recordNodeVersion(bin) });
    expect(await runProcess(join(app, 'node_modules/.bin/db-migrate-action'), args, { cwd: app, env })).toEqual(expected);
    await ranOn(bin);
    const file = versionsFile();
    expect(await npx(node, ['--', 'db-migrate-action', ...args], file)).toEqual(expected);
    await ranOn(file);
  });

  it('npx without `--` dies in npx\'s own Node on a missing --env-file, before any of our code (what the docs warn about)', async () => {
    expect(await npx(node, ['db-migrate-action', '--env-file', 'missing.env', '--url', url, 'status'], versionsFile())).toEqual({
      code: 9,
      stdout: '',
      stderr: 'node: missing.env: not found\n',
    });
  });
});
