/**
 * What a dry run predicts: the reasons the real run would fail, and the end of a dry run that
 * found any. One place, because the plan, the backup probe and the lint each find their own.
 */
import { ActionError } from '../errors.js';
import type { StepContext } from './context.js';

/** A dry run found why the real run would fail: recorded, and said once, as the run's error by {@link failIfPredicted}. */
export function predictFailure(ctx: Pick<StepContext, 'run'>, reason: string): void {
  (ctx.run.wouldFail ??= []).push(reason);
}

/**
 * End a dry run whose real run would fail as `failed`, with the first reason as its error (the
 * plan, rows and notes stay as recorded): a green check on a pull request that breaks `up` would
 * tell its reviewer the opposite of the truth.
 */
export function failIfPredicted(ctx: Pick<StepContext, 'run'>): void {
  const [first, ...more] = ctx.run.wouldFail ?? [];
  if (first === undefined) return;
  const hint = more.length ? `also: ${more.join('; ')}` : 'this dry run changed nothing; fix this before the change is merged or deployed';
  throw new ActionError('DRY_RUN_WOULD_FAIL', first, hint);
}
