/**
 * Format nanoseconds the way Go's time.Duration.String() does, because dbmate prints
 * `Applied: x.sql in 9.357206ms` and users grep for that shape.
 */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let n = neg ? -ns : ns;
  const sign = neg ? '-' : '';
  if (n < 1000n) return `${sign}${n}ns`;
  if (n < 1_000_000n) return sign + fraction(n, 1000n) + 'µs';
  if (n < 1_000_000_000n) return sign + fraction(n, 1_000_000n) + 'ms';
  let out = '';
  const hours = n / 3_600_000_000_000n;
  n -= hours * 3_600_000_000_000n;
  const minutes = n / 60_000_000_000n;
  n -= minutes * 60_000_000_000n;
  if (hours > 0n) out += `${hours}h`;
  if (hours > 0n || minutes > 0n) out += `${minutes}m`;
  return sign + out + fraction(n, 1_000_000_000n) + 's';
}

function fraction(n: bigint, unit: bigint): string {
  const whole = n / unit;
  const rest = n % unit;
  if (rest === 0n) return whole.toString();
  const digits = unit.toString().length - 1;
  return `${whole}.${rest.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Milliseconds (with fraction) between two `process.hrtime.bigint()` readings. */
export function elapsedMs(startNs: bigint, endNs: bigint = process.hrtime.bigint()): number {
  return Number(endNs - startNs) / 1e6;
}
