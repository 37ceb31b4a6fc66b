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

const GO_UNITS_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/**
 * Parse a Go `time.ParseDuration` string (`0`, `1m0s`, `1h2m3.5s`, `500ms`, `250us`, `-1.5h`)
 * into milliseconds, fractions kept (`250us` → 0.25).
 *
 * @throws Error with Go's message, e.g. `time: invalid duration "abc"`, `time: missing unit in duration "5"`
 */
export function parseGoDuration(s: string): number {
  const orig = s;
  const fail = (msg = `time: invalid duration "${orig}"`): never => {
    throw new Error(msg);
  };
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') fail();
  let totalNs = 0;
  while (s !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const [whole, intPart, fracPart] = [num[0], num[1], num[2]];
    // Go needs digits on at least one side of the dot: "." and ".s" are invalid.
    if (intPart === '' && (fracPart === undefined || fracPart === '')) fail();
    s = s.slice(whole.length);
    const unit = /^[^\d.]*/.exec(s)![0];
    if (unit === '') fail(`time: missing unit in duration "${orig}"`);
    const scale = GO_UNITS_NS[unit];
    if (scale === undefined) fail(`time: unknown unit "${unit}" in duration "${orig}"`);
    s = s.slice(unit.length);
    totalNs += Number(intPart === '' ? '0' : intPart) * scale + (fracPart ? Number(`0.${fracPart}`) * scale : 0);
  }
  // Go's Duration is an int64 of nanoseconds.
  if (totalNs > 9_223_372_036_854_775_807) fail();
  const ms = totalNs / 1e6;
  return neg ? -ms : ms;
}
