/**
 * The bundles as users run them, as child processes a fault test can interrupt: the action
 * (`node dist/index.js`, set up as a runner sets up a step by scripts/action-runner.mjs) and the
 * CLI (`node dist/cli/index.js`). A test starts one, sends it a signal once a condition holds
 * (e.g. its backend is inside `pg_sleep`), and waits for its exit with a deadline: a run that
 * hangs fails the test clearly and is killed, so nothing outlives the test file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { expect } from '@jest/globals';
import { waitFor } from './pg.js';
import { CLI_BUNDLE } from './cli.js';
import { ACTION_BUNDLE, stepFiles, type StepFiles } from '../../scripts/action-runner.mjs';

/** A started child process and everything it has printed so far. */
export interface Running {
  readonly child: ChildProcess;
  /** What the command line was, for messages. */
  readonly label: string;
  /** `Date.now()` when it was spawned. */
  readonly startedAt: number;
  /** Output so far (complete once {@link exited} resolved). */
  readonly stdout: string;
  readonly stderr: string;
  /** Signals sent through {@link signalWhen}, in order. */
  readonly signals: { signal: NodeJS.Signals; at: number }[];
  /** When the test caused a fault that is not a signal (a terminated backend, a cut network); see {@link markFault}. */
  faultAt?: number;
  /** Settles when the process has exited and its output streams are closed. */
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** How a child ended. `msFromSignal`: from the last signal sent through {@link signalWhen}, else from {@link markFault}'s mark, else from the start. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  msFromSignal: number;
  stdout: string;
  stderr: string;
}

const alive = new Set<Running>();

/** Start `cmd args` with exactly `env` (plus PATH and HOME), capturing its output. */
export function start(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string | undefined> }): Running {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b) => (stdout += b));
  child.stderr!.on('data', (b) => (stderr += b));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.on('error', (err) => {
      stderr += `\n[spawn error] ${err.message}`;
      resolve({ code: null, signal: null, at: Date.now() });
    });
    child.on('close', (code, signal) => resolve({ code, signal, at: Date.now() }));
  });
  const r: Running = {
    child,
    label: [cmd, ...args].join(' '),
    startedAt: Date.now(),
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    signals: [],
    done,
  };
  alive.add(r);
  void done.then(() => alive.delete(r));
  return r;
}

/** The bundled CLI, `node dist/cli/index.js ARGS` (`DB_MIGRATE_CLI` names another bundle). */
export function startCli(args: string[], opts: { cwd: string; env?: Record<string, string | undefined> }): Running {
  return start(process.execPath, [CLI_BUNDLE, ...args], opts);
}

/** A running action step: the process and the runner's files it writes its outputs and summary to. */
export interface RunningAction extends Running {
  readonly files: StepFiles;
}

/**
 * The bundled action (`DB_MIGRATE_ACTION` or dist/index.js) started as a runner starts a step:
 * INPUT_* variables with action.yml's defaults, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files.
 * Read them with {@link actionResult} after the exit; it also removes them.
 */
export async function startAction(
  inputs: Record<string, string>,
  opts: { cwd: string; token?: string; env?: Record<string, string | undefined>; bundle?: string },
): Promise<RunningAction> {
  const files = await stepFiles(inputs, opts);
  const r = start(process.execPath, [opts.bundle ?? ACTION_BUNDLE], { cwd: opts.cwd, env: files.env });
  return Object.assign(r, { files });
}

/** The outputs (GITHUB_OUTPUT parsed) and the job summary of an action step that has exited; removes the step's files. */
export async function actionResult(r: RunningAction): Promise<{ outputs: Record<string, string>; outputFile: string; summary: string }> {
  await r.done;
  try {
    return await r.files.read();
  } finally {
    await r.files.cleanup();
  }
}

/** Note the moment a fault that is not a signal was caused, so {@link exited} measures from it. */
export function markFault(r: Running): number {
  r.faultAt = Date.now();
  return r.faultAt;
}

/**
 * Send `signal` to the child as soon as `condition` holds (polled, with a deadline) and return
 * when it was sent. Fails clearly when the child exits first or the condition never holds.
 */
export async function signalWhen(r: Running, condition: () => Promise<boolean> | boolean, signal: NodeJS.Signals, timeoutMs = 15_000): Promise<number> {
  let exitedFirst = false;
  void r.done.then(() => (exitedFirst = true));
  await waitFor(async () => exitedFirst || (await condition()), timeoutMs, `the condition to send ${signal} to ${r.label}`).catch((err: Error) => {
    throw new Error(`${err.message}\n${tail(r)}`);
  });
  if (exitedFirst) throw new Error(`${r.label} exited before the condition to send ${signal} held\n${tail(r)}`);
  r.child.kill(signal);
  const at = Date.now();
  r.signals.push({ signal, at });
  return at;
}

/**
 * Wait for the child to exit, at most `deadlineMs` from now. Past the deadline the child is
 * SIGKILLed (so nothing lingers) and this throws with what it printed.
 */
export async function exited(r: Running, deadlineMs: number): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), deadlineMs)));
  const res = await Promise.race([r.done, deadline]);
  clearTimeout(timer);
  if (res === 'deadline') {
    r.child.kill('SIGKILL');
    await r.done;
    throw new Error(`${r.label} did not exit within ${deadlineMs} ms (killed with SIGKILL)\n${tail(r)}`);
  }
  const from = r.signals.at(-1)?.at ?? r.faultAt ?? r.startedAt;
  const exit = { code: res.code, signal: res.signal, msFromSignal: res.at - from, stdout: r.stdout, stderr: r.stderr };
  // The figures of docs/RELIABILITY.md: `FAULT_FIGURES=<file> npm test -- faults` appends one line per run.
  if (process.env.FAULT_FIGURES && (r.signals.length > 0 || r.faultAt !== undefined)) {
    const what = r.signals.at(-1)?.signal ?? 'fault';
    appendFileSync(process.env.FAULT_FIGURES, `${expect.getState().currentTestName}\t${what}\texit ${res.code ?? res.signal}\t${exit.msFromSignal} ms\n`);
  }
  return exit;
}

/** SIGKILL every child still running (for afterEach/afterAll) and wait for them. */
export async function killLeftovers(): Promise<number> {
  const left = [...alive];
  for (const r of left) r.child.kill('SIGKILL');
  await Promise.all(left.map((r) => r.done));
  return left.length;
}

function tail(r: Running): string {
  const last = (s: string) => s.split('\n').slice(-15).join('\n');
  return `--- stdout (end) ---\n${last(r.stdout)}\n--- stderr (end) ---\n${last(r.stderr)}`;
}
