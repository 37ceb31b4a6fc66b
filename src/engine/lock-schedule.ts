/**
 * The schedule of lock attempts for one migration (or one `transaction:false` statement): short
 * `lock_timeout` attempts first, growing to a cap, with jittered pauses that grow too, all inside
 * a budget of wall time. Pure: the caller passes the time spent so far and the random source.
 *
 * Why: while an `ALTER TABLE` waits for its lock, every query on the table queues behind it, so an
 * attempt's `lock_timeout` is the longest stall the application sees. A short first attempt gets
 * through at once on a table that is only briefly busy; the pauses let the queue drain and keep
 * the share of time the table is stalled small; the budget bounds the whole deploy.
 */

/** `lock_timeout` of the first attempt, ms; doubled each attempt up to the cap. */
export const FIRST_LOCK_TIMEOUT_MS = 50;
/** Nominal pause before the first retry, ms; doubled each retry up to {@link pauseCapMs}. */
export const FIRST_PAUSE_MS = 100;
/** Longest nominal pause, ms, unless the cap is longer (see {@link pauseCapMs}). */
export const MIN_PAUSE_CAP_MS = 2000;

/** What the schedule is made of: the inputs `lock-timeout`, `lock-retries` and `lock-retry-budget`. */
export interface LockScheduleSettings {
  /** Longest `lock_timeout` of any attempt, ms; 0 = no lock_timeout (one attempt that waits as long as it takes). */
  capMs: number;
  /** Most retries after the first attempt. */
  retries: number;
  /** Wall time the attempts and pauses of one migration may take, ms; 0 = no limit (only {@link retries} ends them). */
  budgetMs: number;
}

/** One attempt of the schedule. */
export interface LockAttempt {
  /** 1 for the first attempt. */
  attempt: number;
  /** `lock_timeout` of this attempt, ms (0 = none). */
  lockTimeoutMs: number;
  /** Pause before this attempt, ms (0 for the first). */
  pauseMs: number;
}

/** Why the schedule has no further attempt. */
export type LockGiveUp = 'retries' | 'budget';

/** The first attempt: no pause, the shortest lock_timeout. */
export function firstAttempt(s: LockScheduleSettings): LockAttempt {
  return { attempt: 1, lockTimeoutMs: lockTimeoutOf(s, 1), pauseMs: 0 };
}

/** Nominal `lock_timeout` of attempt `n` (1-based): 50 ms doubled each attempt, never above the cap. */
export function lockTimeoutOf(s: LockScheduleSettings, n: number): number {
  if (s.capMs === 0) return 0;
  return Math.min(s.capMs, FIRST_LOCK_TIMEOUT_MS * 2 ** (n - 1));
}

/**
 * Longest nominal pause: 2 s, or twice the cap when that is longer, so that with long attempts
 * (an explicit `lock-timeout: 5s`) the table is still free at least two thirds of the time.
 */
export function pauseCapMs(s: LockScheduleSettings): number {
  return Math.max(MIN_PAUSE_CAP_MS, 2 * s.capMs);
}

/** Nominal pause before attempt `n` (n ≥ 2): 100 ms doubled each retry, never above {@link pauseCapMs}. */
export function nominalPauseOf(s: LockScheduleSettings, n: number): number {
  return Math.min(pauseCapMs(s), FIRST_PAUSE_MS * 2 ** (n - 2));
}

/**
 * The attempt after `failed`, or why there is none. `elapsedMs` is the wall time since the first
 * attempt started; `random` returns a number in [0, 1) (`Math.random`) and jitters the pause
 * between half and all of its nominal length, so runs that collide do not retry in step.
 * The pause and the whole next attempt must fit in what is left of the budget; the last attempt's
 * lock_timeout is shortened to fit, and one shorter than the first attempt's is not tried.
 */
export function nextAttempt(s: LockScheduleSettings, failed: number, elapsedMs: number, random: () => number): LockAttempt | LockGiveUp {
  if (failed > s.retries) return 'retries';
  const n = failed + 1;
  const nominal = nominalPauseOf(s, n);
  const pauseMs = Math.round(nominal / 2 + (nominal / 2) * Math.min(Math.max(random(), 0), 1));
  let lockTimeoutMs = lockTimeoutOf(s, n);
  if (s.budgetMs > 0) {
    const left = s.budgetMs - elapsedMs - pauseMs;
    if (lockTimeoutMs === 0) {
      if (left <= 0) return 'budget';
    } else {
      const shortest = Math.min(FIRST_LOCK_TIMEOUT_MS, lockTimeoutMs);
      if (left < shortest) return 'budget';
      lockTimeoutMs = Math.min(lockTimeoutMs, Math.floor(left));
    }
  }
  return { attempt: n, lockTimeoutMs, pauseMs };
}

/**
 * The cap that applies: an explicit `lock-timeout` as given; otherwise the default, lowered to
 * the server's own `lock_timeout` (set for the role or database) when that is shorter, so a
 * DBA's limit holds.
 */
export function effectiveCapMs(capMs: number, explicit: boolean, serverLockTimeoutMs: number | undefined): number {
  if (explicit || !serverLockTimeoutMs || serverLockTimeoutMs <= 0) return capMs;
  return capMs === 0 ? serverLockTimeoutMs : Math.min(capMs, serverLockTimeoutMs);
}

/**
 * The schedule as a table (for the docs and the tests): each attempt with its nominal pause range
 * and the latest time it can end, assuming every attempt waits its full lock_timeout, until the
 * retries or the budget (with the longest pauses) end it.
 */
export function scheduleTable(s: LockScheduleSettings): { attempt: number; lockTimeoutMs: number; pauseMs: [number, number]; endsByMs: number }[] {
  const rows = [{ attempt: 1, lockTimeoutMs: lockTimeoutOf(s, 1), pauseMs: [0, 0] as [number, number], endsByMs: lockTimeoutOf(s, 1) }];
  for (;;) {
    const last = rows[rows.length - 1];
    const next = nextAttempt(s, last.attempt, last.endsByMs, () => 1);
    if (typeof next === 'string') return rows;
    const nominal = nominalPauseOf(s, next.attempt);
    rows.push({ attempt: next.attempt, lockTimeoutMs: next.lockTimeoutMs, pauseMs: [nominal / 2, nominal], endsByMs: last.endsByMs + next.pauseMs + next.lockTimeoutMs });
    if (rows.length > 1000) return rows;
  }
}

/**
 * Default cap (`lock-timeout`), ms: the longest any query on a busy table stalls behind one
 * attempt is about its lock_timeout plus the time to cancel it, so 400 ms keeps every stall
 * under half a second with room for timer slack and a round trip.
 */
export const DEFAULT_LOCK_TIMEOUT_MS = 400;
/**
 * Default `lock-retries`: more than fit in the default budget (at most about 24 with the shortest
 * pauses), so at defaults the budget, not the count, ends the retries.
 */
export const DEFAULT_LOCK_RETRIES = 30;
/** Default `lock-retry-budget`, ms: a migration that cannot get its lock within 30 s fails instead of holding up the deploy. */
export const DEFAULT_LOCK_RETRY_BUDGET_MS = 30_000;
