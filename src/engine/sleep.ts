/** Resolve after `ms` milliseconds: the one timer behind every retry, backoff and poll. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
