import { parseGoDuration } from '../engine/duration.js';

/** What `--since` / `report-since` accept, for error messages. */
export const SINCE_FORMAT = 'a window such as 30d, 2w, 12h or 90m, a date such as 2026-01-31 (UTC), or "all"';

const UNIT_MS: Record<string, number> = { w: 7 * 86_400_000, d: 86_400_000 };

/**
 * Start of a report window: `30d`/`2w` (days and weeks, which Go durations lack), any Go duration
 * (`12h`, `90m`), an ISO date or timestamp, or `all` (null: no lower bound).
 *
 * @throws Error naming the accepted forms when the value is none of them
 */
export function parseSince(value: string, now: Date = new Date()): Date | null {
  const v = value.trim();
  if (v === 'all') return null;
  const m = /^(\d+)([dw])$/.exec(v);
  if (m) return new Date(now.getTime() - Number(m[1]) * UNIT_MS[m[2]]);
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) {
    // A bare date is midnight UTC, so the window does not depend on the runner's time zone.
    const d = new Date(v.length === 10 ? `${v}T00:00:00Z` : v);
    if (!Number.isNaN(d.getTime())) return d;
  }
  if (v !== '' && !/^\d+$/.test(v)) {
    try {
      const ms = parseGoDuration(v);
      if (ms > 0) return new Date(now.getTime() - ms);
    } catch {
      // fall through to the error below
    }
  }
  throw new Error(`invalid window "${value}": expected ${SINCE_FORMAT}`);
}
