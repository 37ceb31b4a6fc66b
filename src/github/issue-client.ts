import { connectGitHub, type GitHubConnectionOptions, type GitHubRequest } from './octokit.js';

export { DEFAULT_RETRY_POLICY, GitHubApiError, type RetryPolicy } from './octokit.js';

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

/** A comment on an issue or pull request (the conversation, not the diff). */
export interface CommentRef {
  /** Comment id, for {@link IssueClient.updateComment} and {@link IssueClient.deleteComment}. */
  id: number;
  /** Browser link (`html_url`). */
  url: string;
  /** Markdown body as stored. */
  body: string;
  /** Login of the author; absent for a deleted account. */
  user?: string;
}

/** A comment on a line of a pull request's diff. */
export interface ReviewCommentRef {
  id: number;
  /** File the comment is on, relative to the repository root. */
  path: string;
  /** Last line of the commented range in the file; null when the line is no longer in the diff (outdated). */
  line: number | null;
  /** First line of a multi-line range; null for a single line. */
  startLine: number | null;
  body: string;
  /** Commit the comment was made on. */
  commitId: string;
}

/** One comment of a new review, on the new version of the file (`side: RIGHT`). */
export interface NewReviewComment {
  /** File, relative to the repository root; must be part of the pull request's diff. */
  path: string;
  /** Line of the file (in the pull request's head) the comment is on; the last line of a range. */
  line: number;
  /** First line of a multi-line range; ignored unless below `line`. */
  startLine?: number;
  body: string;
}

/** A review to post: a body, and comments on lines of the diff. */
export interface NewReview {
  /** Commit the line numbers refer to: the pull request's head. */
  commitId: string;
  body: string;
  comments: readonly NewReviewComment[];
}

/**
 * The GitHub calls the failure report and the pull-request comment need: the seam between them
 * and Octokit, so their logic can be tested against a fake and the client against a fake server.
 *
 * Every method throws {@link GitHubApiError} when the API fails after the retries the client
 * allows; a read-only token gets status 403 ("Resource not accessible by integration").
 */
export interface IssueClient {
  /** The newest open issue (pull requests excluded) that carries *all* of `labels`, if any. */
  findOpenIssue(labels: readonly string[]): Promise<IssueRef | undefined>;
  /** Open an issue. */
  createIssue(issue: NewIssue): Promise<IssueRef>;
  /** Add a comment to issue (or pull request) `issueNumber`. */
  comment(issueNumber: number, body: string): Promise<{ id: number; url: string }>;
  /** Every comment on issue (or pull request) `issueNumber`, oldest first, across all pages. */
  listComments(issueNumber: number): Promise<CommentRef[]>;
  /** Replace the body of comment `commentId`. */
  updateComment(commentId: number, body: string): Promise<{ id: number; url: string }>;
  /** Delete comment `commentId`. */
  deleteComment(commentId: number): Promise<void>;
  /** Every comment on the diff of pull request `pullNumber`, across all pages. */
  listReviewComments(pullNumber: number): Promise<ReviewCommentRef[]>;
  /** Post a review of event `COMMENT` (neither approves nor requests changes) with line comments. */
  createReview(pullNumber: number, review: NewReview): Promise<{ id: number; url: string }>;
  /**
   * Make sure every label exists, creating the missing ones. A label another run created in
   * the meantime (422 `already_exists`) counts as existing. Resolves to the names it created.
   */
  ensureLabels(labels: readonly string[]): Promise<string[]>;
}

/** Options of {@link createIssueClient}: how to reach the API, and which repository. */
export interface IssueClientOptions extends GitHubConnectionOptions {
  /** Repository owner (`GITHUB_REPOSITORY` before the slash). */
  owner: string;
  /** Repository name (`GITHUB_REPOSITORY` after the slash). */
  repo: string;
}

/** Colour and description of labels this action creates; `env:*` labels get their own colour. */
const LABEL_STYLE = {
  default: { color: 'b60205', description: 'Opened by db-migrate-action when a database migration fails' },
  env: { color: '0e8a16', description: 'Environment of a failed database migration (db-migrate-action)' },
} as const;

/**
 * The real {@link IssueClient}: the calls over {@link connectGitHub}'s connection (Octokit from
 * `@actions/github`, loaded on the first request, with the retry and throttling plugins).
 */
export function createIssueClient(opts: IssueClientOptions): IssueClient {
  const api = connectGitHub(opts);
  const repoParams = { owner: opts.owner, repo: opts.repo };
  const where = `/repos/${opts.owner}/${opts.repo}`;

  /**
   * Every item of a listing, page by page (100 a page, GitHub's most), each page a call of its
   * own: its own retries, and an error naming the page. Stops when GitHub links no next page.
   */
  async function allPages<T>(name: string, page: (request: GitHubRequest, params: { per_page: number; page: number }) => Promise<{ items: T[]; link?: string }>): Promise<T[]> {
    const out: T[] = [];
    for (let n = 1; ; n++) {
      const { items, link } = await api.call(n === 1 ? name : `${name} (page ${n})`, (request) => page(request, { per_page: PER_PAGE, page: n }));
      out.push(...items);
      if (!/\brel="next"/.test(link ?? '')) return out;
    }
  }

  return {
    async findOpenIssue(labels) {
      const query = { state: 'open' as const, labels: labels.join(',') };
      return api.call(`GET ${where}/issues`, async (request) => {
        const res = await request('GET /repos/{owner}/{repo}/issues', { ...repoParams, ...query });
        // This endpoint lists pull requests too; newest first by default.
        const issue = res.data.find((i) => !i.pull_request);
        return issue ? { number: issue.number, url: issue.html_url } : undefined;
      });
    },

    async createIssue(issue) {
      return api.call(`POST ${where}/issues`, async (request) => {
        const res = await request('POST /repos/{owner}/{repo}/issues', { ...repoParams, title: issue.title, body: issue.body, labels: [...issue.labels] });
        return { number: res.data.number, url: res.data.html_url };
      });
    },

    async comment(issueNumber, body) {
      return api.call(`POST ${where}/issues/${issueNumber}/comments`, async (request) => {
        const res = await request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repoParams, issue_number: issueNumber, body });
        return { id: idOf(res.data.id), url: res.data.html_url };
      });
    },

    async listComments(issueNumber) {
      return allPages(`GET ${where}/issues/${issueNumber}/comments`, async (request, page) => {
        const res = await request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repoParams, issue_number: issueNumber, ...page });
        // GitHub lists them oldest first (ascending ids); pages keep that order.
        const items = res.data.map((c): CommentRef => ({ id: idOf(c.id), url: c.html_url, body: c.body ?? '', ...(c.user?.login ? { user: c.user.login } : {}) }));
        return { items, link: res.headers.link };
      });
    },

    async updateComment(commentId, body) {
      return api.call(`PATCH ${where}/issues/comments/${commentId}`, async (request) => {
        const res = await request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...repoParams, comment_id: commentId, body });
        return { id: idOf(res.data.id), url: res.data.html_url };
      });
    },

    async deleteComment(commentId) {
      await api.call(`DELETE ${where}/issues/comments/${commentId}`, (request) =>
        request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...repoParams, comment_id: commentId }),
      );
    },

    async listReviewComments(pullNumber) {
      return allPages(`GET ${where}/pulls/${pullNumber}/comments`, async (request, page) => {
        const res = await request('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', { ...repoParams, pull_number: pullNumber, ...page });
        const items = res.data.map(
          (c): ReviewCommentRef => ({ id: idOf(c.id), path: c.path, line: c.line ?? null, startLine: c.start_line ?? null, body: c.body, commitId: c.commit_id }),
        );
        return { items, link: res.headers.link };
      });
    },

    async createReview(pullNumber, review) {
      return api.call(`POST ${where}/pulls/${pullNumber}/reviews`, async (request) => {
        const res = await request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
          ...repoParams,
          pull_number: pullNumber,
          commit_id: review.commitId,
          body: review.body,
          event: 'COMMENT',
          comments: review.comments.map((c) => ({
            path: c.path,
            line: c.line,
            side: 'RIGHT',
            // GitHub rejects a range whose start is not above its end (422); such a range is the one line.
            ...(c.startLine !== undefined && c.startLine < c.line ? { start_line: c.startLine, start_side: 'RIGHT' } : {}),
            body: c.body,
          })),
        });
        return { id: idOf(res.data.id), url: res.data.html_url };
      });
    },

    async ensureLabels(labels) {
      const created: string[] = [];
      for (const name of labels) {
        const exists = await api.call(`GET ${where}/labels/${name}`, async (request) => {
          try {
            await request('GET /repos/{owner}/{repo}/labels/{name}', { ...repoParams, name });
            return true;
          } catch (err) {
            if ((err as { status?: number }).status === 404) return false;
            throw err;
          }
        });
        if (exists) continue;
        const style = name.startsWith('env:') ? LABEL_STYLE.env : LABEL_STYLE.default;
        const made = await api.call(`POST ${where}/labels`, async (request) => {
          try {
            await request('POST /repos/{owner}/{repo}/labels', { ...repoParams, name, ...style });
            return true;
          } catch (err) {
            // Another run (or a person) created it between our GET and POST.
            if (isAlreadyExists(err as RequestFailure)) return false;
            throw err;
          }
        });
        if (made) created.push(name);
      }
      return created;
    },
  };
}

/**
 * An id as a number. Octokit parses integers beyond 2^53 as bigint; GitHub's ids are far below
 * that, and one that were not could not be sent back intact, so it fails rather than edit the
 * wrong comment.
 */
function idOf(id: number | bigint): number {
  const n = Number(id);
  if (!Number.isSafeInteger(n)) throw new Error(`id ${id} is beyond JavaScript's safe integers`);
  return n;
}

/** Items per page of a listing: GitHub's most. */
const PER_PAGE = 100;

/** What a failed Octokit request carries that {@link isAlreadyExists} reads. */
interface RequestFailure {
  status?: number;
  message?: string;
  response?: { data?: unknown };
}

/** 422 whose errors say `already_exists`: the label is there, which is all we wanted. */
function isAlreadyExists(err: RequestFailure): boolean {
  if (err.status !== 422) return false;
  const data = err.response?.data as { errors?: Array<{ code?: string }> } | undefined;
  return Boolean(data?.errors?.some((e) => e?.code === 'already_exists')) || /already.exists/i.test(err.message ?? '');
}
