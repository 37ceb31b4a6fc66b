import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { main } from '../../src/cli/main.js';

/** What a command printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Repository root (tests run with it as cwd under jest). */
export const ROOT = resolve(process.cwd());

/** Run `db-migrate` in-process from the TypeScript sources (fast; no build needed). */
export async function runCli(args: string[], opts: { env?: Record<string, string | undefined>; cwd: string }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env }, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    cwd: opts.cwd,
  });
  return { code, stdout, stderr };
}

/**
 * Start `db-migrate` in-process without waiting: `out` fills while it runs (so a test can act on
 * a line it printed), `done` gives its exit code and how long it took. `signal` cancels it as
 * SIGINT/SIGTERM would the bin.
 */
export function startCli(
  args: string[],
  opts: { env?: Record<string, string | undefined>; cwd: string; signal?: AbortSignal },
): { out: { stdout: string; stderr: string }; done: Promise<{ code: number; ms: number }> } {
  const out = { stdout: '', stderr: '' };
  const t0 = Date.now();
  const done = main(args, { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env }, {
    stdout: (s) => void (out.stdout += s),
    stderr: (s) => void (out.stderr += s),
    cwd: opts.cwd,
    ...(opts.signal ? { signal: opts.signal } : {}),
  }).then((code) => ({ code, ms: Date.now() - t0 }));
  return { out, done };
}

/** Run a program as a child process with exactly this environment (plus PATH/HOME). */
export function runProcess(cmd: string, args: string[], opts: { env?: Record<string, string | undefined>; cwd: string }): Promise<CliRun> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', rej);
    child.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * stderr without the lint warnings `up`/`migrate`/`plan` print before running (each finding, the
 * `Lint (pending, …)` tally): for tests about something else whose files lint has an opinion on.
 * The warnings themselves are tested in cli-lint.test.ts.
 */
export function withoutLintWarnings(stderr: string): string {
  return stderr.replace(/^Warning: (?:\S+:\d+:\d+: (?:error|warning|info) \S+: |Lint \(pending, |lint could not read table sizes).*\n/gm, '');
}

/** The bundled CLI, exactly as users run it. */
export const CLI_BUNDLE = process.env.DB_MIGRATE_CLI ?? join(ROOT, 'dist/cli/index.js');

/** Run the bundled `dist/cli/index.js` in a child process. */
export function runCliBundle(args: string[], opts: { env?: Record<string, string | undefined>; cwd: string }): Promise<CliRun> {
  return runProcess(process.execPath, [CLI_BUNDLE, ...args], opts);
}

/** The real dbmate binary from the `dbmate` devDependency (the Go binary, not its node wrapper). */
export const DBMATE_BIN = join(ROOT, `node_modules/@dbmate/${process.platform}-${process.arch === 'x64' ? 'x64' : process.arch}/bin/dbmate`);

/** Run the real dbmate. */
export function runDbmate(args: string[], opts: { env?: Record<string, string | undefined>; cwd: string }): Promise<CliRun> {
  return runProcess(DBMATE_BIN, args, opts);
}

/** A temp project directory with the given files (paths relative to it); removed by `cleanup`. */
export async function project(files: Record<string, string> = {}): Promise<{ dir: string; write(files: Record<string, string>): Promise<void>; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'dbm-proj-'));
  const write = async (fs: Record<string, string>) => {
    for (const [p, content] of Object.entries(fs)) {
      await mkdir(dirname(join(dir, p)), { recursive: true });
      await writeFile(join(dir, p), content);
    }
  };
  await write(files);
  return { dir, write, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A dbmate migration file body. */
export function migration(up: string, down = '', opts: { upOptions?: string; downOptions?: string } = {}): string {
  return `-- migrate:up${opts.upOptions ? ` ${opts.upOptions}` : ''}\n${up}\n\n-- migrate:down${opts.downOptions ? ` ${opts.downOptions}` : ''}\n${down}\n`;
}
