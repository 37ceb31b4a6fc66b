import type { Logger } from '../engine/logger.js';
import { redact } from '../engine/redact.js';
import { GitHubApiError, type IssueClient } from './issue-client.js';
import { CODE_WIDTH, code as inlineCode, errorText, fence, squash, wrapShell, wrapSql } from '../text/markdown.js';
import { bytes, count, duration } from '../text/units.js';

/** The error that failed the run, as the issue shows it. Structurally a subset of the action's `RunError`. */
export interface IssueError {
  /** One-line message (for SQL errors: file:line:column, SQLSTATE and the server's text). */
  message: string;
  /** Multi-line description: detail, server hint, what stayed applied. */
  details?: string;
  /** Stable error code, e.g. `SQL_42P01`, `HEALTH_CHECK_FAILED`. */
  code?: string;
  /** Display path of the failing migration file. */
  file?: string;
  /** 1-based position of the failure in that file. */
  line?: number;
  column?: number;
  /** Version of the failing migration. */
  version?: string;
  /** PostgreSQL SQLSTATE, e.g. `42P01`. */
  sqlstate?: string;
  /** Text of the failing statement. */
  statement?: string;
  /** What to do about it. */
  hint?: string;
}

/** A lint finding that failed the run. Structurally a subset of lint's `Finding`. */
export interface IssueFinding {
  /** Rule id, e.g. `require-concurrent-index`. */
  rule: string;
  /** `error` or `warning`. */
  severity: string;
  /** Display path of the file. */
  file: string;
  /** 1-based position in the file. */
  line: number;
  column: number;
  /** What is wrong there. */
  message: string;
}

/** The backup taken before migrating. */
export interface IssueBackup {
  /** Path of the `pg_dump -Fc` archive on the runner (or where it was uploaded). */
  path: string;
  /** Size in bytes. */
  bytes?: number;
  /** The exact `pg_restore` command that restores it (never run automatically). */
  restoreCommand?: string;
}

/**
 * Everything the failure issue says, as plain data. Any string may hold a secret (driver
 * messages quote URLs): {@link renderIssue} redacts each one with {@link secrets} and {@link redact}.
 */
export interface IssueFacts {
  /** `environment` input, e.g. `production`. */
  environment: string;
  /** `command` input, e.g. `up`. */
  command: string;
  /** The run's final status, e.g. `failed` or `rolled-back`. */
  status?: string;
  /** Database URL with its password masked (masked again here anyway). */
  database?: string;
  /** What failed. */
  error?: IssueError;
  /** Versions this run applied before the failure, oldest first. */
  applied?: readonly string[];
  /** Versions this run rolled back, in the order they were rolled back (newest first). */
  rolledBack?: readonly string[];
  /** Versions of this run still applied after the rollback (or with no rollback), newest first. */
  stillApplied?: readonly string[];
  /** Why the rollback stopped or did not run (e.g. a migration without a down section, rollback disabled). */
  rollbackNote?: string;
  /**
   * Whether an automatic rollback ran (or tried to) after the failure: only then has the issue a
   * Rollback section. Unset: when anything was rolled back.
   */
  rollbackAttempted?: boolean;
  /** The database's version after the run (highest applied version with a file); empty: none applied. */
  currentVersion?: string;
  /** When lint stopped the run: the findings that stopped it (where, which rule, what). */
  lintFindings?: readonly IssueFinding[];
  /** Backup taken before migrating, when there is one. */
  backup?: IssueBackup;
  /** Link to the workflow run. */
  runUrl?: string;
  /** `GITHUB_ACTOR`. */
  actor?: string;
  /** `GITHUB_SHA`. */
  commit?: string;
  /** Wall time of the run, ms. */
  durationMs?: number;
  /** This tool's version. */
  toolVersion?: string;
  /** Secret values (password in its forms, token) to mask with `redact()` of src/engine/url.ts. */
  secrets?: readonly string[];
  /** An extra redactor applied after the built-in one, for secrets only the caller can recognise. */
  redact?: (text: string) => string;
}

/** Title and markdown body of the failure issue. */
export interface RenderedIssue {
  title: string;
  body: string;
}

/** GitHub rejects bodies over 65 536 characters; stay below with room for a truncation note. */
export const MAX_BODY_CHARS = 65_000;
/** GitHub's limit on a label's name. */
export const MAX_LABEL_CHARS = 50;

const CLIP = { message: 4_000, statement: 8_000, details: 8_000, note: 2_000, line: 500 } as const;

/**
 * Render the failure issue. Pure: the same facts give the same text.
 *
 * Title: `Database migration failed: <environment>`. Body, each fact once: a lead sentence (what
 * failed, where, with which SQLSTATE, and what state the database is left in), the run's facts
 * (database, run, actor, commit, duration), the error (its message, what its description adds, the
 * failing lint findings or statement), the rollback when one ran, and the backup with its restore
 * command. Every string goes through the redactor *before* it is clipped, so a clip cannot leave
 * half a secret behind, and each one is quoted as code so SQL, `@mentions` and markdown in error
 * text stay inert. Code blocks are wrapped to the width GitHub shows without scrolling.
 */
export function renderIssue(facts: IssueFacts): RenderedIssue {
  const redactor = redactorOf(facts.secrets ?? [], facts);
  /** Redacted, then clipped to `max` characters (the clip note apart, for code blocks). */
  const parts = (text: string, max: number) => redactThenClip(String(text), max, redactor);
  /** Redacted, then clipped to `max` characters, the clip note appended. */
  const safe = (text: string, max: number) => joinClip(parts(text, max));
  /** {@link safe} on one line: for code spans and list items. */
  const flat = (text: string, max: number) => squash(safe(text, max));
  const short = (text: string) => flat(text, CLIP.line);
  const code = (text: string) => inlineCode(short(text));
  const list = (vs: readonly string[]) => (vs.length ? vs.map(code).join(', ') : 'none');
  const env = short(facts.environment);
  const e = facts.error;
  const text = e
    ? errorText({
        message: safe(e.message, CLIP.message),
        ...(e.details !== undefined ? { details: safe(e.details, CLIP.details) } : {}),
        ...(e.file !== undefined ? { file: short(e.file) } : {}),
        ...(e.line !== undefined ? { line: e.line } : {}),
        ...(e.column !== undefined ? { column: e.column } : {}),
        ...(e.sqlstate !== undefined ? { sqlstate: short(e.sqlstate) } : {}),
        ...(e.statement !== undefined ? { statement: e.statement } : {}),
      })
    : undefined;

  const lines: string[] = [`## Database migration failed in ${code(env)}`, ''];
  lines.push(`${whatFailed(facts, code)} ${stateSentence(facts, code, list, (t) => flat(t, CLIP.note))}`, '');

  const run: Array<[string, string | undefined]> = [
    ['Database', facts.database ? code(facts.database) : undefined],
    ['Run', facts.runUrl ? short(facts.runUrl) : undefined],
    ['Actor', facts.actor ? code(facts.actor) : undefined],
    ['Commit', facts.commit ? code(facts.commit) : undefined],
    ['Duration', facts.durationMs !== undefined ? duration(facts.durationMs) : undefined],
    ['Backup', facts.backup ? undefined : 'none taken in this run'],
  ];
  lines.push(...bullets(run), '');

  lines.push('### Error', '');
  if (!e || !text) {
    lines.push('No error was recorded; see the run log.', '');
  } else {
    lines.push(inlineCode(squash(text.message)), '');
    const findings = (facts.lintFindings ?? []).map(
      (f) => `- ${code(`${f.file}:${f.line}:${f.column}`)} ${code(f.rule)} (${short(f.severity)}): ${code(f.message)}`,
    );
    if (findings.length) lines.push(...findings, '');
    const hinted = text.extras.some((x) => x.label === 'Hint');
    const more: string[] = [
      ...text.extras.map((x) => `- ${x.label ? `**${x.label}:** ` : ''}${inlineCode(squash(x.text))}`),
      ...(e.hint && !hinted ? [`- **Hint:** ${code(e.hint)}`] : []),
      // The SQLSTATE is in the lead; a code made of it (`SQL_42703`) says nothing more.
      ...(e.code && !(e.sqlstate && e.code === `SQL_${e.sqlstate}`) ? [`- **Error code:** ${code(e.code)}`] : []),
      // A file's name starts with its version.
      ...(e.version && !e.file && !text.message.includes(e.version) ? [`- **Version:** ${code(e.version)}`] : []),
    ];
    if (more.length) lines.push(...more, '');
    if (e.statement) {
      const [sql, cut] = parts(e.statement, CLIP.statement);
      const wrapped = wrapSql(sql.trim());
      lines.push(`**Failing statement${wrapped !== sql.trim() ? ` (lines over ${CODE_WIDTH} characters wrapped)` : ''}:**`, '', fence(wrapped, 'sql'), '');
      if (cut) lines.push(cut, '');
    }
  }

  // A rollback section only for a rollback that ran: otherwise the lead says what stayed applied.
  const rolledBack = facts.rolledBack ?? [];
  const attempted = facts.command !== 'rollback' && (facts.rollbackAttempted ?? rolledBack.length > 0);
  if (attempted) {
    lines.push('### Rollback', '');
    lines.push(`- **Applied by this run before the failure:** ${list(facts.applied ?? [])}`);
    lines.push(`- **Rolled back (newest first):** ${rolledBack.length ? list(rolledBack) : 'nothing'}`);
    if (facts.stillApplied !== undefined) lines.push(`- **Still applied from this run:** ${list(facts.stillApplied)}`);
    if (facts.rollbackNote) lines.push(`- **Note:** ${inlineCode(flat(facts.rollbackNote, CLIP.note))}`);
    lines.push('');
  }

  if (facts.backup) {
    const size = facts.backup.bytes !== undefined ? ` (${bytes(facts.backup.bytes)})` : '';
    lines.push('### Backup', '', `- **Path:** ${code(facts.backup.path)}${size}`, '');
    if (facts.backup.restoreCommand) {
      lines.push(
        'Restore command (never run automatically: it restores the backup into a NEW database, which you can inspect before switching anything to it):',
        '',
        fence(wrapShell(safe(facts.backup.restoreCommand, CLIP.note)), 'sh'),
        '',
      );
    }
  }
  lines.push(
    '---',
    `<sub>Opened by db-migrate-action${facts.toolVersion ? ` ${short(facts.toolVersion)}` : ''}. ` +
      'While this issue is open, later failures with the same labels are added as comments.</sub>',
  );

  // Every piece of outside text above went through `safe`; the rest is our own wording.
  let body = lines.join('\n');
  if (body.length > MAX_BODY_CHARS) body = `${body.slice(0, MAX_BODY_CHARS)}\n\n… (truncated; see the run log)`;
  // GitHub caps titles at 256 characters.
  return { title: `Database migration failed: ${env}`.slice(0, 256), body };
}

/**
 * What failed, in one sentence: where (file, line, column; the files lint stopped on) and with
 * which SQLSTATE. The message itself is the Error section's.
 */
function whatFailed(f: IssueFacts, code: (t: string) => string): string {
  const e = f.error;
  const run = `The ${code(f.command)} run`;
  const files = [...new Set((f.lintFindings ?? []).map((x) => x.file))];
  if (files.length) return `${run} was stopped by lint in ${files.map(code).join(', ')}.`;
  if (e?.code === 'HEALTH_CHECK_FAILED') return `${run} failed its health checks after migrating.`;
  const where = e?.file ? ` at ${code(e.file)}${position(e)}` : '';
  const sqlstate = e?.sqlstate ? ` with SQLSTATE ${code(e.sqlstate)}` : '';
  return `${run} failed${where}${sqlstate}.`;
}

/**
 * The database's state after the failure, in one sentence: what of this run is still applied (and
 * why, when no rollback ran) and the version it is at.
 */
function stateSentence(f: IssueFacts, code: (t: string) => string, list: (vs: readonly string[]) => string, note: (t: string) => string): string {
  const applied = f.applied ?? [];
  const rolledBack = f.rolledBack ?? [];
  const still = f.stillApplied ?? (f.command === 'up' ? [...applied].reverse().filter((v) => !rolledBack.includes(v)) : []);
  const are = (n: number) => (n === 1 ? 'is' : 'are');
  let what: string;
  if (f.command === 'rollback') what = rolledBack.length ? `It rolled back ${list(rolledBack)} before it failed` : 'Nothing was rolled back';
  else if (applied.length === 0) what = 'No migration of this run was applied';
  else if (f.rollbackAttempted ?? rolledBack.length > 0) {
    what = still.length
      ? `The automatic rollback stopped: ${count(still.length, 'migration')} of this run ${are(still.length)} still applied`
      : `The automatic rollback undid the ${count(applied.length, 'migration')} it had applied`;
  } else {
    what = `${count(still.length, 'migration')} of this run ${are(still.length)} still applied: ${list(still)}${f.rollbackNote ? ` (${note(f.rollbackNote)})` : ''}`;
  }
  const version = f.currentVersion === undefined ? '' : f.currentVersion ? `; the database is at version ${code(f.currentVersion)}` : '; no migration is applied in the database';
  return `${what}${version}.`;
}

/** Options of {@link reportFailure}. */
export interface ReportFailureOptions {
  /** `issue-labels` input. `env:<environment>` is added. */
  labels: readonly string[];
  /** `environment` input. */
  environment: string;
  /** Progress: the issue link (info) and label trouble (warn). */
  log?: Logger;
  /** Secrets to mask in the returned warning (the token; the client masks it too). */
  secrets?: readonly string[];
}

/** What {@link reportFailure} did: an issue link, or a warning for the run's warnings. */
export type ReportFailureResult =
  | {
      /** Issue link for `created`, comment link (inside the issue) for `commented`: the `issue-url` output. */
      url: string;
      /** `created`: a new issue; `commented`: an open one already had these labels. */
      action: 'created' | 'commented';
      /** Number of the issue. */
      number: number;
      /** Link of the issue itself. */
      issueUrl: string;
    }
  | {
      /** Why no issue was opened or updated: status, GitHub's message and what to check. Token masked. */
      warning: string;
    };

/**
 * The labels of the failure issue: the configured ones plus `env:<environment>` (clipped to
 * GitHub's 50 characters), trimmed, empty and duplicate (case-insensitive, as GitHub compares) ones dropped.
 */
export function issueLabels(configured: readonly string[], environment: string): string[] {
  const out: string[] = [];
  for (const raw of [...configured, `env:${environment.trim()}`]) {
    const label = raw.trim().slice(0, MAX_LABEL_CHARS);
    if (label !== '' && !out.some((l) => l.toLowerCase() === label.toLowerCase())) out.push(label);
  }
  return out;
}

/**
 * Step 8 of the pipeline: open the failure issue, or comment on the open one that has the same
 * labels (so repeated failures of one environment land in one thread). Creates missing labels
 * first when opening. Never throws: any failure (API error after the client's retries, a bug in
 * rendering) comes back as `{ warning }`, because reporting must never hide or change the
 * migration's own outcome.
 */
export async function reportFailure(client: IssueClient, facts: IssueFacts, opts: ReportFailureOptions): Promise<ReportFailureResult> {
  const secrets = [...(opts.secrets ?? []), ...(facts.secrets ?? [])];
  const clean = (text: string) => joinClip(redactThenClip(text, 4_000, redactorOf(secrets, facts)));
  try {
    const labels = issueLabels(opts.labels, opts.environment);
    const { title, body } = renderIssue({ ...facts, secrets });

    const open = await client.findOpenIssue(labels);
    if (open) {
      const c = await client.comment(open.number, body);
      opts.log?.info(`Added the failure to open issue #${open.number}: ${c.url}`);
      return { url: c.url, action: 'commented', number: open.number, issueUrl: open.url };
    }

    try {
      const created = await client.ensureLabels(labels);
      if (created.length) opts.log?.info(`Created label(s) ${created.join(', ')}`);
    } catch (err) {
      // GitHub still accepts the issue; it may drop labels it cannot apply. Losing labels beats losing the issue.
      opts.log?.warn(clean(`Could not make sure the labels ${labels.join(', ')} exist (${messageOf(err)}); opening the issue anyway`));
    }
    const issue = await client.createIssue({ title, body, labels });
    opts.log?.info(`Opened issue #${issue.number}: ${issue.url}`);
    return { url: issue.url, action: 'created', number: issue.number, issueUrl: issue.url };
  } catch (err) {
    const status = err instanceof GitHubApiError ? err.status : undefined;
    const advice = status !== undefined ? ADVICE[status] ?? (status >= 500 || status === 0 ? ADVICE[500] : undefined) : undefined;
    return {
      warning: clean(
        `No issue was opened for the failed migration: ${messageOf(err)}.${advice ? ` ${advice}.` : ''} ` +
          "The migration's outcome is unchanged.",
      ),
    };
  }
}

const ADVICE: Readonly<Record<number, string>> = {
  401: 'The github-token is invalid or expired',
  403: 'Give the job `permissions: issues: write` (or a github-token that has it)',
  404: 'The repository is not visible to this token, or its issues are disabled',
  410: 'Issues are disabled in this repository',
  422: 'GitHub rejected the issue as invalid',
  429: 'GitHub rate-limited the token; the issue can be opened by hand from the run log',
  500: 'GitHub could not be reached or failed; the issue can be opened by hand from the run log',
};

/** The built-in redactor, then the caller's own: the one way every text of the issue and its warnings is cleaned. */
function redactorOf(secrets: readonly string[], facts: Pick<IssueFacts, 'redact'>): (text: string) => string {
  return (text) => {
    const out = redact(text, secrets);
    return facts.redact ? facts.redact(out) : out;
  };
}

/** `- **Name:** value` for each fact that has a value. */
function bullets(facts: Array<[string, string | undefined]>): string[] {
  return facts.filter((f): f is [string, string] => f[1] !== undefined).map(([k, v]) => `- **${k}:** ${v}`);
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** ` line 3, column 5` after the file, when known. */
function position(e: IssueError): string {
  if (e.line === undefined) return '';
  return ` line ${e.line}${e.column !== undefined ? `, column ${e.column}` : ''}`;
}

/**
 * Characters beyond a field's limit that are still redacted before the cut. `redact()` scans
 * whitespace-free runs in quadratic time, so a 200 kB error message must be cut *before* it is
 * redacted; a secret straddling that first cut can survive only in its last characters, and the
 * margin (longer than any plausible secret) is dropped with them.
 */
const REDACT_MARGIN = 2_048;

/**
 * Redact `text`, then cut it to `max` characters: the text, and the note saying how much was cut
 * (empty when nothing was), which a code block shows below itself.
 */
function redactThenClip(text: string, max: number, redactor: (t: string) => string): [string, string] {
  const limit = max + 2 * REDACT_MARGIN;
  const precut = text.length > limit;
  let out = redactor(precut ? text.slice(0, limit) : text);
  if (precut) out = out.slice(0, Math.max(0, out.length - REDACT_MARGIN));
  if (!precut && out.length <= max) return [out, ''];
  return [out.slice(0, max), `… (cut from ${text.length} characters; see the run log)`];
}

/** A clipped text with its note, for text that is not a code block. */
function joinClip([text, note]: [string, string]): string {
  return note ? `${text} ${note}` : text;
}
