import type { RunContext } from '../engine/history.js';
import { VERSION } from '../version.js';
import { runUrl } from '../github/run-url.js';

/**
 * Audit context for CLI runs: who ran it and, inside GitHub Actions, which commit and run.
 * The environment name comes from the URL variable (`STAGING_DATABASE_URL` → `staging`).
 */
export function cliRunContext(envVar: string, env: Readonly<Record<string, string | undefined>>): RunContext {
  const m = /^(.+?)_DATABASE_URL$/.exec(envVar);
  const environment = env.DB_MIGRATE_ENVIRONMENT || (m ? m[1].toLowerCase() : undefined);
  return {
    environment: environment === 'dev' ? 'development' : environment,
    actor: env.GITHUB_ACTOR || env.USER || env.LOGNAME,
    gitSha: env.GITHUB_SHA,
    runId: env.GITHUB_RUN_ID,
    runUrl: runUrl(env),
    toolVersion: VERSION,
  };
}
