import { describe, it, expect } from '@jest/globals';
import {
  DEFAULT_LOCK_RETRIES,
  DEFAULT_LOCK_RETRY_BUDGET_MS,
  DEFAULT_LOCK_TIMEOUT_MS,
  effectiveCapMs,
  firstAttempt,
  lockTimeoutOf,
  nextAttempt,
  scheduleTable,
  type LockAttempt,
  type LockScheduleSettings,
} from '../src/engine/lock-schedule.js';
import { INPUT_DEFAULTS, Inputs } from '../src/action/constants.js';
import { GLOBAL_FLAGS } from '../src/cli/args/flags.js';
import { parseGoDuration } from '../src/engine/duration.js';

const DEFAULTS: LockScheduleSettings = { capMs: DEFAULT_LOCK_TIMEOUT_MS, retries: DEFAULT_LOCK_RETRIES, budgetMs: DEFAULT_LOCK_RETRY_BUDGET_MS };

/** Every attempt of a schedule where each attempt waits its full lock_timeout, with a fixed random. */
function run(s: LockScheduleSettings, random: () => number): { attempts: LockAttempt[]; end: string; totalMs: number } {
  const attempts = [firstAttempt(s)];
  let t = attempts[0].lockTimeoutMs;
  for (;;) {
    const next = nextAttempt(s, attempts.length, t, random);
    if (typeof next === 'string') return { attempts, end: next, totalMs: t };
    t += next.pauseMs + next.lockTimeoutMs;
    attempts.push(next);
  }
}

describe('lock schedule', () => {
  it('has the same defaults as action.yml and the CLI', () => {
    const flag = (name: string) => GLOBAL_FLAGS.find((f) => f.name === name)!.default!;
    expect(parseGoDuration(INPUT_DEFAULTS[Inputs.LockTimeout])).toBe(DEFAULT_LOCK_TIMEOUT_MS);
    expect(parseGoDuration(flag('lock-timeout'))).toBe(DEFAULT_LOCK_TIMEOUT_MS);
    expect(Number(INPUT_DEFAULTS[Inputs.LockRetries])).toBe(DEFAULT_LOCK_RETRIES);
    expect(Number(flag('lock-retries'))).toBe(DEFAULT_LOCK_RETRIES);
    expect(parseGoDuration(INPUT_DEFAULTS[Inputs.LockRetryBudget])).toBe(DEFAULT_LOCK_RETRY_BUDGET_MS);
    expect(parseGoDuration(flag('lock-retry-budget'))).toBe(DEFAULT_LOCK_RETRY_BUDGET_MS);
  });

  it('starts at 50 ms and doubles each attempt up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => lockTimeoutOf(DEFAULTS, n))).toEqual([50, 100, 200, 400, 400, 400, 400]);
    expect([1, 4, 5, 6, 7, 8].map((n) => lockTimeoutOf({ ...DEFAULTS, capMs: 5000 }, n))).toEqual([50, 400, 800, 1600, 3200, 5000]);
    expect([1, 2, 3].map((n) => lockTimeoutOf({ ...DEFAULTS, capMs: 20 }, n))).toEqual([20, 20, 20]);
    expect(lockTimeoutOf({ ...DEFAULTS, capMs: 0 }, 1)).toBe(0);
  });

  it('pauses between half and all of a nominal pause that doubles from 100 ms to 2 s', () => {
    const at = (random: number) => [2, 3, 4, 5, 6, 7, 8].map((n) => (nextAttempt(DEFAULTS, n - 1, 0, () => random) as LockAttempt).pauseMs);
    expect(at(0)).toEqual([50, 100, 200, 400, 800, 1000, 1000]);
    expect(at(0.5)).toEqual([75, 150, 300, 600, 1200, 1500, 1500]);
    expect(at(0.999999)).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
    // A longer cap gets longer pauses: twice the cap.
    expect((nextAttempt({ ...DEFAULTS, capMs: 5000 }, 10, 0, () => 0.999999) as LockAttempt).pauseMs).toBe(10_000);
  });

  it('at defaults keeps every attempt within 400 ms and ends with the 30 s budget, never with the retry count', () => {
    for (const random of [() => 0, () => 0.5, () => 0.999999]) {
      const r = run(DEFAULTS, random);
      expect(r.end).toBe('budget');
      expect(Math.max(...r.attempts.map((a) => a.lockTimeoutMs))).toBe(400);
      expect(r.totalMs).toBeLessThanOrEqual(DEFAULT_LOCK_RETRY_BUDGET_MS);
      expect(r.totalMs).toBeGreaterThan(DEFAULT_LOCK_RETRY_BUDGET_MS - 2400);
      expect(r.attempts.length).toBeLessThanOrEqual(DEFAULT_LOCK_RETRIES);
    }
    expect(run(DEFAULTS, () => 0).attempts.length).toBe(25);
    expect(run(DEFAULTS, () => 0.999999).attempts.length).toBe(16);
  });

  it('shortens the last attempt to what is left of the budget, and skips one shorter than 50 ms', () => {
    const s = { capMs: 400, retries: 100, budgetMs: 1000 };
    expect(nextAttempt(s, 3, 700, () => 0)).toEqual({ attempt: 4, lockTimeoutMs: 100, pauseMs: 200 });
    expect(nextAttempt(s, 3, 760, () => 0)).toBe('budget');
    expect(nextAttempt(s, 3, 750, () => 0)).toEqual({ attempt: 4, lockTimeoutMs: 50, pauseMs: 200 });
  });

  it('stops after lock-retries retries', () => {
    const r = run({ capMs: 200, retries: 2, budgetMs: 0 }, () => 0);
    expect(r.end).toBe('retries');
    expect(r.attempts).toEqual([
      { attempt: 1, lockTimeoutMs: 50, pauseMs: 0 },
      { attempt: 2, lockTimeoutMs: 100, pauseMs: 50 },
      { attempt: 3, lockTimeoutMs: 200, pauseMs: 100 },
    ]);
    expect(run({ ...DEFAULTS, retries: 0 }, () => 0).attempts).toEqual([{ attempt: 1, lockTimeoutMs: 50, pauseMs: 0 }]);
  });

  it('keeps the server lock_timeout when shorter, unless lock-timeout was chosen', () => {
    expect(effectiveCapMs(400, false, 200)).toBe(200);
    expect(effectiveCapMs(400, false, 1000)).toBe(400);
    expect(effectiveCapMs(400, false, 0)).toBe(400);
    expect(effectiveCapMs(400, false, undefined)).toBe(400);
    expect(effectiveCapMs(5000, true, 200)).toBe(5000);
    expect(effectiveCapMs(0, true, 200)).toBe(0);
  });

  it('tabulates the default schedule (as docs/DATABASE_MIGRATIONS.md shows it)', () => {
    const rows = scheduleTable(DEFAULTS);
    expect(rows.slice(0, 7)).toEqual([
      { attempt: 1, lockTimeoutMs: 50, pauseMs: [0, 0], endsByMs: 50 },
      { attempt: 2, lockTimeoutMs: 100, pauseMs: [50, 100], endsByMs: 250 },
      { attempt: 3, lockTimeoutMs: 200, pauseMs: [100, 200], endsByMs: 650 },
      { attempt: 4, lockTimeoutMs: 400, pauseMs: [200, 400], endsByMs: 1450 },
      { attempt: 5, lockTimeoutMs: 400, pauseMs: [400, 800], endsByMs: 2650 },
      { attempt: 6, lockTimeoutMs: 400, pauseMs: [800, 1600], endsByMs: 4650 },
      { attempt: 7, lockTimeoutMs: 400, pauseMs: [1000, 2000], endsByMs: 7050 },
    ]);
    expect(rows.length).toBe(16);
    expect(rows.at(-1)!.endsByMs).toBeLessThanOrEqual(30_000);
  });
});
