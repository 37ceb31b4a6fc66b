/**
 * Cancellation of a run from the outside (a CI job cancelled: SIGINT, then SIGTERM). The caller
 * aborts an `AbortSignal` with the signal's name as its reason; the engine then starts nothing
 * new, cancels the statement in flight, and says in every message what stopped the run.
 */
import { MigrationError } from './errors.js';

/** What cancelled the run, for messages: the reason given to `abort()` (e.g. `SIGINT`), else `cancel`. */
export function abortReason(signal: AbortSignal | undefined): string {
  const r: unknown = signal?.reason;
  if (typeof r === 'string') return r;
  if (r instanceof Error && r.name !== 'AbortError') return r.message;
  return 'cancel';
}

/** The error of a run stopped by `signal` before `what` (e.g. `the next migration`). */
export function cancelledError(signal: AbortSignal | undefined, what: string): MigrationError {
  return new MigrationError('CANCELLED', `cancelled by ${abortReason(signal)} before ${what}`, {
    hint: 'the run stopped on purpose; run it again to continue (migrations that completed stay applied)',
  });
}

/** Whether an error is a cancellation (ours, or a statement the server cancelled for it). */
export function isCancellation(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === 'CANCELLED';
}
