// Type-only: erased at compile time, so nothing here loads @actions/github, the Octokit plugins or
// bottleneck until the first request is made.
import type { getOctokit as GetOctokit } from '@actions/github';
import type {} from '@octokit/plugin-retry';
import type {} from '@octokit/plugin-throttling';
import type { Logger } from '../engine/logger.js';
import { redact } from '../engine/redact.js';
import { VERSION } from '../version.js';
import { squash } from '../text/markdown.js';

/**
 * How the client retries and paces requests. @octokit/plugin-retry retries 5xx answers, network
 * errors and timeouts; @octokit/plugin-throttling waits out rate limits and spaces writes.
 */
export interface RetryPolicy {
  /**
   * Attempts after the first one. plugin-retry spends them on 5xx, network errors and timeouts;
   * each rate limit may be waited out as many times again.
   */
  retries: number;
  /**
   * Milliseconds per unit of wait, for every wait the plugins make: plugin-retry backs off n²
   * units before retry n (1, 4, 9), a rate limit waits as many units as GitHub asks seconds, and
   * writes are spaced 1 unit apart (3 for those that notify people, such as new issues and
   * comments). 1000 against GitHub; tests set 1, so a "60 s" wait takes 60 ms.
   */
  waitUnitMs: number;
  /**
   * Longest rate-limit wait we accept, ms, compared with what GitHub asks (`retry-after`, or a
   * primary limit's reset time; one minute for a secondary limit that names no time). A longer
   * wait ends the call at once: a failed job should not idle. Not scaled by `waitUnitMs`.
   */
  maxWaitMs: number;
}

/** Defaults of {@link RetryPolicy}: up to 4 attempts, 1 s → 4 s → 9 s backoff, rate-limit waits of at most 60 s. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  retries: 3,
  waitUnitMs: 1000,
  maxWaitMs: 60_000,
});

/** How to reach the GitHub REST API. */
export interface GitHubConnectionOptions {
  /** `github-token`; sent as `Authorization: token …` and masked in every error message. */
  token: string;
  /** REST API root, `GITHUB_API_URL` (GitHub Enterprise: `https://host/api/v3`). Default `https://api.github.com`. */
  apiUrl?: string;
  /**
   * fetch implementation. Default `globalThis.fetch`: @actions/github's own undici fetch is
   * invisible to nock, and the global one is what the tests exercise.
   */
  fetch?: typeof globalThis.fetch;
  /** Overrides of {@link DEFAULT_RETRY_POLICY}. */
  retry?: Partial<RetryPolicy>;
  /** Per-attempt timeout, ms (default 30 000); a timeout is retried like a network error. */
  timeoutMs?: number;
  /** Receives retry and rate-limit notices (debug) and Octokit's own warnings (deprecations). */
  log?: Logger;
  /** Where Octokit comes from; tests inject a loader to prove it is loaded lazily. */
  loadGitHub?: () => Promise<{ getOctokit: typeof GetOctokit }>;
}

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
type OctokitPlugin = Parameters<typeof GetOctokit>[2];
/** Octokit's `request`, bound to one {@link GitHubConnection.call}. */
export type GitHubRequest = Octokit['request'];

/** The API, with every failure turned into a {@link GitHubApiError}. */
export interface GitHubConnection {
  /**
   * Run one API call: `fn` makes its requests through `request` (retried and rate-limited by the
   * plugins); any failure is rethrown as a {@link GitHubApiError} whose message starts with `name`.
   */
  call<T>(name: string, fn: (request: GitHubRequest) => Promise<T>): Promise<T>;
}

/**
 * Every 4xx: a missing permission (403), an unknown repository (404) or a rejected body (422)
 * will not heal by waiting. plugin-retry would retry those outside its own short list (409, 429
 * …); rate limits (403 and 429) are plugin-throttling's, which decides on their waits.
 */
const CLIENT_ERRORS: readonly number[] = Array.from({ length: 100 }, (_, i) => 400 + i);

/** What one {@link GitHubConnection.call} learned along the way, for its error message; reached by the hooks through `request.call`. */
interface CallState {
  /** The call, e.g. `POST /repos/o/r/issues`. */
  readonly name: string;
  /** Attempts started, counted below the retry plugin. */
  attempts: number;
  /** Why the last attempt failed, for the retry notice. */
  lastFailure?: string;
  /** The wait a rate-limit handler accepted before the next attempt, s as GitHub asked. */
  waitedS?: number;
  /** Why a rate limit was not waited out, when that ended the call. */
  gaveUp?: string;
}

/** What Octokit's RequestError (and fetch failures) carry that we use. */
interface FailureLike {
  status?: number;
  message?: string;
  response?: unknown;
}

/**
 * A connection to the GitHub REST API: Octokit from `@actions/github` on `globalThis.fetch`,
 * against `apiUrl`, with @octokit/plugin-retry and @octokit/plugin-throttling.
 *
 * `@actions/github`, the plugins and bottleneck are imported on the first request, not here, so a
 * run that never reports never loads them (and a loading failure surfaces as a
 * {@link GitHubApiError}, which callers turn into a warning).
 */
export function connectGitHub(opts: GitHubConnectionOptions): GitHubConnection {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const baseUrl = (opts.apiUrl || 'https://api.github.com').replace(/\/+$/, '');
  const secrets = opts.token ? [opts.token] : [];
  const clean = (text: string) => redact(text, secrets);
  const log = opts.log;

  let octokit: Promise<Octokit> | undefined;
  const client = (): Promise<Octokit> => {
    octokit ??= build();
    // A failed load is not cached: the next call may try again.
    octokit.catch(() => (octokit = undefined));
    return octokit;
  };

  async function build(): Promise<Octokit> {
    const [{ getOctokit }, { retry }, { throttling }, { default: Limiter }] = await Promise.all([
      (opts.loadGitHub ?? (() => import('@actions/github')))(),
      import('@octokit/plugin-retry'),
      import('@octokit/plugin-throttling'),
      import('bottleneck/light.js'),
    ]);
    const unit = policy.waitUnitMs;
    const octokitLog = {
      debug: () => {},
      info: () => {},
      warn: (m: string, extra?: unknown) => log?.warn(clean(`GitHub API: ${m}${extra === undefined ? '' : `: ${describe(extra)}`}`)),
      error: (m: string) => log?.debug(clean(`GitHub API: ${m}`)),
    };

    /** plugin-throttling's rate-limit handler: true waits `retryAfter` units and retries. */
    const onLimit = (retryAfter: number, options: { request?: Record<string, unknown> }, _octokit: unknown, retryCount: number): boolean => {
      const call = options.request?.call as CallState | undefined;
      const seconds = Math.ceil(retryAfter);
      if (seconds * 1000 > policy.maxWaitMs) {
        if (call) call.gaveUp = `rate limited; GitHub asks to wait ${seconds} s, more than the ${Math.round(policy.maxWaitMs / 1000)} s we allow`;
        return false;
      }
      if (retryCount >= policy.retries) return false;
      if (call) call.waitedS = seconds;
      return true;
    };

    /**
     * Registered before the retry and throttling plugins, so its hook runs once per attempt
     * (theirs wrap it): counts attempts and notes each failure for the next attempt's notice.
     */
    const attempts: OctokitPlugin = (o) => {
      o.hook.wrap('request', async (request, options) => {
        const call = options.request?.call as CallState | undefined;
        if (call) {
          if (call.attempts > 0 && call.lastFailure) {
            const waited = call.waitedS === undefined ? '' : ` after the ${call.waitedS} s GitHub asked to wait`;
            log?.debug(clean(`${call.name}: ${call.lastFailure}; trying again (attempt ${call.attempts + 1})${waited}`));
          }
          call.attempts++;
          call.waitedS = undefined;
        }
        try {
          return await request(options);
        } catch (err) {
          if (call) call.lastFailure = answerOf(err as FailureLike);
          throw err;
        }
      });
    };

    return getOctokit(
      opts.token,
      {
        baseUrl,
        userAgent: `db-migrate-action/${VERSION}`,
        // Replaces @actions/github's whole `request` default (undici fetch + proxy agent). `log`
        // receives @octokit/request's deprecation notices, which would go to the console.
        request: { fetch: timed(() => opts.fetch ?? globalThis.fetch, timeoutMs), log: octokitLog },
        log: octokitLog,
        retry: { retries: policy.retries, retryAfterBaseValue: unit, doNotRetry: [...CLIENT_ERRORS] },
        throttle: {
          retryAfterBaseValue: unit,
          // Our own pacing groups, in our units: the plugin's defaults are module-wide, so they
          // would space writes 1 s apart across every client of the process, tests included.
          write: new Limiter.Group({ maxConcurrent: 1, minTime: unit }),
          notifications: new Limiter.Group({ maxConcurrent: 1, minTime: 3 * unit }),
          search: new Limiter.Group({ maxConcurrent: 1, minTime: 2 * unit }),
          onRateLimit: onLimit,
          onSecondaryRateLimit: onLimit,
        },
      },
      attempts,
      retry,
      throttling,
    );
  }

  return {
    async call<T>(name: string, fn: (request: GitHubRequest) => Promise<T>): Promise<T> {
      if (!opts.token) {
        throw new GitHubApiError(`${name}: no GitHub token (set the github-token input; the default is \${{ github.token }})`, {
          status: 0,
          request: name,
          attempts: 0,
        });
      }
      let o: Octokit;
      try {
        o = await client();
      } catch (err) {
        throw new GitHubApiError(clean(`${name}: cannot set up the GitHub client: ${describe(err)}`), { status: 0, request: name, attempts: 0, cause: err });
      }
      const call: CallState = { name, attempts: 0 };
      try {
        return await fn(o.request.defaults({ request: { call } }));
      } catch (err) {
        if (err instanceof GitHubApiError) throw err;
        const failure = err as FailureLike;
        const tail = call.gaveUp ?? (call.attempts > 1 ? `gave up after ${call.attempts} attempts` : undefined);
        const base = `${name}: ${answerOf(failure)}`;
        throw new GitHubApiError(clean(tail ? `${base} (${tail})` : base), { status: statusOf(failure), request: name, attempts: call.attempts, cause: err });
      }
    },
  };
}

/**
 * A fetch whose every call gives up after `ms`, body included, and whose failures say why in
 * their message (`no answer within … ms`, `connect ECONNREFUSED …`).
 *
 * The body is read here, inside the deadline: @octokit/request reads it later and, when that read
 * fails (the deadline struck after the headers), returns the empty text as the response's data
 * instead of failing — a listing would then be `""` rather than an error to retry.
 *
 * The failure is a new Error of this realm: @octokit/request takes the message only from an
 * `instanceof Error` (fetch's own errors come from Node's realm, which under jest is another one),
 * and rethrows an AbortError bare, which plugin-retry would not retry; any other error it wraps as
 * a failed request (status 500, no response), which plugin-retry retries.
 */
function timed(fetchOf: () => typeof globalThis.fetch, ms: number): typeof globalThis.fetch {
  return async (input, init) => {
    const timeout = AbortSignal.timeout(ms);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      const res = await fetchOf()(input, { ...init, signal });
      const body = await res.arrayBuffer();
      return new Response(res.status === 204 || res.status === 304 ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
    } catch (err) {
      if (init?.signal?.aborted) throw err;
      throw new Error(timeout.aborted ? `no answer within ${ms} ms` : networkMessage(err), { cause: err });
    }
  };
}

/** What a failed fetch says: undici's "fetch failed" carries the socket's error as its cause. */
function networkMessage(err: unknown): string {
  const e = err as { message?: unknown; cause?: { message?: unknown } | string } | undefined;
  const cause = typeof e?.cause === 'string' ? e.cause : e?.cause?.message;
  return String(typeof cause === 'string' && cause !== '' ? cause : (e?.message ?? err));
}

/** HTTP status of a failure; 0 when no answer came (Octokit reports those as 500 without a response). */
function statusOf(err: FailureLike): number {
  return err?.response ? (err.status ?? 0) : 0;
}

/** `GitHub API answered 403: <its message>`, or `GitHub API unreachable: <why>`. */
function answerOf(err: FailureLike): string {
  const status = statusOf(err);
  const detail = squash(err?.message ?? String(err));
  return status > 0 ? `GitHub API answered ${status}: ${detail}` : `GitHub API unreachable: ${detail}`;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
