/**
 * The sticky pull-request comment and the suggested changes, as text: what merging the pull
 * request does to the database (the plan, each migration's mode and exact SQL), what lint wants
 * fixed, and the `verify` verdict. Pure: the action's step (`action/steps/pr-comment.ts`) gathers
 * the facts and talks to GitHub through {@link PrCommentClient}.
 */
import { code, escapeHtml, fence, squash } from '../text/markdown.js';
import { count } from '../text/units.js';
// The client's own shapes: the real client satisfies PrCommentClient structurally.
import type { CommentRef, NewReviewComment, ReviewCommentRef } from './issue-client.js';
import type { IssueFinding } from './issue.js';

export type { CommentRef, NewReviewComment, ReviewCommentRef };

/**
 * The GitHub calls of the pull-request comment: a narrow view of the action's GitHub client
 * (`IssueClient`), which satisfies it. Every method throws `GitHubApiError`, whose `status` is
 * the HTTP status (0: no answer); a read-only token gets 403 "Resource not accessible by integration".
 */
export interface PrCommentClient {
  /** Add a comment to issue or pull request `issueNumber`. */
  comment(issueNumber: number, body: string): Promise<{ id: number; url: string }>;
  /** Every comment of the issue or pull request, oldest first. */
  listComments(issueNumber: number): Promise<CommentRef[]>;
  /** Replace a comment's body (its id and place in the conversation stay). */
  updateComment(commentId: number, body: string): Promise<{ id: number; url: string }>;
  /** Every review comment of the pull request. */
  listReviewComments(pullNumber: number): Promise<ReviewCommentRef[]>;
  /** A review (event COMMENT) with line comments on commit `commitId`. */
  createReview(pullNumber: number, review: { commitId: string; body: string; comments: NewReviewComment[] }): Promise<{ id: number; url: string }>;
}

/** GitHub refuses comments over 65 536 characters; stay below, with room for the footer. */
export const MAX_COMMENT_CHARS = 64_000;

/**
 * The hidden first line that finds the comment again: one comment per pull request and set of
 * migrations directories (two jobs previewing different directories keep a comment each).
 */
export function prCommentMarker(dirs: readonly string[]): string {
  return `<!-- db-migrate-action:pr-comment dir=${dirs.map(markerValue).join(',')} -->`;
}

/**
 * Whether `body` is the comment of `marker`: it must start with it, so a reply that quotes the
 * comment (`> <!-- …`) is never mistaken for it.
 */
export function isPrComment(body: string, marker: string): boolean {
  return body.trimStart().startsWith(marker);
}

/** The hidden first line of the suggested changes' review comments. */
export function suggestionMarker(rule: string): string {
  return `<!-- db-migrate-action:suggestion rule=${markerValue(rule)} -->`;
}

/** A directory or rule as it can sit inside an HTML comment: no `--`, no `>`, no blanks. */
function markerValue(s: string): string {
  const clean = s.trim().replace(/^\.\//, '').replace(/\/+$/, '') || '.';
  return clean.replace(/[^\w./@+=-]/g, (c) => encodeURIComponent(c)).replace(/--/g, '-%2D');
}

/** One migration of the plan. */
export interface PrPlanRow {
  version: string;
  /** Display path, e.g. `db/migrations/20260101000000_orders.sql`. */
  file: string;
  /** `would-apply`: merging applies it; `pending`: beyond `steps`, it waits. */
  status: string;
  /** False for `transaction:false`. */
  transaction?: boolean;
  /** The exact SQL that would be sent. */
  sql?: string;
}

/** A suggested change of a finding (its mechanical rewrite). */
export interface PrRewrite {
  /** First line replaced, 1-based. */
  startLine: number;
  /** Last line replaced. */
  endLine: number;
  before: readonly string[];
  after: readonly string[];
  /** E.g. `adds CONCURRENTLY and IF NOT EXISTS, and transaction:false to the -- migrate:up marker`. */
  summary: string;
  /** Whether it is on the diff as a suggested change (posted now or on an earlier push). */
  suggested: boolean;
  /** The review that carries it, when posted by this run. */
  url?: string;
}

/** A lint finding as the comment shows it: a subset of lint's `Finding`, with its safe alternative. */
export interface PrFinding extends IssueFinding {
  fix: string;
  direction?: 'up' | 'down';
  /** What size the severity was judged by. */
  size?: string;
  /** Suppressed in the file: counted, not listed. */
  suppressed?: boolean;
  /** The file's path in the repository, where a suggested change goes (set with {@link rewrite}). */
  path?: string;
  rewrite?: PrRewrite;
}

/** Everything the comment says. Every string is already redacted (the pipeline redacts the run first). */
export interface PrCommentFacts {
  /** `migrations-dir`, as configured. */
  dirs: readonly string[];
  environment: string;
  /** `up` (dry run), `plan`, `verify` or `lint`. */
  command: string;
  /** The run's error: a dry run that predicts `up` would fail has code `DRY_RUN_WOULD_FAIL`. */
  error?: { message: string; code?: string };
  /** Every reason a dry run found why `up` would fail (the first is the error). */
  wouldFail?: readonly string[];
  rows: readonly PrPlanRow[];
  /** Whether lint ran; its tally, e.g. `1 error, 0 warnings in 2 files`. */
  lint?: { tally: string; failOn: string };
  findings: readonly PrFinding[];
  /** `command: verify`: the verdict as `db-migrate-action verify` prints it. */
  verify?: { ok: boolean; verdict: string };
  /** The pull request's head commit. */
  headSha?: string;
  runUrl?: string;
  toolVersion?: string;
}

const CLIP = { outcome: 300, cell: 160, fix: 600, sql: 20_000, verdict: 8_000 } as const;

/** Findings a reviewer acts on: errors and warnings not suppressed in the file. */
export function visibleFindings(findings: readonly PrFinding[]): PrFinding[] {
  return findings.filter((f) => !f.suppressed && (f.severity === 'error' || f.severity === 'warning'));
}

/** Nothing left to say: no error, nothing merging would apply, nothing to fix, no verdict. */
export function isResolved(f: PrCommentFacts): boolean {
  return !f.error && !f.verify && !f.rows.some((r) => r.status === 'would-apply' || r.status === 'pending') && visibleFindings(f.findings).length === 0;
}

/**
 * The comment: the marker, a one-line outcome, why `up` would fail, the plan table, the lint
 * findings with their fixes (suggested on the diff, or shown here as a diff when GitHub could not
 * take the suggestion), the verify verdict, the SQL of each migration collapsed, and a footer with
 * the commit and the run. {@link isResolved} facts give the short resolved comment instead.
 */
export function renderPrComment(f: PrCommentFacts): string {
  if (isResolved(f)) return renderResolved(f);
  const out: string[] = [prCommentMarker(f.dirs), `### ${outcome(f)}`, ''];
  if ((f.wouldFail?.length ?? 0) > 1) {
    out.push('Why `up` would fail:', '', ...f.wouldFail!.map((r) => `- ${prose(r, CLIP.outcome)}`), '');
  }
  out.push(...planSection(f), ...lintSection(f), ...verifySection(f));
  const footer = footerLines(f);
  const body = out.join('\n');
  const sql = sqlSection(f, MAX_COMMENT_CHARS - body.length - footer.join('\n').length);
  return [body, ...sql, ...footer].join('\n');
}

/** The comment once nothing is pending and nothing is left to fix: kept (not deleted), so the conversation still shows where it was. */
function renderResolved(f: PrCommentFacts): string {
  const env = code(f.environment);
  const dirs = f.dirs.map(code).join(', ');
  const text =
    f.command === 'lint'
      ? `Lint found nothing to fix${f.lint ? ` (${f.lint.tally})` : ''}.`
      : `No migration of ${dirs} is pending on ${env}, and lint found nothing to fix: merging applies nothing.`;
  return [prCommentMarker(f.dirs), `### ${f.command === 'lint' ? '✅ Nothing to fix' : '✅ Nothing pending'}`, '', text, '', ...footerLines(f)].join('\n');
}

/** The one line at the top. */
function outcome(f: PrCommentFacts): string {
  const env = code(f.environment);
  const e = f.error;
  if (e) {
    const message = prose(e.message, CLIP.outcome);
    if (e.code === 'DRY_RUN_WOULD_FAIL') return `❌ \`up\` would fail on ${env}: ${message.replace(/^up would fail(?: before applying anything)?: /, '')}`;
    if (f.command === 'verify') return `❌ ${message}`;
    if (f.command === 'lint') return `❌ Lint failed: ${message.replace(/^migration lint failed: /, '')}`;
    return `❌ The dry run of \`up\` on ${env} failed: ${message}`;
  }
  const fixes = visibleFindings(f.findings).length;
  const lintNote = fixes && f.lint ? ` · ⚠️ lint: ${f.lint.tally}` : '';
  if (f.command === 'verify' && f.verify) return `${f.verify.ok ? '✅' : '❌'} ${prose(f.verify.verdict.split('\n')[0] ?? '', CLIP.outcome)}`;
  if (f.command === 'lint') return fixes ? `⚠️ Lint: ${f.lint?.tally ?? count(fixes, 'finding')} (below lint-fail-on: ${f.lint?.failOn ?? 'error'})` : `✅ Lint: ${f.lint?.tally ?? 'no problems'}`;
  const n = f.rows.filter((r) => r.status === 'would-apply').length;
  if (n === 0) return `✅ Nothing pending on ${env}${lintNote}`;
  return `✅ Merging applies ${count(n, 'migration')} to ${env}${lintNote}`;
}

function planSection(f: PrCommentFacts): string[] {
  if (f.rows.length === 0) return [];
  const name = fileLabel(f);
  const out = ['| Version | File | Mode | Applies |', '|---|---|---|---|'];
  for (const r of f.rows) {
    const mode = r.transaction === false ? '`transaction:false` (not atomic)' : 'transaction';
    const applies = r.status === 'would-apply' ? 'yes' : r.status === 'pending' ? 'not yet (beyond `steps`)' : r.status;
    out.push(`| ${tableCode(r.version)} | ${tableCode(clip(name(r.file), 80))} | ${mode} | ${applies} |`);
  }
  return [...out, ''];
}

function lintSection(f: PrCommentFacts): string[] {
  if (!f.lint) return [];
  const shown = visibleFindings(f.findings);
  const suppressed = f.findings.filter((x) => x.suppressed).length;
  const info = f.findings.length - shown.length - suppressed;
  const unlisted = [...(info ? [`${info} info`] : []), ...(suppressed ? [`${suppressed} suppressed`] : [])].join(', ');
  if (f.findings.length === 0) return [`**Lint:** ${f.lint.tally}.`, ''];
  if (shown.length === 0) return [`**Lint:** nothing to fix (${f.lint.tally}; the job summary lists them).`, ''];
  const hidden = unlisted ? ` (not listed here: ${unlisted}; see the job summary)` : '';
  const name = fileLabel(f);
  const where = (x: PrFinding) => `${code(`${name(x.file)}:${x.line}`)}${x.direction === 'down' ? ' (down)' : ''}`;
  const out = [`#### Lint: ${f.lint.tally}${hidden}`, '', '| Severity | Rule | Where | Finding |', '|---|---|---|---|'];
  const LIMIT = 30;
  for (const x of shown.slice(0, LIMIT)) {
    const message = prose(x.message, CLIP.cell) + (x.size ? ` (${prose(x.size, CLIP.cell)})` : '');
    out.push(`| ${x.severity === 'error' ? '❌ error' : '⚠️ warning'} | ${tableCode(x.rule)} | ${where(x).replace(/\|/g, '\\|')} | ${message.replace(/\|/g, '\\|')} |`);
  }
  if (shown.length > LIMIT) out.push('', `… and ${shown.length - LIMIT} more in the job summary.`);
  out.push('', '**How to fix**', '');
  // One line per rule for the plain fixes; one entry per finding that has a rewrite.
  const plain = new Map<string, PrFinding[]>();
  for (const x of shown.slice(0, LIMIT)) {
    if (x.rewrite) {
      const r = x.rewrite;
      if (r.suggested) {
        out.push(`- ${code(x.rule)} at ${where(x)}: suggested as a change on the diff${r.url ? ` ([review](${r.url}))` : ''}; it ${r.summary}.`);
      } else {
        out.push(`- ${code(x.rule)} at ${where(x)}: this change ${r.summary} (lines ${r.startLine}–${r.endLine}):`, '', indent(fence(rewriteDiff(r), 'diff'), '  '), '');
      }
    } else {
      plain.set(x.rule, [...(plain.get(x.rule) ?? []), x]);
    }
  }
  for (const [rule, xs] of plain) out.push(`- ${code(rule)} at ${xs.map(where).join(', ')}: ${prose(xs[0]!.fix, CLIP.fix)}`);
  return [...out, ''];
}

function verifySection(f: PrCommentFacts): string[] {
  if (!f.verify) return [];
  const lines = f.verify.verdict.replace(/\s+$/, '').split('\n');
  const out = ['#### Verify', '', `${f.verify.ok ? '✅' : '❌'} ${prose(lines[0] ?? '', CLIP.outcome)}`, ''];
  const rest = lines.slice(1).join('\n').trim();
  if (rest) out.push('<details><summary>Details</summary>', '', fence(clip(rest, CLIP.verdict), f.verify.ok ? 'text' : 'diff'), '', '</details>', '');
  return out;
}

/** Each migration's exact SQL, collapsed, as long as the comment has room; the rest is in the job summary. */
function sqlSection(f: PrCommentFacts, room: number): string[] {
  const rows = f.rows.filter((r) => r.sql !== undefined);
  const out: string[] = [];
  let left = room - 200;
  let shown = 0;
  for (const r of rows) {
    const mode = r.transaction === false ? 'transaction:false' : 'transaction';
    const block = ['<details><summary>SQL of <code>' + escapeHtml(fileLabel(f)(r.file)) + `</code> (${mode})</summary>`, '', fence(clip(r.sql!, CLIP.sql), 'sql'), '', '</details>', ''].join('\n');
    if (block.length > left) break;
    out.push(block);
    left -= block.length + 1;
    shown++;
  }
  if (shown < rows.length) out.push(`The SQL of ${count(rows.length - shown, 'more migration')} is in the job summary (this comment has no room for it).`, '');
  return out;
}

function footerLines(f: PrCommentFacts): string[] {
  const what = f.command === 'up' ? '`up` dry run' : code(f.command);
  const parts = [`db-migrate-action${f.toolVersion ? ` ${f.toolVersion}` : ''}`, `${what} on ${code(f.environment)}`];
  if (f.headSha) parts.push(`commit ${code(f.headSha.slice(0, 12))}`);
  if (f.runUrl) parts.push(`[workflow run](${f.runUrl})`);
  parts.push('updated on every push');
  return ['---', `<sub>${parts.join(' · ')}</sub>`];
}

/**
 * The review comment of one suggested change: the marker, the rule and finding, and GitHub's
 * ```` ```suggestion ```` block with the lines that replace `startLine..endLine` (the comment's
 * lines), so "Commit suggestion" applies it as is.
 */
export function renderSuggestion(s: { rule: string; message: string; rewrite: Pick<PrRewrite, 'after' | 'summary'> }): string {
  return [suggestionMarker(s.rule), `**${code(s.rule)}**: ${prose(s.message, CLIP.fix)}. This change ${s.rewrite.summary}.`, '', fence(s.rewrite.after.join('\n'), 'suggestion')].join('\n');
}

/** The body of the review that carries the suggested changes. */
export function renderSuggestionReview(dirs: readonly string[], n: number): string {
  return `<!-- db-migrate-action:review dir=${dirs.map(markerValue).join(',')} -->\n**db-migrate-action** suggests ${count(n, 'change')} for lint findings of the migrations; the plan and every finding are in the db-migrate comment of this pull request.`;
}

/** The lines of a rewrite as a unified diff body (`-` old, `+` new, unchanged lines in between as context). */
function rewriteDiff(r: Pick<PrRewrite, 'before' | 'after'>): string {
  const out: string[] = [];
  r.before.forEach((line, i) => {
    const next = r.after[i] ?? '';
    if (line === next) out.push(` ${line}`);
    else out.push(`-${line}`, `+${next}`);
  });
  return out.join('\n');
}

/** File names as the tables show them: the base name when there is one directory (it is in the marker and the comment's subject), else the display path. */
function fileLabel(f: PrCommentFacts): (file: string) => string {
  return f.dirs.length === 1 ? (file) => file.slice(file.lastIndexOf('/') + 1) || file : (file) => file;
}

function tableCode(s: string): string {
  return code(s).replace(/\|/g, '\\|');
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `${by}${l}` : l))
    .join('\n');
}

/**
 * Outside text (error messages, findings) as prose: one line, clipped, HTML inert, and no
 * `@mention` that would notify someone (a zero-width space after the `@`).
 */
function prose(text: string, max: number): string {
  // Outside `code spans` only: inside one, GitHub shows `&lt;` as typed.
  return clip(squash(text), max)
    .split(/(`+[^`]*`+)/)
    .map((part, i) => (i % 2 === 1 ? part : escapeHtml(part).replace(/@(?=[A-Za-z0-9])/g, '@\u200b')))
    .join('');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
