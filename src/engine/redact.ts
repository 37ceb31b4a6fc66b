/**
 * Redaction: every text we print (logs, summaries, issues, history rows, errors) goes through
 * {@link redact} first, so a password that reaches a message from a driver or a tool is masked.
 */

/** What replaces a password wherever we print text: dbmate's `redactLogString` uses the same mask. */
export const REDACTED = '********';

/**
 * Mask secrets in free text before it is printed. Where the text's structure says "this is a
 * password" the value is masked whatever it is: the password of any `scheme://user:pass@` URL,
 * any `password=`/`sslpassword=` parameter (URL query or conninfo) and any `PGPASSWORD=` assignment.
 * Elsewhere each secret (as written and percent-encoded, any hex case) is masked by
 * {@link redactSecrets}: a distinctive one wherever it occurs, a word-like one only as a whole token.
 * Apply it to every message that may carry driver or tool output.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text.replace(USERINFO_RE, (_m, prefix: string, rest: string) => `${prefix}${REDACTED}@${rest.slice(passwordEnd(rest) + 1)}`);
  out = out.replace(PASSWORD_PARAM_RE, `$1${REDACTED}`);
  out = out.replace(PGPASSWORD_RE, `$1${REDACTED}`);
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
/** `PGPASSWORD=value` as a shell line or an env dump shows it (quoted or bare); group 1 keeps the name. */
const PGPASSWORD_RE = /((?<![A-Za-z0-9_])PGPASSWORD=)(?:"[^"]*"|'[^']*'|[^\s"']*)/g;

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
  return [secret, encoded, encoded.replace(/%20/g, '+'), userinfo];
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

/**
 * Mask every occurrence of the secrets that is not already masked by its place ({@link redact}).
 *
 * A password such as `postgres`, `admin` or `p` is also a word of the messages we print (the URL's
 * scheme and user, "port"), and masking it inside other words mangles them
 * (`********://…`, `********ort`). So a word-like secret is masked only as a whole token: not
 * preceded or followed by a letter, digit or `_` (where the secret itself starts or ends with one),
 * and never as the scheme, user, host or database of a URL, which the URL's structure says are
 * not the password. A distinctive secret (8 or more characters mixing letters, digits or symbols, like a
 * token or a generated password) cannot be mistaken for a word, and glued to other text (a cut
 * statement, a concatenated value) it is still the secret: it is masked wherever it occurs.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const given = [...new Set(secrets.filter((s) => s !== ''))];
  const anywhere = patternsOf(given.filter(distinctive));
  let out = text;
  for (const form of anywhere) out = out.replace(new RegExp(hexInsensitive(form.source), 'g'), REDACTED);
  const tokens = patternsOf(given.filter((s) => !distinctive(s)));
  if (tokens.length === 0) return out;
  const kept = urlAuthorities(out);
  const re = new RegExp(tokens.map((f) => `${f.wordStart ? '(?<![A-Za-z0-9_])' : ''}(?:${hexInsensitive(f.source)})${f.wordEnd ? '(?![A-Za-z0-9_])' : ''}`).join('|'), 'g');
  return out.replace(re, (m: string, ...rest: unknown[]) => {
    const at = rest[rest.length - 2] as number;
    return kept.some(([a, b]) => at >= a && at < b) ? m : REDACTED;
  });
}

/** A secret that cannot pass for a word: 8+ characters of at least two kinds (letters, digits, others). */
function distinctive(secret: string): boolean {
  const kinds = [/[A-Za-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((k) => k.test(secret)).length;
  return secret.length >= 8 && kinds >= 2;
}

interface SecretPattern {
  /** The form, escaped for a RegExp. */
  source: string;
  /** The form starts (ends) with a word character, so a word character before (after) it makes it part of a longer word. */
  wordStart: boolean;
  wordEnd: boolean;
}

// Longest first, so a form that contains another is masked whole.
function patternsOf(secrets: readonly string[]): SecretPattern[] {
  const forms = [...new Set(secrets.flatMap(secretForms))].sort((a, b) => b.length - a.length);
  return forms.map((f) => ({ source: escapeRegExp(f), wordStart: /^[A-Za-z0-9_]/.test(f), wordEnd: /[A-Za-z0-9_]$/.test(f) }));
}

// scheme://authority/path, anchored at a scheme's start (linear on long runs, as USERINFO_RE).
const AUTHORITY_RE = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s?#]*/g;

/**
 * [start, end) of each URL's scheme, authority and path (the database name) in `text`: the
 * password there is already masked by its place; the query's values may still hold it.
 */
function urlAuthorities(text: string): Array<[number, number]> {
  return [...text.matchAll(AUTHORITY_RE)].map((m) => [m.index, m.index + m[0].length]);
}
