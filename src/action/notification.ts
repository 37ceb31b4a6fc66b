/**
 * The `notify-webhook` message: a run and its settings as a Slack-compatible payload (Block Kit
 * blocks plus the `text` line other chat servers show). Pure: the step in `steps/notify.ts` posts it.
 */
import { redact, redactDeep } from '../engine/redact.js';
import { escapeHtml, squash } from '../text/markdown.js';
import { count, duration } from '../text/units.js';
import { webhookSecrets } from '../notify/webhook.js';
import { issueFacts } from './steps/issue.js';
import type { ActionRun } from './run-result.js';
import type { ActionSettings } from './settings.js';

/** Slack's limits (Block Kit): longer texts are cut with an ellipsis instead of being rejected. */
export const SLACK_LIMITS = Object.freeze({ header: 150, sectionText: 3000, field: 2000, fields: 10, contextElements: 10, text: 3000 });

/** A Block Kit text object. */
export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
}

/** The blocks this step sends. */
export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] };

/**
 * An incoming-webhook message: `text` is the notification line (and all that Mattermost,
 * Rocket.Chat or Discord's /slack endpoint show, which ignore `blocks`), `blocks` the message in Slack.
 */
export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
}

/** How many versions a field lists before `and N more`. */
const MAX_VERSIONS = 20;

/**
 * The message for a run. Every value is redacted (the settings' secrets, the webhook itself, and
 * passwords in URLs) before it is escaped for Slack's mrkdwn and cut to Slack's limits, so
 * neither escaping nor cutting can leave part of a secret readable.
 */
export function notificationPayload(s: ActionSettings, run: ActionRun): SlackPayload {
  const secrets = notifySecrets(s);
  const clean = (v: string) => redact(v, secrets);
  /** Slack mrkdwn of a raw value: redacted first, then (`flat`) on one line, escaped, and cut to `max`. */
  const md = (v: string, max: number = SLACK_LIMITS.field, flat = false) => {
    const t = clean(v);
    return clipMd(escapeMrkdwn(flat ? squash(t) : t), max);
  };
  const codeSpan = (v: string, max: number = 300) => `\`${md(v, max, true).replace(/`/g, "'")}\``;

  const title = headline(s, run);
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: clip(clean(title), SLACK_LIMITS.header) } }];

  const fields: string[] = [];
  const field = (name: string, value: string) => fields.push(clipMd(`*${name}*\n${value}`, SLACK_LIMITS.field));
  field('Environment', codeSpan(s.environment));
  field('Command', codeSpan(`${s.command}`));
  field('Status', codeSpan(run.status));
  if (run.target) field('Database', codeSpan(`${run.target.host}:${run.target.port}/${run.target.database}`));
  if (run.applied.length > 0 || (s.command === 'up' && run.status !== 'nothing-to-do')) field('Applied', versions(run.applied, codeSpan));
  if (run.rolledBack.length > 0 || run.rollback) field('Rolled back', versions(run.rolledBack, codeSpan));
  if (run.rollback && run.rollback.remaining.length > 0) field('Still applied from this run', versions(run.rollback.remaining, codeSpan));
  if (run.backupPath) field('Backup', codeSpan(run.backupPath));
  if (run.issueUrl) field('Issue', link(clean(run.issueUrl), run.issue ? `#${run.issue.number}${run.issue.action === 'commented' ? ' (commented)' : ''}` : 'issue'));
  field('Duration', md(duration(run.durationMs)));
  blocks.push({ type: 'section', fields: fields.slice(0, SLACK_LIMITS.fields).map((text) => ({ type: 'mrkdwn', text })) });

  const e = run.error;
  if (e) {
    const where = [e.file ? `in ${codeSpan(e.file)}` : '', e.line !== undefined ? `line ${e.line}${e.column !== undefined ? `, column ${e.column}` : ''}` : '', e.sqlstate ? `SQLSTATE ${codeSpan(e.sqlstate)}` : '']
      .filter((x) => x !== '')
      .join(', ');
    const lines = [`*Error*${where ? ` ${where}` : ''}`, codeBlock(md(firstLine(clean(e.message)), 1500))];
    if (e.statement) lines.push(`*Statement:* ${codeSpan(e.statement)}`);
    if (e.hint) lines.push(`*Hint:* ${md(e.hint, 300, true)}`);
    if (s.command === 'up' || s.command === 'rollback') {
      const note = issueFacts(s, run).rollbackNote;
      if (note) lines.push(`*Rollback:* ${md(note)}`);
    }
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clipMd(lines.join('\n'), SLACK_LIMITS.sectionText) } });
  }
  if (run.warnings.length > 0) {
    const more = run.warnings.length > 1 ? ` (and ${run.warnings.length - 1} more, see the run)` : '';
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clipMd(`*Warning:* ${md(run.warnings[0], 500, true)}${more}`, SLACK_LIMITS.sectionText) } });
  }

  const context: string[] = [];
  if (s.run.repository) context.push(md(s.run.repository));
  if (s.run.actor) context.push(`Actor: ${md(s.run.actor)}`);
  if (s.run.sha) context.push(`Commit: ${codeSpan(s.run.sha.slice(0, 7))}`);
  if (s.run.runUrl) context.push(link(clean(s.run.runUrl), s.run.runId ? `Run ${s.run.runId}` : 'Run'));
  context.push(`db-migrate-action ${md(run.toolVersion)}`);
  blocks.push({ type: 'context', elements: context.slice(0, SLACK_LIMITS.contextElements).map((text) => ({ type: 'mrkdwn', text: clipMd(text, SLACK_LIMITS.field) })) });

  // The notification line, then what a client without blocks needs most: the error and the run.
  const text = [md(title), e ? md(firstLine(clean(e.message)), 500) : '', run.issueUrl ? `Issue: ${md(run.issueUrl)}` : '', s.run.runUrl ? `Run: ${md(s.run.runUrl)}` : '']
    .filter((x) => x !== '')
    .join('\n');
  // Belt and braces: nothing that leaves this function holds a secret in its raw form.
  return redactDeep({ text: clipMd(text, SLACK_LIMITS.text), blocks }, secrets);
}

/** The settings' secrets plus the webhook's (in case the settings were built without them): what the message and the step's warnings are redacted with. */
export function notifySecrets(s: ActionSettings): string[] {
  return [...s.secrets, ...(s.notifyWebhook ? webhookSecrets(s.notifyWebhook) : [])];
}

const NOUN: Record<string, string> = {
  up: 'Database migration',
  rollback: 'Database rollback',
  verify: 'Migration verify',
  status: 'Migration status',
  report: 'Migration report',
  plan: 'Migration plan',
  lint: 'Migration lint',
  baseline: 'Migration baseline',
};

/** The one-liner, without emoji: `Database migration failed: production (rolled back 2 migrations)`. */
function headline(s: ActionSettings, run: ActionRun): string {
  const noun = NOUN[s.command] ?? 'Database migration';
  const env = s.environment;
  const n = (k: number) => count(k, 'migration');
  switch (run.status) {
    case 'rolled-back':
      return `${noun} failed: ${env} (rolled back ${n(run.rolledBack.length)})`;
    case 'failed': {
      const rb = run.rollback;
      let detail = '';
      if (rb && (rb.stoppedAt || rb.error || rb.remaining.length > 0)) detail = `automatic rollback stopped; ${n(rb.remaining.length)} still applied`;
      else if (s.command === 'up' && run.applied.length > 0 && !rb) detail = `${n(run.applied.length)} left applied`;
      else if (s.command === 'up' && run.applied.length === 0) detail = 'nothing applied';
      return `${noun} failed: ${env}${detail ? ` (${detail})` : ''}`;
    }
    case 'success': {
      const baselined = run.rows.filter((r) => r.status === 'baselined').length;
      const detail =
        s.command === 'up' ? `applied ${n(run.applied.length)}` : s.command === 'rollback' ? `rolled back ${n(run.rolledBack.length)}` : s.command === 'baseline' ? `recorded ${n(baselined)} as applied without running them` : '';
      return `${noun} succeeded: ${env}${detail ? ` (${detail})` : ''}`;
    }
    case 'nothing-to-do':
      return `${noun}: nothing to do on ${env} (up to date)`;
    default:
      return `${noun} (dry run): ${env}`;
  }
}

function versions(list: readonly string[], codeSpan: (v: string) => string): string {
  if (list.length === 0) return 'none';
  const shown = list
    .slice(0, MAX_VERSIONS)
    .map((v) => codeSpan(v))
    .join(', ');
  return list.length > MAX_VERSIONS ? `${shown} and ${list.length - MAX_VERSIONS} more` : shown;
}

/** A Slack link; the URL must be a redacted value (escaped here). */
function link(url: string, label: string): string {
  return `<${escapeMrkdwn(url).replace(/\|/g, '%7C')}|${escapeMrkdwn(label).replace(/\|/g, '/')}>`;
}

/** Slack's three control characters in mrkdwn (https://api.slack.com/reference/surfaces/formatting#escaping): HTML's three. */
const escapeMrkdwn = escapeHtml;
/** A preformatted block: Postgres messages are full of `_` and `"`, which mrkdwn would format. */
function codeBlock(v: string): string {
  return `\`\`\`${v.replace(/```/g, "'''")}\`\`\``;
}

function firstLine(v: string): string {
  return v.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}

/** Cut to `max` characters with an ellipsis. */
function clip(v: string, max: number): string {
  const chars = [...v];
  return chars.length <= max ? v : `${chars.slice(0, max - 1).join('')}…`;
}

/** {@link clip} for escaped mrkdwn: never leaves half an `&amp;` entity behind. */
function clipMd(v: string, max: number): string {
  const cut = clip(v, max);
  return cut === v ? v : cut.replace(/&[a-z]{0,3}…$/, '…');
}
