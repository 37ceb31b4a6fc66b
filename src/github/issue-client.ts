// Type-only: erased at compile time, so nothing here loads @actions/github until a request is made.
import type { getOctokit as GetOctokit } from '@actions/github';
import type { Logger } from '../engine/logger.js';
import { redact } from '../engine/redact.js';
import { VERSION } from '../version.js';
import { sleep } from '../engine/sleep.js';
import { squash } from '../text/markdown.js';

/** An issue as the failure report needs it. */
export interface IssueRef {
  /** Issue number in the repository. */
  number: number;
  /** Browser link (`html_url`). */
  url: string;
}

/** The issue to open. */
export interface NewIssue {
  title: string;
  /** Markdown body; already redacted by the caller. */
  body: string;
  labels: readonly string[];
}

/**
 * The GitHub calls the failure report needs: the seam between {@link reportFailure} and Octokit,
 * so the report logic can be tested against a fake and the client against a fake server.
 *
 * Every method throws {@link GitHubApiError} when the API fails after the retries the client allows.
 */
export interface IssueClient {
  /** The newest open issue (pull requests excluded) that carries *all* of `labels`, if any. */
  findOpenIssue(labels: readonly string[]): Promise<IssueRef | undefined>;
  /** Open an issue. */
  createIssue(issue: NewIssue): Promise<IssueRef>;
  /** Add a comment to issue `issueNumber`; resolves to the comment's link. */
  comment(issueNumber: number, body: string): Promise<{ url: string }>;
  /**
   * Make sure every label exists, creating the missing ones. A label another run created in
   * the meantime (422 `already_exists`) counts as existing. Resolves to the names it created.
   */
  ensureLabels(labels: readonly string[]): Promise<string[]>;
}

/** How the client retries a failed request. Tests shrink the delays and inject `sleep`. */
export interface RetryPolicy {
  /** Attempts after the first one, for 5xx, network errors, timeouts and rate limits. */
  retries: number;
  /** Backoff before the first retry, ms; doubled for each further retry. */
  baseDelayMs: number;
  /**
   * Longest single wait we accept, ms. A server asking for a longer wait (`retry-after`, or a
   * primary rate limit resetting later) ends the retries at once: a failed job should not idle.
   */
  maxDelayMs: number;
  /** Wait after a secondary rate limit that names no `retry-after` (GitHub asks for one minute). */
  rateLimitDelayMs: number;
  /** Waits `ms`; replaced in tests. */
  sleep: (ms: number) => Promise<void>;
}

/** Defaults of {@link RetryPolicy}: up to 4 attempts, 1 s → 2 s → 4 s backoff, at most 60 s per wait. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  retries: 3,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  rateLimitDelayMs: 60_000,
  sleep,
});

/** Options of {@link createIssueClient}. */
export interface IssueClientOptions {
  /** `github-token`; sent as `Authorization: token …` and masked in every error message. */
  token: string;
  /** Repository owner (`GITHUB_REPOSITORY` before the slash). */
  owner: string;
  /** Repository name (`GITHUB_REPOSITORY` after the slash). */
  repo: string;
  /** REST API root, `GITHUB_API_URL` (GitHub Enterprise: `https://host/api/v3`). Default `https://api.github.com`. */
  apiUrl?: string;
  /**
   * fetch implementation. Default `globalThis.fetch`: @actions/github's own undici fetch is
   * invisible to nock, and the global one is what the tests exercise.
   */
  fetch?: typeof globalThis.fetch;
  /** Overrides of {@link DEFAULT_RETRY_POLICY}. */
  retry?: Partial<RetryPolicy>;
  /** Per-attempt timeout, ms (default 30 000); a timeout counts as a retryable failure. */
  timeoutMs?: number;
  /** Receives retry notices and Octokit's own warnings (deprecations). */
  log?: Logger;
  /** Where Octokit comes from; tests inject a loader to prove it is loaded lazily. */
  loadGitHub?: () => Promise<{ getOctokit: typeof GetOctokit }>;
}

/** Colour and description of labels this action creates; `env:*` labels get their own colour. */
const LABEL_STYLE = {
  default: { color: 'b60205', description: 'Opened by db-migrate-action when a database migration fails' },
  env: { color: '0e8a16', description: 'Environment of a failed database migration (db-migrate-action)' },
} as const;

/**
 * A GitHub API call that failed for good (after retries, or at once for 4xx). The message names
 * the request and the API's answer and never contains the token.
 */
export class GitHubApiError extends Error {
  /** HTTP status; 0 when no response arrived (network error, timeout, Octokit not loadable). */
  readonly status: number;
  /** The request, e.g. `POST /repos/o/r/issues`. */
  readonly request: string;
  /** Attempts made, including the first. */
  readonly attempts: number;

  constructor(message: string, opts: { status: number; request: string; attempts: number; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GitHubApiError';
    this.status = opts.status;
    this.request = opts.request;
    this.attempts = opts.attempts;
  }
}

type Octokit = ReturnType<typeof GetOctokit>;

/** What Octokit's RequestError (and fetch failures) carry that we use. */
interface FailureLike {
  status?: number;
  message?: string;
  name?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

/** Why one attempt failed, and whether and when to try again. */
interface Verdict {
  status: number;
  /** The API's message (or the network error's). */
  detail: string;
  /** Wait before the next attempt, ms; undefined = do not retry. */
  retryInMs?: number;
  /** Why we stop retrying although the failure is transient (e.g. retry-after too long). */
  giveUpReason?: string;
}

/**
 * The real {@link IssueClient}: Octokit from `@actions/github` on `globalThis.fetch`, against
 * `apiUrl`, with bounded retries.
 *
 * `@actions/github` is imported on the first request, not here, so a run that never fails never
 * loads it (and a loading failure surfaces as a {@link GitHubApiError}, which the report turns
 * into a warning).
 */
export function createIssueClient(opts: IssueClientOptions): IssueClient {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const baseUrl = (opts.apiUrl || 'https://api.github.com').replace(/\/+$/, '');
  const secrets = opts.token ? [opts.token] : [];
  const clean = (text: string) => redact(text, secrets);
  const repoParams = { owner: opts.owner, repo: opts.repo };
  const where = `/repos/${opts.owner}/${opts.repo}`;

  let octokit: Promise<Octokit> | undefined;
  const client = (): Promise<Octokit> => {
    octokit ??= (async () => {
      const { getOctokit } = await (opts.loadGitHub ?? (() => import('@actions/github')))();
      const log = opts.log;
      return getOctokit(opts.token, {
        baseUrl,
        userAgent: `db-migrate-action/${VERSION}`,
        // Replaces @actions/github's whole `request` default (undici fetch + proxy agent).
        request: { fetch: opts.fetch ?? globalThis.fetch },
        log: {
          debug: () => {},
          info: () => {},
          warn: (m: string) => log?.warn(clean(`GitHub API: ${m}`)),
          error: (m: string) => log?.debug(clean(`GitHub API: ${m}`)),
        },
      });
    })();
    // A failed load is not cached: the next call may try again.
    octokit.catch(() => (octokit = undefined));
    return octokit;
  };

  /** Run one API call with retries; `request` names it in messages. */
  async function call<T>(request: string, fn: (o: Octokit, signal: AbortSignal) => Promise<T>): Promise<T> {
    if (!opts.token) {
      throw new GitHubApiError(`${request}: no GitHub token (set the github-token input; the default is \${{ github.token }})`, {
        status: 0,
        request,
        attempts: 0,
      });
    }
    let o: Octokit;
    try {
      o = await client();
    } catch (err) {
      throw new GitHubApiError(clean(`${request}: cannot set up the GitHub client: ${(err as Error)?.message ?? String(err)}`), {
        status: 0,
        request,
        attempts: 0,
        cause: err,
      });
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(o, AbortSignal.timeout(timeoutMs));
      } catch (err) {
        const v = verdict(err as FailureLike, attempt - 1, policy, timeoutMs);
        const answered = v.status > 0 ? `GitHub API answered ${v.status}` : 'GitHub API unreachable';
        const base = `${request}: ${answered}: ${v.detail}`;
        if (v.retryInMs === undefined || attempt > policy.retries) {
          const tail = v.giveUpReason ?? (attempt > 1 ? `gave up after ${attempt} attempts` : undefined);
          throw new GitHubApiError(clean(tail ? `${base} (${tail})` : base), { status: v.status, request, attempts: attempt, cause: err });
        }
        opts.log?.debug(clean(`${base}; retry ${attempt} of ${policy.retries} in ${v.retryInMs} ms`));
        await policy.sleep(v.retryInMs);
      }
    }
  }

  return {
    async findOpenIssue(labels) {
      const query = { state: 'open' as const, labels: labels.join(',') };
      return call(`GET ${where}/issues`, async (o, signal) => {
        const res = await o.request('GET /repos/{owner}/{repo}/issues', { ...repoParams, ...query, request: { signal } });
        // This endpoint lists pull requests too; newest first by default.
        const issue = res.data.find((i) => !i.pull_request);
        return issue ? { number: issue.number, url: issue.html_url } : undefined;
      });
    },

    async createIssue(issue) {
      return call(`POST ${where}/issues`, async (o, signal) => {
        const res = await o.request('POST /repos/{owner}/{repo}/issues', {
          ...repoParams,
          title: issue.title,
          body: issue.body,
          labels: [...issue.labels],
          request: { signal },
        });
        return { number: res.data.number, url: res.data.html_url };
      });
    },

    async comment(issueNumber, body) {
      return call(`POST ${where}/issues/${issueNumber}/comments`, async (o, signal) => {
        const res = await o.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          ...repoParams,
          issue_number: issueNumber,
          body,
          request: { signal },
        });
        return { url: res.data.html_url };
      });
    },

    async ensureLabels(labels) {
      const created: string[] = [];
      for (const name of labels) {
        const exists = await call(`GET ${where}/labels/${name}`, async (o, signal) => {
          try {
            await o.request('GET /repos/{owner}/{repo}/labels/{name}', { ...repoParams, name, request: { signal } });
            return true;
          } catch (err) {
            if ((err as FailureLike).status === 404) return false;
            throw err;
          }
        });
        if (exists) continue;
        const style = name.startsWith('env:') ? LABEL_STYLE.env : LABEL_STYLE.default;
        const made = await call(`POST ${where}/labels`, async (o, signal) => {
          try {
            await o.request('POST /repos/{owner}/{repo}/labels', { ...repoParams, name, ...style, request: { signal } });
            return true;
          } catch (err) {
            // Another run (or a person) created it between our GET and POST.
            if (isAlreadyExists(err as FailureLike)) return false;
            throw err;
          }
        });
        if (made) created.push(name);
      }
      return created;
    },
  };
}

/** 422 whose errors say `already_exists`: the label is there, which is all we wanted. */
function isAlreadyExists(err: FailureLike): boolean {
  if (err.status !== 422) return false;
  const data = err.response?.data as { errors?: Array<{ code?: string }> } | undefined;
  return Boolean(data?.errors?.some((e) => e?.code === 'already_exists')) || /already.exists/i.test(err.message ?? '');
}

/**
 * Classify a failed attempt. Retried: 5xx, no response (network error, timeout), 429, and a 403
 * that is a rate limit (secondary: `retry-after` or "secondary rate limit" in the message;
 * primary: `x-ratelimit-remaining: 0`). Not retried: every other 4xx — a missing permission
 * (403) or a repository the token cannot see (404) will not heal by waiting.
 */
function verdict(err: FailureLike, retriesDone: number, policy: RetryPolicy, timeoutMs: number): Verdict {
  const causeName = (err as { cause?: { name?: string } })?.cause?.name;
  const timedOut = [err?.name, causeName].some((n) => n === 'TimeoutError' || n === 'AbortError');
  // Octokit reports fetch failures (no response) as status 500 without a response object.
  const status = timedOut || !err?.response ? 0 : (err.status ?? 0);
  const detail = timedOut ? `no answer within ${timeoutMs} ms` : squash(err?.message ?? String(err));
  const backoff = policy.baseDelayMs * 2 ** retriesDone;
  if (status === 0 || status >= 500) return { status, detail, retryInMs: backoff };

  const headers = err.response?.headers ?? {};
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  const primary = status === 403 && headers['x-ratelimit-remaining'] === '0';
  const secondary = status === 403 && (retryAfterMs !== undefined || /secondary rate limit/i.test(detail));
  if (status !== 429 && !primary && !secondary) return { status, detail };

  let wait: number;
  if (retryAfterMs !== undefined) wait = retryAfterMs;
  else if (primary && headers['x-ratelimit-reset']) wait = Math.max(0, Number(headers['x-ratelimit-reset']) * 1000 - Date.now()) + 1000;
  else wait = Math.max(backoff, status === 429 ? 0 : policy.rateLimitDelayMs);
  if (!(wait <= policy.maxDelayMs)) {
    return { status, detail, giveUpReason: `rate limited; GitHub asks to wait ${Math.ceil(wait / 1000)} s, more than the ${Math.round(policy.maxDelayMs / 1000)} s we allow` };
  }
  return { status, detail, retryInMs: wait };
}

/** `retry-after` as ms: delta-seconds or an HTTP date. */
function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
