/**
 * CLI robustness (issue 17): a closed stdout ends quietly with the status dbmate gets, `--json`
 * failures print a JSON error document, `--env` has one meaning, and hints name the right thing.
 * The closed-pipe and --env-file cases run the bundle (`DB_MIGRATE_CLI` names a private build) as users do.
 */
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { usePostgres } from './helpers/pg.js';
import { CLI_BUNDLE, DBMATE_BIN, migration, project, runCli, runProcess } from './helpers/cli.js';
import { node24, NODE24_HOOK_TIMEOUT_MS } from './helpers/node24.js';

const server = usePostgres();
let proj: Awaited<ReturnType<typeof project>>;
let url: string;

beforeAll(async () => {
  proj = await project({ 'db/migrations/1_a.sql': migration('create table a (id int);', 'drop table a;') });
  url = await server().createDatabase();
  const up = await runCli(['--url', url, '--no-dump-schema', 'up'], { cwd: proj.dir });
  expect(up.code).toBe(0);
});
afterAll(async () => proj?.cleanup());

const ENV = { PATH: process.env.PATH, HOME: process.env.HOME };

/** Run a program whose stdout is a pipe the reader closed before the program wrote to it. */
function withClosedStdout(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stderr }));
  });
}

describe('a reader that closes stdout early', () => {
  it('dbmate dies by SIGPIPE (the shell shows 141); db-migrate exits 141 quietly, no EPIPE stack, on this Node and on Node 24', async () => {
    const dbmate = await withClosedStdout(DBMATE_BIN, ['--url', url, 'status'], proj.dir);
    expect(dbmate).toEqual({ code: null, signal: 'SIGPIPE', stderr: '' });
    for (const node of [process.execPath, await node24()]) {
      for (const args of [['--json', '--url', url, 'status'], ['--json', '--url', url, 'rollback', '--dry-run'], ['--url', url, 'status'], ['--help']]) {
        const ours = await withClosedStdout(node, [CLI_BUNDLE, ...args], proj.dir);
        expect([node, args, ours]).toEqual([node, args, { code: 141, signal: null, stderr: '' }]);
      }
    }
  }, NODE24_HOOK_TIMEOUT_MS);

  it('the bundle on Node 24 prints the same --json error document and --env message as in-process', async () => {
    const bin = await node24();
    for (const args of [['--json', '--url', 'postgres://postgres:postgres@127.0.0.1:1/app', 'status'], ['--env', 'NOPE_URL', 'status'], ['--json', 'status', '--bogus']]) {
      const inProcess = await runCli(args, { cwd: proj.dir });
      const bundled = await runProcess(bin, [CLI_BUNDLE, ...args], { cwd: proj.dir });
      expect([args, bundled]).toEqual([args, inProcess]);
    }
  }, NODE24_HOOK_TIMEOUT_MS);

  it('through a real pipeline to head: what head read is intact, no stack trace, the status a shell shows for dbmate', async () => {
    const script = `node "${CLI_BUNDLE}" --json --url "${url}" rollback --dry-run | head -c 10; echo " rc=\${PIPESTATUS[0]}"`;
    const r = await new Promise<{ out: string; err: string }>((res) => {
      const c = spawn('bash', ['-c', script], { cwd: proj.dir, env: ENV });
      let out = '';
      let err = '';
      c.stdout.on('data', (b) => (out += b));
      c.stderr.on('data', (b) => (err += b));
      c.on('close', () => res({ out, err }));
    });
    // The document may fit the pipe before head exits (0) or not (141); never a stack trace.
    expect(r.out).toMatch(/^\{\n {2}"targe rc=(0|141)\n$/);
    expect(r.err).toBe('');
  });
});

describe('--json failures', () => {
  it('print {"error": …} on stdout and the message on stderr, exit 2', async () => {
    const r = await runCli(['--json', '--url', 'postgres://u:p@127.0.0.1:1/app', 'status'], { cwd: proj.dir });
    const hint = 'check the host, port, credentials and sslmode of the database URL, and that the server is reachable from here';
    expect(r).toEqual({
      code: 2,
      stdout: `${JSON.stringify({ error: { code: 'CONNECT_FAILED', message: 'cannot connect to postgres://u:********@127.0.0.1:1/app: connect ECONNREFUSED 127.0.0.1:1', hint } }, null, 2)}\n`,
      stderr: `Error: cannot connect to postgres://u:********@127.0.0.1:1/app: connect ECONNREFUSED 127.0.0.1:1\n  hint: ${hint}\n`,
    });
  });

  it('a bad flag under --json: the error document instead of the help text', async () => {
    const r = await runCli(['--json', 'status', '--bogus'], { cwd: proj.dir });
    expect(r).toEqual({
      code: 2,
      stdout: `${JSON.stringify({ error: { code: 'USAGE', message: 'flag provided but not defined: -bogus', hint: null } }, null, 2)}\n`,
      stderr: 'Error: flag provided but not defined: -bogus\n',
    });
  });

  it('rollback with nothing applied: one document, the run with its error', async () => {
    const empty = await server().createDatabase();
    const r = await runCli(['--json', '--url', empty, '--no-dump-schema', 'rollback'], { cwd: proj.dir });
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.error).toEqual({ code: doc.error.code, message: "can't rollback: no migrations have been applied", hint: doc.error.hint });
    expect(r.stderr).toMatch(/^Error: can't rollback: no migrations have been applied\n/);
  });
});

describe('--env is the variable, --environment the environment name', () => {
  it('names the variable actually asked for', async () => {
    const r = await runCli(['--env', 'NOPE_URL', 'status'], { cwd: proj.dir });
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'Error: invalid url, have you set your --url flag or NOPE_URL environment variable?\n  hint: NOPE_URL is not set in the environment or the env file(s) .env: set it, or pass --url\n',
    });
  });

  it('an environment name given to --env gets a hint towards --environment', async () => {
    const r = await runCli(['--env', 'production', 'history'], { cwd: proj.dir });
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'Error: invalid url, have you set your --url flag or production environment variable?\n  hint: production is not set in the environment or the env file(s) .env; --env names the variable that holds the database URL, and "production" looks like an environment name: to show one environment\'s runs use `db-migrate-action history --environment production`, to reach its database pass --env PRODUCTION_DATABASE_URL or --url\n',
    });
  });

  it('history --env is refused with where each meaning goes; history --environment filters', async () => {
    const r = await runCli(['--env-file', '.env.dbmate', 'history', '--env', 'DEV_DATABASE_URL'], { cwd: proj.dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^Incorrect Usage: flag provided but not defined: -env\n\nNAME:\n {3}db-migrate-action history - /);
    expect(r.stderr).toBe(
      'Error: flag provided but not defined: -env\nhint: -env is the global option naming the variable that holds the database URL (put it before the command); to show one environment, use --environment NAME\n',
    );
    const ok = await runCli(['--env', 'DEV_DATABASE_URL', 'history', '--environment', 'nowhere', '--json'], { cwd: proj.dir, env: { DEV_DATABASE_URL: url } });
    expect(ok).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
  });
});

describe('--env-file through the bin, as users run it', () => {
  it('a missing file is skipped as dbmate skips it, on this Node and on Node 24 (`node` would exit 9 on it)', async () => {
    const args = ['--env-file', 'missing.env', '--url', url, 'status'];
    const expected = { code: 0, stdout: '[X] 1_a.sql\n\nApplied: 1\nPending: 0\n', stderr: '' };
    expect(await runProcess(DBMATE_BIN, args, { cwd: proj.dir })).toEqual(expected);
    for (const node of [process.execPath, await node24()]) {
      // Executed itself, as the npm bin symlink is: its launcher runs `node -- file args`, the `node` first on PATH.
      const r = await runProcess(CLI_BUNDLE, args, { cwd: proj.dir, env: { PATH: `${dirname(node)}:${process.env.PATH}` } });
      expect([node, r]).toEqual([node, expected]);
    }
    // Node itself, given the file and the flag as users might type it, takes the flag first.
    expect(await runProcess(process.execPath, [CLI_BUNDLE, ...args], { cwd: proj.dir })).toEqual({ code: 9, stdout: '', stderr: `${process.execPath}: missing.env: not found\n` });
  }, NODE24_HOOK_TIMEOUT_MS);
});

describe('hints', () => {
  it('rollback --steps 5 with one applied says so on stderr; stdout stays dbmate’s', async () => {
    const one = await server().createDatabase();
    expect((await runCli(['--url', one, '--no-dump-schema', 'up'], { cwd: proj.dir })).code).toBe(0);
    const r = await runCli(['--url', one, '--no-dump-schema', 'rollback', '--steps', '5'], { cwd: proj.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Rolling back: 1_a\.sql\nRolled back: 1_a\.sql in \S+\n$/);
    expect(r.stderr).toBe('Warning: rolled back 1 of the 5 requested: only 1 was applied\n');
  });

  it('verify --help says it verifies every migration', async () => {
    const r = await runCli(['verify', '--help'], { cwd: proj.dir });
    expect(r.stdout).toContain('db-migrate-action verify - Apply, roll back and re-apply every migration on a scratch database to prove their down blocks\n');
  });
});
