/**
 * Resolve after `ms` milliseconds: the one timer behind every retry, backoff and poll. With a
 * `signal`, an abort ends the wait at once (the caller checks `signal.aborted` afterwards), so a
 * cancelled run never sits out a backoff.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
