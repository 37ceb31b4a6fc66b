/**
 * The sticky pull-request comment (`pr-comment`): after a preview of the pull request's migrations
 * (the run is finished and redacted), keep one comment on the pull request saying what merging
 * does and what to fix, and post each mechanical lint fix once as a suggested change on the diff.
 * Like the failure issue it is reporting only: every problem ends as a warning, never as a
 * change of the run's outcome, and GitHub is reached through the same client port (loaded on
 * the first request, so a run with nothing to post never loads Octokit).
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Logger } from '../../engine/logger.js';
import { redact } from '../../engine/redact.js';
import { isPullRequest, type PullRequestContext } from '../../github/pr-context.js';
import {
  isPrComment,
  isResolved,
  prCommentMarker,
  renderPrComment,
  renderSuggestion,
  renderSuggestionReview,
  visibleFindings,
  type NewReviewComment,
  type PrCommentClient,
  type PrCommentFacts,
  type PrFinding,
  type PrRewrite,
  type ReviewCommentRef,
} from '../../github/pr-comment.js';
import { lintTally } from '../../lint/report.js';
import { mechanicalRewrite } from '../../lint/rewrite.js';
import { count } from '../../text/units.js';
import type { ActionPorts } from '../ports.js';
import type { ActionRun, PrCommentReport } from '../run-result.js';
import type { ActionSettings, LintSettings } from '../settings.js';

/** What the step reads: a `StepContext` after the run, or the same pieces of `command: lint`, which has no other port. */
export interface PrCommentContext {
  readonly settings: ActionSettings | LintSettings;
  /** The finished, redacted run; the step records `prComment` and its notes here. */
  readonly run: ActionRun;
  readonly log: Logger;
  /** Adds a (redacted) warning to the run. */
  warn(message: string): void;
  readonly ports: Pick<ActionPorts, 'createIssueClient'>;
}

/** Commands whose run previews a pull request: what merging would do, and what to fix first. */
const PREVIEWS = new Set(['plan', 'verify', 'lint']);

/**
 * Whether this run keeps the pull request's comment: `pr-comment` is on, the event is a pull
 * request, and the command previews (`plan`, a dry run of `up`, `verify`, `lint`). Runs that
 * change a database (`up`, `rollback`) report through the summary and the failure issue, and a
 * cancelled job has seconds left, not for this.
 */
export function wantsPrComment(s: ActionSettings | LintSettings, run: ActionRun): boolean {
  if (!s.prComment || !s.pullRequest || run.status === 'cancelled') return false;
  return PREVIEWS.has(s.command) || (s.command === 'up' && s.dryRun);
}

/** At most this many suggested changes per run: each may cost a request of its own when GitHub refuses a batch. */
const MAX_SUGGESTIONS = 10;

/**
 * Keep the pull request's comment: find it by its marker (`listComments`) and edit it in place,
 * or create it; once nothing is pending and nothing is left to fix, edit it to say so (a pull
 * request that never had anything pending gets none). Mechanical fixes are posted first, as one
 * review of suggested changes, skipping those already on the pull request, so the comment can say
 * which are on the diff. Records `run.prComment`; never throws.
 */
export async function prComment(ctx: PrCommentContext): Promise<PrCommentReport> {
  let report: PrCommentReport;
  try {
    report = await keepComment(ctx);
  } catch (err) {
    report = refused(ctx, err, 'the comment could not be written');
  }
  ctx.run.prComment = report;
  return report;
}

async function keepComment(ctx: PrCommentContext): Promise<PrCommentReport> {
  const { settings: s, run, log, warn } = ctx;
  const pr = s.pullRequest;
  if (!pr) return { action: 'skipped', reason: 'not a pull-request event' };
  if (!isPullRequest(pr)) {
    warn(`pr-comment: ${pr.problem}, so the pull request was not commented on. The run's outcome is unchanged.`);
    return { action: 'skipped', reason: pr.problem };
  }
  const repo = s.run.repository;
  if (!repo) {
    warn("pr-comment: GITHUB_REPOSITORY is not set, so the pull request was not commented on. The run's outcome is unchanged.");
    return { action: 'skipped', reason: 'GITHUB_REPOSITORY is not set' };
  }
  if (s.githubToken === '') {
    warn(
      'pr-comment: the github-token input is empty, so the pull request was not commented on (its default is ${{ github.token }}; the job needs `permissions: pull-requests: write`). ' +
        'The plan is in this job summary.',
    );
    return { action: 'skipped', reason: 'no github-token' };
  }
  const [owner, name] = repo.split('/');
  const client: PrCommentClient = ctx.ports.createIssueClient({ token: s.githubToken, owner: owner!, repo: name!, ...(s.apiUrl ? { apiUrl: s.apiUrl } : {}), log });
  const marker = prCommentMarker(s.migrationsDirs);

  const facts = commentFacts(s, run, pr);
  if (!isResolved(facts)) await withRewrites(s, facts, run.lint?.pgVersion);
  const existing = (await client.listComments(pr.number)).filter((c) => isPrComment(c.body, marker));
  const ours = existing[0];
  if (isResolved(facts) && !ours) {
    log.info(`pr-comment: nothing is pending on ${s.environment} and lint found nothing to fix; pull request #${pr.number} has no comment to update.`);
    return { action: 'skipped', reason: 'nothing pending and nothing to fix' };
  }

  const reviewRefused = isResolved(facts) ? undefined : await suggest(ctx, client, pr, facts);
  const body = redact(renderPrComment(facts), s.secrets);
  let report: PrCommentReport;
  if (ours && ours.body === body) {
    report = { action: 'unchanged', url: ours.url };
  } else {
    const written = ours ? await client.updateComment(ours.id, body) : await client.comment(pr.number, body);
    report = { action: ours ? 'updated' : 'created', url: written.url };
  }
  const said = report.action === 'created' ? 'Commented on' : report.action === 'updated' ? 'Updated the comment on' : 'The comment on';
  const note = `${said} pull request #${pr.number}${report.action === 'unchanged' ? ' already says this' : ''}${isResolved(facts) ? ' (nothing pending any more)' : ''}: ${report.url}`;
  log.info(note);
  run.notes.push(note);
  // The comment went through, so the token can write comments but not reviews (`issues: write` without `pull-requests: write`).
  if (reviewRefused) {
    warn(
      `pr-comment: the token cannot create review comments (${reviewRefused}; the job needs \`permissions: pull-requests: write\`), so the suggested changes are shown in the pull-request comment instead.`,
    );
  }
  return report;
}

/**
 * Post the mechanical fixes not yet on the pull request as one review of suggested changes, and
 * mark each finding's rewrite `suggested` (posted now or before) in `facts`. GitHub accepts a
 * suggestion only on lines of the pull request's diff: when it refuses the batch (422), each is
 * tried alone, and those it refuses stay shown in the comment as a diff. Returns why reviews are
 * refused altogether (403/404), for a warning once the comment itself got through.
 */
async function suggest(ctx: PrCommentContext, client: PrCommentClient, pr: PullRequestContext, facts: PrCommentFacts): Promise<string | undefined> {
  const { settings: s, log } = ctx;
  const candidates = facts.findings.filter((f): f is PrFinding & { rewrite: PrRewrite; path: string } => f.rewrite !== undefined && f.path !== undefined);
  if (candidates.length === 0) return undefined;
  const onDiff = await client.listReviewComments(pr.number);
  const fresh: { finding: (typeof candidates)[number]; comment: NewReviewComment }[] = [];
  for (const f of candidates) {
    const comment: NewReviewComment = {
      path: f.path,
      line: f.rewrite.endLine,
      ...(f.rewrite.startLine !== f.rewrite.endLine ? { startLine: f.rewrite.startLine } : {}),
      body: renderSuggestion({ rule: f.rule, message: f.message, rewrite: f.rewrite }),
    };
    if (onDiff.some((c) => sameSuggestion(c, comment))) f.rewrite.suggested = true;
    else if (!fresh.some((x) => overlaps(x.comment, comment))) fresh.push({ finding: f, comment });
  }
  if (fresh.length === 0) return undefined;
  const review = (comments: NewReviewComment[]) => client.createReview(pr.number, { commitId: pr.headSha, body: renderSuggestionReview(s.migrationsDirs, comments.length), comments });
  try {
    const r = await review(fresh.map((x) => x.comment));
    for (const x of fresh) Object.assign(x.finding.rewrite, { suggested: true, url: r.url });
    log.info(`pr-comment: suggested ${count(fresh.length, 'change')} on the diff: ${r.url}`);
    ctx.run.notes.push(`Suggested ${count(fresh.length, 'change')} on the pull request's diff (${[...new Set(fresh.map((x) => x.finding.rule))].join(', ')}): ${r.url}`);
    return undefined;
  } catch (err) {
    const status = statusOf(err);
    if (status === 403 || status === 404) return `GitHub answered ${status}: ${messageOf(err)}`;
    if (status !== 422) throw err;
    log.info(`pr-comment: GitHub refused the suggested changes together (${messageOf(err)}); trying each alone`);
  }
  let posted = 0;
  for (const x of fresh.length > 1 ? fresh : []) {
    try {
      const r = await review([x.comment]);
      Object.assign(x.finding.rewrite, { suggested: true, url: r.url });
      posted++;
    } catch (err) {
      if (statusOf(err) !== 422) throw err;
      log.info(`pr-comment: ${x.comment.path}:${x.comment.startLine ?? x.comment.line}-${x.comment.line} is not on the diff (${messageOf(err)}); the change is shown in the comment`);
    }
  }
  if (posted < fresh.length) ctx.run.notes.push(`${count(fresh.length - posted, 'suggested change')} could not be placed on the diff (lines outside the pull request's changes): shown in the pull-request comment.`);
  return undefined;
}

/** The same suggestion on the same lines: posted on an earlier push (GitHub moves a comment's lines with the diff). */
function sameSuggestion(c: ReviewCommentRef, n: NewReviewComment): boolean {
  return c.path === n.path && c.line === n.line && (c.startLine ?? c.line) === (n.startLine ?? n.line) && c.body.trim() === n.body.trim();
}

/** Two suggestions on overlapping lines cannot both be committed: the first one wins. */
function overlaps(a: NewReviewComment, b: NewReviewComment): boolean {
  return a.path === b.path && (a.startLine ?? a.line) <= b.line && (b.startLine ?? b.line) <= a.line;
}

/** The facts of the comment, from the redacted run (the rewrites are added by {@link withRewrites}). */
function commentFacts(s: ActionSettings | LintSettings, run: ActionRun, pr: PullRequestContext): PrCommentFacts & { findings: PrFinding[] } {
  const lint = run.lint;
  return {
    dirs: s.migrationsDirs,
    environment: s.environment,
    command: s.command,
    ...(run.error ? { error: { message: run.error.message, ...(run.error.code ? { code: run.error.code } : {}) } } : {}),
    ...(run.wouldFail?.length ? { wouldFail: run.wouldFail } : {}),
    rows: run.rows.map((r) => ({ version: r.version, file: r.file, status: r.status, ...(r.transaction !== undefined ? { transaction: r.transaction } : {}), ...(r.sql !== undefined ? { sql: r.sql } : {}) })),
    ...(lint ? { lint: { tally: lintTally(lint.findings, lint.files), failOn: lint.failOn } } : {}),
    findings: (lint?.findings ?? []).map((f) => ({
      rule: f.rule,
      severity: f.severity,
      file: f.file,
      line: f.line,
      column: f.column,
      message: f.message,
      fix: f.fix,
      ...(f.direction ? { direction: f.direction } : {}),
      ...(f.size ? { size: f.size } : {}),
      ...(f.suppressed ? { suppressed: true } : {}),
    })),
    ...(run.verify ? { verify: { ok: run.verify.ok, verdict: run.verify.verdict } } : {}),
    headSha: pr.headSha,
    ...(s.run.runUrl ? { runUrl: s.run.runUrl } : {}),
    toolVersion: run.toolVersion,
  };
}

/**
 * Give each finding a reviewer acts on its mechanical rewrite, computed from the file in the
 * workspace (the pull request's checkout), with the file's path in the repository. A file
 * outside the workspace, unreadable, or holding one of the run's secrets gets none.
 */
async function withRewrites(s: ActionSettings | LintSettings, facts: PrCommentFacts & { findings: PrFinding[] }, pgVersion?: number): Promise<void> {
  let n = 0;
  const contents = new Map<string, string | undefined>();
  for (const f of visibleFindings(facts.findings)) {
    if (n >= MAX_SUGGESTIONS) break;
    const abs = resolve(s.workspace, f.file);
    const path = relative(s.workspace, abs);
    if (path === '' || path.startsWith('..') || isAbsolute(path)) continue;
    if (!contents.has(abs)) contents.set(abs, await readFile(abs, 'utf8').catch(() => undefined));
    const content = contents.get(abs);
    if (content === undefined) continue;
    const r = await mechanicalRewrite(content, { rule: f.rule, line: f.line, ...(f.direction ? { direction: f.direction } : {}) }, pgVersion !== undefined ? { pgVersion } : {});
    if (!r) continue;
    // A suggestion quotes the file's lines verbatim; one holding a secret of the run is not posted anywhere.
    if ([...r.before, ...r.after].some((l) => redact(l, s.secrets) !== l)) continue;
    f.path = path.split(sep).join('/');
    f.rewrite = { ...r, suggested: false };
    n++;
  }
}

/** A refused or failed API call as the run's warning and report. */
function refused(ctx: PrCommentContext, err: unknown, what: string): PrCommentReport {
  const status = statusOf(err);
  const pr = ctx.settings.pullRequest;
  const reason = `GitHub answered ${status}: ${messageOf(err)}`;
  if (status === 403 || status === 404) {
    const why =
      isPullRequest(pr) && pr.fork
        ? `pull request #${pr.number} comes from ${pr.headRepo ? `the fork ${pr.headRepo}` : 'a fork'}, and forks get a read-only GITHUB_TOKEN; a pull request of the repository itself needs a job with \`permissions: pull-requests: write\``
        : 'give the job `permissions: pull-requests: write`; pull requests from forks get a read-only GITHUB_TOKEN';
    ctx.warn(`pr-comment: the token cannot write pull-request comments (${reason}; ${why}): the plan is in this job summary. The run's outcome is unchanged.`);
    return { action: 'failed', reason };
  }
  ctx.warn(`pr-comment: ${what}: ${status ? reason : messageOf(err)}. The plan is in this job summary; the run's outcome is unchanged.`);
  return { action: 'failed', reason: status ? reason : messageOf(err) };
}

function statusOf(err: unknown): number {
  const status = (err as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : 0;
}

/** The API's own words: GitHubApiError says `<request>: GitHub API answered 403: <message>`, and the caller says the status. */
function messageOf(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  // Octokit appends ` - <documentation_url>` to the API's message.
  return (/\banswered \d{3}: (.*)$/s.exec(m)?.[1] ?? m).replace(/ - https:\/\/docs\.github\.com\S*/, '');
}
