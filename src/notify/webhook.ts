/**
 * POST a JSON payload to an incoming webhook (Slack and the services that copied its format).
 * Generic: it knows nothing of migrations. The URL is a credential (the token is its path), so
 * no text this module returns ever contains it, and it never throws: the caller decides what a
 * failed notification means (for the action: a warning).
 */
import { sleep } from '../engine/sleep.js';

/** Knobs of {@link postWebhook}. */
export interface WebhookOptions {
  /** Timeout of each attempt, ms (default 10 000). A timed-out attempt is not retried: it may have been delivered. */
  timeoutMs?: number;
  /** Further attempts after a connection error, HTTP 429 or 5xx (default 1). */
  retries?: number;
  /** Delay before a retry when the answer has no usable `Retry-After`, ms (default 1000). */
  retryDelayMs?: number;
}

/** What became of the request. */
export interface WebhookResult {
  /** The webhook answered 2xx. */
  ok: boolean;
  /** HTTP status of the last answer, when there was one. */
  status?: number;
  /** Why it failed, safe to print (never the URL), e.g. `HTTP 404 (no_service)`, `timed out after 10000 ms`. */
  error?: string;
  /** Requests made, retries included. */
  attempts: number;
}

/** Sends a payload to a webhook URL; the seam tests and the pipeline use. */
export type PostWebhook = (url: string, payload: unknown, opts?: WebhookOptions) => Promise<WebhookResult>;

/** Longest `Retry-After` honoured, ms: a notification must not hold a deploy job for long. */
export const MAX_RETRY_AFTER_MS = 5000;

/** Characters of an error answer's body quoted in {@link WebhookResult.error} (Slack answers e.g. `invalid_payload`). */
const BODY_EXCERPT = 200;

/**
 * POST `payload` as JSON to `url` with the global `fetch`; each attempt is bounded by
 * `AbortSignal.timeout`. A connection error, 429 or 5xx is retried (`retries` times, after
 * `Retry-After` when it is at most {@link MAX_RETRY_AFTER_MS}, else after `retryDelayMs`).
 * Never throws, and no returned text contains the URL.
 */
export const postWebhook: PostWebhook = async (url, payload, opts = {}) => {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const retries = Math.max(0, opts.retries ?? 1);
  const retryDelayMs = Math.max(0, opts.retryDelayMs ?? 1000);
  const scrub = scrubber(url);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return { ok: false, error: 'not an absolute http(s) URL', attempts: 0 };
  let body: string;
  try {
    body = JSON.stringify(payload);
  } catch (err) {
    return { ok: false, error: scrub(`the payload is not JSON: ${(err as Error).message}`), attempts: 0 };
  }
  let last: WebhookResult = { ok: false, error: 'not sent', attempts: 0 };
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json, text/plain, */*' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      if (isTimeout(err)) return { ok: false, error: `timed out after ${timeoutMs} ms`, attempts: attempt };
      last = { ok: false, error: scrub(`could not connect (${networkReason(err)})`), attempts: attempt };
      if (attempt <= retries) await sleep(retryDelayMs);
      continue;
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return { ok: true, status: res.status, attempts: attempt };
    const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, BODY_EXCERPT);
    last = { ok: false, status: res.status, error: scrub(`HTTP ${res.status}${excerpt ? ` (${excerpt})` : ''}`), attempts: attempt };
    if (!(res.status === 429 || res.status >= 500)) return last;
    if (attempt <= retries) await sleep(retryAfterMs(res.headers.get('retry-after')) ?? retryDelayMs);
  }
  if (last.attempts > 1 && last.error) last.error = `${last.error}, after ${last.attempts} attempts`;
  return last;
};

/** `Retry-After` in ms (seconds or an HTTP date), when present and at most {@link MAX_RETRY_AFTER_MS}. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const v = header.trim();
  const ms = /^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v) - Date.now();
  if (!Number.isFinite(ms)) return undefined;
  return ms <= MAX_RETRY_AFTER_MS ? Math.max(0, ms) : undefined;
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** The system error code behind undici's `fetch failed` (ECONNREFUSED, ENOTFOUND, …), else its message. */
function networkReason(err: unknown): string {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    e = (e as { cause?: unknown }).cause;
  }
  const cause = (err as { cause?: { message?: string } }).cause?.message;
  return cause || (err instanceof Error ? err.message : String(err));
}

/** Removes the URL, and everything after its host, from a text about it (undici messages can quote either). */
function scrubber(url: string): (text: string) => string {
  const forms = new Set<string>([url]);
  try {
    const u = new URL(url);
    forms.add(u.href);
    const rest = `${u.pathname}${u.search}`;
    if (rest.length > 1) forms.add(rest);
  } catch {
    // not a URL: only its exact text is removed
  }
  const sorted = [...forms].filter((f) => f !== '').sort((a, b) => b.length - a.length);
  return (text) => sorted.reduce((t, f) => t.split(f).join('<webhook URL>'), text);
}

/**
 * What of a webhook URL must be masked wherever text is printed: the URL itself, everything after
 * its host (Slack's token path, a Teams workflow's signature query), a userinfo password, and each
 * path segment or query value long enough to be a token on its own. Nothing for a value under 8
 * characters: no webhook is that short, and masking a two-letter mistake would blank every "no".
 */
export function webhookSecrets(url: string): string[] {
  if (url.length < 8) return [];
  const out = [url];
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return out;
  }
  const rest = `${u.pathname}${u.search}`;
  if (rest.length >= 8) out.push(rest);
  if (u.password) out.push(u.password);
  for (const part of [...u.pathname.split('/'), ...u.searchParams.values()]) if (part.length >= 16) out.push(part);
  return [...new Set(out)];
}
