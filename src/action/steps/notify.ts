/**
 * The `notify-webhook` notification: after the run (and after the failure issue, so its link is
 * in the message), post a Slack-compatible message to an incoming webhook. Best effort, like the
 * issue step: a webhook that fails is a warning and never changes the run's status or exit code.
 */
import { redact } from '../../engine/redact.js';
import type { WebhookResult } from '../../notify/webhook.js';
import { notificationPayload, notifySecrets } from '../notification.js';
import type { ActionRun } from '../run-result.js';
import type { ActionSettings } from '../settings.js';
import type { StepContext } from './context.js';

/**
 * Whether this run is posted to `notify-webhook`. Failures (`failed`, `rolled-back`) always are,
 * successes (`success`, `nothing-to-do`) only with `notify-on-success`. Dry runs (`dry-run: true`,
 * `command: plan`) never are: they change nothing, and a workflow often shares its inputs between
 * the pull request's plan and the deploy, so the channel would hear about every plan. Nor is a
 * command this version lacks (the workflow author's mistake, shown in the run itself, as invalid
 * inputs are, which never reach this step).
 */
export function wantsNotification(s: ActionSettings, run: ActionRun): boolean {
  if (!s.notifyWebhook) return false;
  if (s.dryRun || s.command === 'plan' || run.dryRun || run.status === 'dry-run') return false;
  if (run.status === 'failed' || run.status === 'rolled-back') return true;
  return s.notifyOnSuccess === true && (run.status === 'success' || run.status === 'nothing-to-do');
}

/**
 * Post the run to `notify-webhook` with `ports.postWebhook` (the caller checks
 * {@link wantsNotification}). A success adds a note; a failure adds a warning
 * (`notification webhook failed: HTTP 500 …`) through `warn`. Never throws and never changes the
 * run's status.
 */
export async function notify(ctx: StepContext): Promise<void> {
  const { settings: s, run, log } = ctx;
  const url = s.notifyWebhook;
  if (!url) return;
  let result: WebhookResult;
  try {
    result = await ctx.ports.postWebhook(url, notificationPayload(s, run));
  } catch (err) {
    // postWebhook never throws; this guards the payload and an injected poster.
    result = { ok: false, error: (err as Error)?.message ?? String(err), attempts: 1 };
  }
  if (result.ok) {
    const m = `Notification sent to the notify-webhook (HTTP ${result.status ?? 200}).`;
    log.info(m);
    run.notes.push(m);
    return;
  }
  // Redacted here with the webhook's own secrets too: the poster's error may quote its URL.
  ctx.warn(redact(`notification webhook failed: ${result.error ?? 'no answer'}. The migration's outcome is unchanged.`, notifySecrets(s)));
}
