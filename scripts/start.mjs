// `npm start`: the real action from dist/ (or DB_MIGRATE_ACTION) run exactly as a GitHub runner
// runs it — INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files — against a
// throwaway PostgreSQL with db/migrations: a dry run, then `up`, then `status`, then `report`. No
// database of your own is needed.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from './embedded-pg.mjs';
import { runAction, ACTION_BUNDLE } from './action-runner.mjs';

const steps = [
  { title: 'Dry run: what would `up` do? (nothing is changed)', with: { command: 'up', 'dry-run': 'true' } },
  { title: 'up: apply the pending migrations', with: { command: 'up' } },
  { title: 'status', with: { command: 'status' } },
  // Outside the checkout, so trying it leaves no file behind in the repository.
  { title: 'report: reliability from the history table', with: { command: 'report', 'report-html': join(tmpdir(), 'db-migrate-report.html') } },
];

console.log(`Starting an embedded PostgreSQL...`);
// A server that cannot start is one message and a non-zero exit, never a stack trace or a hang.
const pg = await startPostgres({ version: 18, useEnv: false }).catch((err) => {
  console.error(`npm start: ${err?.message ?? err}`);
  process.exit(1);
});
let failed = false;
try {
  const url = await pg.createDatabase('example_app');
  for (const step of steps) {
    const inputs = { environment: 'staging', 'database-url': url, ...step.with };
    console.log(`\n━━━ ${step.title}`);
    console.log(`    uses: ./  with: ${Object.entries(step.with).map(([k, v]) => `${k}: ${v}`).join(', ')}, environment: staging, database-url: \${{ secrets.STAGING_DATABASE_URL }}`);
    // No real workflow run to link to: leave the run URL out of the summary.
    const env = { GITHUB_RUN_ID: undefined, GITHUB_REPOSITORY: undefined, GITHUB_SERVER_URL: undefined };
    const r = await runAction(inputs, { cwd: process.cwd(), bundle: ACTION_BUNDLE, env });
    // The runner consumes workflow commands (::add-mask:: holds the secret itself); show the rest.
    const log = r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .map((l) => l.replace(/^::(end)?group::/, (_m, end) => (end ? '' : '▸ ')))
      .join('\n');
    console.log(`\n--- log (exit code ${r.code})\n${log.trimEnd()}`);
    if (r.stderr.trim()) console.log(`--- stderr\n${r.stderr.trimEnd()}`);
    const { report, ...short } = r.outputs;
    console.log(`--- outputs\n${Object.entries(short).map(([k, v]) => `${k}=${v}`).join('\n')}\nreport=${report.length} bytes of JSON`);
    console.log(`--- job summary (GITHUB_STEP_SUMMARY)\n${r.summary}`);
    if (r.code !== 0) failed = true;
  }
} finally {
  await pg.stop();
}
console.log(failed ? '\nSomething failed: see above.' : `Done: the embedded server is stopped and removed. The HTML report: ${join(tmpdir(), 'db-migrate-report.html')}`);
process.exitCode = failed ? 1 : 0;
