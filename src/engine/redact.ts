/**
 * Redaction: every text we print (logs, summaries, issues, history rows, errors) goes through
 * {@link redact} first, so a password that reaches a message from a driver or a tool is masked.
 */

/** What replaces a password wherever we print text: dbmate's `redactLogString` uses the same mask. */
export const REDACTED = '********';

/**
 * Mask secrets in free text before it is printed: every occurrence of each secret (as written and
 * percent-encoded, any hex case), the password of any `scheme://user:pass@` URL, and any
 * `password=` or `sslpassword=` parameter. Apply it to every message that may carry driver or tool output.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text.replace(USERINFO_RE, (_m, prefix: string, rest: string) => `${prefix}${REDACTED}@${rest.slice(passwordEnd(rest) + 1)}`);
  out = out.replace(PASSWORD_PARAM_RE, `$1${REDACTED}`);
  return redactSecrets(out, secrets);
}

/** {@link redact} applied to every string inside a plain value (objects, arrays); dates and numbers pass through. */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v, secrets);
    if (v instanceof Date) return v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

// `scheme://user:` followed by the rest of the whitespace-free token; passwordEnd finds its '@'.
// The lookbehind anchors a match at the start of a scheme: without it a long run of letters is
// rescanned from every position (quadratic; a 200k-character message took minutes).
const USERINFO_RE = /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/?#@]*:)(\S*@\S*)/g;
/** A `password=` or `sslpassword=` parameter (URL query or conninfo string); group 1 keeps the name. */
export const PASSWORD_PARAM_RE = /((?:^|[?&;\s])(?:ssl)?password=)[^&\s#]*/gi;

/**
 * Index of the '@' that ends the userinfo in `rest`. The last '@' before the path is the URL
 * parsers' answer; when the password itself holds `/`, `?` or `#` (an invalid URL we still must
 * not leak), fall back to the last '@' of the token.
 */
function passwordEnd(rest: string): number {
  const pathStart = rest.search(/[/?#]/);
  const head = pathStart === -1 ? rest : rest.slice(0, pathStart);
  const at = head.lastIndexOf('@');
  return at !== -1 ? at : rest.lastIndexOf('@');
}

function secretForms(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  // WHATWG URL serialisation of userinfo encodes fewer characters than encodeURIComponent.
  let userinfo = secret;
  try {
    const u = new URL('postgres://host');
    u.password = secret;
    userinfo = u.password;
  } catch {
    // keep the raw form only
  }
  return [secret, encoded, encoded.replace(/%20/g, '+'), userinfo].map(escapeRegExp);
}

function hexInsensitive(pattern: string): string {
  return pattern.replace(/%([0-9A-Fa-f])([0-9A-Fa-f])/g, (_m, a: string, b: string) => `%${charClass(a)}${charClass(b)}`);
}

function charClass(c: string): string {
  return /[0-9]/.test(c) ? c : `[${c.toLowerCase()}${c.toUpperCase()}]`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function redactSecrets(text: string, secrets: readonly string[]): string {
  const patterns = [...new Set(secrets.filter((s) => s !== '').flatMap(secretForms))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const form of patterns) out = out.replace(new RegExp(hexInsensitive(form), 'g'), REDACTED);
  return out;
}
