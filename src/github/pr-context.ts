/**
 * The pull request a job runs for, read from the runner's event payload (`GITHUB_EVENT_PATH`)
 * without @actions/github: its `context` would load Octokit's whole module graph at start, and a
 * run that needs no GitHub call must not pay for it.
 */
import { readFileSync } from 'node:fs';

/** The events whose payload names a pull request the action can comment on. */
export const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target'] as const;

/** One of {@link PULL_REQUEST_EVENTS}. */
export type PullRequestEvent = (typeof PULL_REQUEST_EVENTS)[number];

/** The pull request of a `pull_request`/`pull_request_target` run. */
export interface PullRequestContext {
  /** `GITHUB_EVENT_NAME`. */
  readonly event: PullRequestEvent;
  /** `pull_request.number`. */
  readonly number: number;
  /** `pull_request.head.sha`: the commit review comments are anchored to (not `GITHUB_SHA`, which is the merge commit). */
  readonly headSha: string;
  /** `pull_request.head.repo.full_name`; empty when the head repository was deleted. */
  readonly headRepo: string;
  /** `pull_request.base.repo.full_name`. */
  readonly baseRepo: string;
  /** Whether the head lives in another repository: GitHub then gives `pull_request` runs a read-only token. */
  readonly fork: boolean;
}

/** A pull-request event whose payload could not be used: why, for the warning. */
export interface PullRequestProblem {
  readonly event: PullRequestEvent;
  /** E.g. `GITHUB_EVENT_PATH is not set`. */
  readonly problem: string;
}

/** The runner variables {@link readPullRequest} reads. */
export type PullRequestEnv = Readonly<Partial<Record<'GITHUB_EVENT_NAME' | 'GITHUB_EVENT_PATH', string>>>;

/**
 * The pull request of this run, or undefined when the event is not a pull request. A
 * pull-request event whose payload is missing or malformed gives a {@link PullRequestProblem}
 * instead of throwing: the comment is an extra, never a reason to fail the run.
 */
export function readPullRequest(env: PullRequestEnv, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): PullRequestContext | PullRequestProblem | undefined {
  const event = PULL_REQUEST_EVENTS.find((e) => e === env.GITHUB_EVENT_NAME);
  if (!event) return undefined;
  const path = env.GITHUB_EVENT_PATH?.trim();
  if (!path) return { event, problem: 'GITHUB_EVENT_PATH is not set' };
  let payload: unknown;
  try {
    payload = JSON.parse(readFile(path));
  } catch (err) {
    return { event, problem: `the event payload ${path} could not be read: ${(err as Error)?.message ?? String(err)}` };
  }
  const pr = (payload as { pull_request?: Record<string, unknown> } | null)?.pull_request;
  const number = pr?.number;
  const head = pr?.head as { sha?: unknown; repo?: { full_name?: unknown } | null } | undefined;
  const base = pr?.base as { repo?: { full_name?: unknown } | null } | undefined;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1 || typeof head?.sha !== 'string' || head.sha === '') {
    return { event, problem: `the event payload ${path} names no pull request (pull_request.number and pull_request.head.sha)` };
  }
  const headRepo = typeof head.repo?.full_name === 'string' ? head.repo.full_name : '';
  const baseRepo = typeof base?.repo?.full_name === 'string' ? base.repo.full_name : '';
  // A deleted head repository is a fork that is gone: its runs get a read-only token too.
  const fork = headRepo === '' || headRepo.toLowerCase() !== baseRepo.toLowerCase();
  return { event, number, headSha: head.sha, headRepo, baseRepo, fork };
}

/** Whether {@link readPullRequest} found a usable pull request. */
export function isPullRequest(pr: PullRequestContext | PullRequestProblem | undefined): pr is PullRequestContext {
  return pr !== undefined && !('problem' in pr);
}
