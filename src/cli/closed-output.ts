/**
 * A reader that goes away early (`db-migrate-action --json status | head -1`) closes our stdout. dbmate,
 * a Go program, is then killed by SIGPIPE at its next write, quietly: the shell reports 141
 * (128 + SIGPIPE). Node ignores SIGPIPE and reports the failed write as an `EPIPE` error event on
 * the stream, which with no listener is an uncaught exception and a stack trace. This module turns
 * it back into dbmate's behaviour: nothing printed, exit status {@link CLOSED_OUTPUT_EXIT_CODE}.
 */

/** The exit status a shell shows for dbmate killed by SIGPIPE (128 + 13); a Node process cannot die by that signal. */
export const CLOSED_OUTPUT_EXIT_CODE = 141;

/** The process streams' state, shared by every {@link main} of the process. */
export interface ClosedOutput {
  /** Whether the reader of stdout or stderr went away: writes are skipped from then on. */
  readonly closed: boolean;
}

let state: { closed: boolean } | undefined;

/**
 * Listen (once per process) for a closed stdout or stderr. Only `EPIPE` (and the
 * `ERR_STREAM_DESTROYED` of writes after it) is taken as "the reader left"; any other stream error
 * is thrown as before, so it is not hidden.
 */
export function watchClosedOutput(streams: readonly NodeJS.WritableStream[] = [process.stdout, process.stderr]): ClosedOutput {
  if (state) return state;
  const s = { closed: false };
  for (const stream of streams) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
      s.closed = true;
    });
  }
  state = s;
  return s;
}
