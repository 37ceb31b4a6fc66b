/**
 * A CI job that is cancelled gets SIGINT, then SIGTERM 7.5 s later, then SIGKILL 2.5 s after
 * that (GitHub Actions' runner). Node's default is to die at the first signal, which leaves no
 * record and lets the migration in flight commit unseen. Both entries (the action and the CLI)
 * turn the first SIGINT or SIGTERM into an abort instead, and the engine winds down within the
 * grace period: see `docs/RELIABILITY.md`.
 */

/** Exit code of a process stopped by `name`, as a shell reports it (128 + the signal's number). */
export function signalExitCode(name: string): number {
  return name === 'SIGTERM' ? 143 : 130;
}

/** What {@link cancelOnSignals} returns. */
export interface CancelSignals {
  /** Aborted at the first SIGINT or SIGTERM; its reason is the signal's name. */
  readonly signal: AbortSignal;
  /** Remove the handlers (the process then reacts to signals as Node does by default). */
  dispose(): void;
}

/**
 * Abort the returned signal at the first SIGINT or SIGTERM, and tell `onSignal` about each one
 * (a second one means the kill is near). `lastResortMs` after the first, `lastResort` runs: the
 * run should have ended long before; this is the exit that beats the SIGKILL.
 */
export function cancelOnSignals(opts: { onSignal?: (name: NodeJS.Signals, first: boolean) => void; lastResortMs?: number; lastResort?: (name: NodeJS.Signals) => void } = {}): CancelSignals {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const handler = (name: NodeJS.Signals) => {
    const first = !controller.signal.aborted;
    opts.onSignal?.(name, first);
    if (!first) return;
    controller.abort(name);
    if (opts.lastResort) {
      timer = setTimeout(() => opts.lastResort!(name), opts.lastResortMs ?? LAST_RESORT_MS);
      timer.unref();
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      if (timer) clearTimeout(timer);
    },
  };
}

/**
 * Once the run has ended and said so, nothing may keep the process alive: a connection still
 * being opened over a dead network would hold it for its whole connect timeout. The timer is
 * unref'd, so it fires only when something else lingers.
 */
export function exitSoonIfLingering(code: number, graceMs = LINGER_MS): void {
  setTimeout(() => process.exit(code), graceMs).unref();
}

const LINGER_MS = 1_000;

/** 9 s: after GitHub's SIGTERM (7.5 s), before its SIGKILL (10 s). */
export const LAST_RESORT_MS = 9_000;
