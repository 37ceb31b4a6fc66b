import { describe, it, expect } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { usePostgres, query } from './helpers/pg.js';
import { project, migration } from './helpers/cli.js';
import { actionSettings, fakeIssues, recordingLog } from './helpers/action.js';
import { runPipeline, type PipelineDeps } from '../src/action/pipeline.js';
import { migratorConfig } from '../src/action/real-ports.js';
import { renderSummary } from '../src/action/summary.js';
import { actionOutputs } from '../src/action/outputs.js';
import type { MigratorPort, PipelineLog } from '../src/action/ports.js';
import type { ActionSettings } from '../src/action/settings.js';
import { Migrator } from '../src/engine/migrator.js';
import { renderHtml } from '../src/metrics/html.js';
import { duration } from '../src/text/units.js';
import { runAction } from '../scripts/action-runner.mjs';

const server = usePostgres();

async function pipeline(s: ActionSettings) {
  const log = recordingLog();
  const result = await runPipeline(s, { migrator: new Migrator(migratorConfig(s, log)), log });
  return { result, log, summary: renderSummary(result) };
}

describe('history in the action', () => {
  it('every up summary ends with the recent runs of its environment, this run included', async () => {
    const url = await server().createDatabase();
    const proj = await project({ 'db/migrations/1_a.sql': migration('create table a (id int);', 'drop table a;') });
    try {
      const s = actionSettings(url, proj.dir, { run: { actor: 'octocat', sha: 'abcdef1234567', runUrl: 'https://github.com/o/r/actions/runs/7' } });
      const first = await pipeline(s);
      expect(first.result.status).toBe('success');
      expect(first.summary.trimEnd().split('\n').slice(-3)).toEqual([
        '| Started | Outcome | Duration | Changes | Actor | Commit | Run |',
        '|---|---|---|---|---|---|---|',
        expect.stringMatching(/^\| \d{4}-\d\d-\d\d \d\d:\d\d UTC \| ✅ success \| [\d.]+ m?s \| applied 1 \| octocat \| abcdef1 \| \[run\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/7\) \|$/),
      ]);
      expect(first.summary).toContain('### Last run in staging\n');

      await proj.write({ 'db/migrations/2_b.sql': migration('select * from nope;', 'select 1;') });
      const second = await pipeline(s);
      expect(second.result.status).toBe('failed');
      const tail = second.summary.slice(second.summary.indexOf('### Last 2 runs in staging'));
      const rows = tail.trimEnd().split('\n').slice(4);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toContain('| ❌ failed |');
      expect(rows[0]).toContain('| failed at 2 (42P01) | octocat |');
      expect(rows[1]).toContain('| ✅ success |');
      // This run's error is the summary's Error section; the history does not list it again.
      expect(second.summary.split('relation "nope" does not exist')).toHaveLength(2);
      // The section is the summary's last.
      expect(second.summary.indexOf('### Last 2 runs in staging')).toBeGreaterThan(second.summary.indexOf('### ❌ Error'));

      // Another environment's runs are not shown.
      const other = await pipeline({ ...s, environment: 'production', command: 'up', dryRun: true });
      expect(other.summary.trimEnd().endsWith('### Recent runs in production\n\nNo runs recorded yet.')).toBe(true);
    } finally {
      await proj.cleanup();
    }
  });

  it('command: report writes the markdown report to the summary, the HTML file, and the report output', async () => {
    const url = await server().createDatabase();
    const proj = await project({ 'db/migrations/1_a.sql': migration('create table a (id int);', 'drop table a;') });
    try {
      const s = actionSettings(url, proj.dir);
      await pipeline(s);
      await pipeline({ ...s, command: 'rollback', steps: 1 });
      const html = join(proj.dir, 'reports/db.html');
      const { result, summary } = await pipeline({ ...s, command: 'report', reportSince: '7d', reportHtml: html });
      expect(result.status).toBe('success');
      expect(summary).toMatch(/^## 📊 Migration report of staging's database\n/);
      expect(summary).toContain('## Database migration report');
      expect(summary).toMatch(/\| staging \| 2 \| 100\.0% \(2\/2\) \|/);
      expect(summary).toContain('1 migration file(s): 1 (100.0%) have a down section, 0 (0.0%) proven by `verify`, 1 (100.0%) rolled back for real.');
      expect(summary).toContain('HTML report written to `reports/db.html`');
      expect(summary).not.toContain('Current version');
      expect(await readFile(html, 'utf8')).toMatch(/^<!DOCTYPE html>/i);
      const output = JSON.parse(actionOutputs(result).report);
      expect(output.metrics.environments[0]).toMatchObject({ environment: 'staging', runs: 2, succeeded: 2 });
    } finally {
      await proj.cleanup();
    }
  });

  it('the report output lists the newest 100 runs; the figures count them all', async () => {
    const url = await server().createDatabase();
    const proj = await project({ 'db/migrations/1_a.sql': migration('create table a (id int);', 'drop table a;') });
    try {
      const s = actionSettings(url, proj.dir);
      await pipeline(s); // creates the tables (and is the newest run but one)
      await query(
        url,
        `insert into schema_migrations_history (version, direction, outcome, started_at, finished_at, duration_ms, environment, invocation_id)
         select '1', 'up', 'applied', now() - make_interval(mins => i), now() - make_interval(mins => i), 5, 'staging', 'seed-' || i
           from generate_series(1, 149) i`,
      );
      const { result } = await pipeline({ ...s, command: 'report' });
      const output = JSON.parse(actionOutputs(result).report);
      expect(output.metrics.environments[0].runs).toBe(150);
      expect(output.metrics.runs).toHaveLength(100);
      expect(output.metrics.runs.at(-1).key).toBe(result.metrics!.runs.at(-1)!.key);
      expect(output.metrics.runs[0].key).toBe('seed-99');
    } finally {
      await proj.cleanup();
    }
  });

  it('the bundled action runs command: report as a runner does', async () => {
    const url = await server().createDatabase();
    const proj = await project({ 'db/migrations/1_a.sql': migration('create table a (id int);', 'drop table a;') });
    try {
      const up = await runAction({ 'database-url': url, environment: 'staging', backup: 'never', 'create-issue-on-failure': 'false' }, { cwd: proj.dir });
      expect(up.code).toBe(0);
      expect(up.summary).toContain('### Last run in staging');
      const r = await runAction({ 'database-url': url, environment: 'staging', command: 'report', 'report-html': 'out/report.html' }, { cwd: proj.dir });
      expect(r.code).toBe(0);
      expect(r.outputs.status).toBe('success');
      expect(r.summary).toMatch(/\| staging \| 1 \| 100\.0% \(1\/1\) \|/);
      expect(await readFile(join(proj.dir, 'out/report.html'), 'utf8')).toContain('staging');
    } finally {
      await proj.cleanup();
    }
  });
});

/** A log that keeps debug lines too: the outcome's write reports its trouble there only. */
function debugLog(): PipelineLog & { lines: string[] } {
  const log = recordingLog();
  return { ...log, debug: (m) => void log.lines.push(`debug ${m}`) };
}

/** The real engine behind the port, with `over` replacing some of its methods. */
function realMigrator(s: ActionSettings, log: PipelineLog, over: Partial<MigratorPort> = {}): MigratorPort {
  const m = new Migrator(migratorConfig(s, log));
  return {
    up: (...a) => m.up(...a),
    rollback: (...a) => m.rollback(...a),
    status: (...a) => m.status(...a),
    plan: (...a) => m.plan(...a),
    planRollback: (...a) => m.planRollback(...a),
    rollbackVersions: (...a) => m.rollbackVersions(...a),
    holdLock: (...a) => m.holdLock(...a),
    tableFacts: (...a) => m.tableFacts(...a),
    recordRunOutcome: (...a) => m.recordRunOutcome(...a),
    ...over,
  };
}

interface RunRow {
  version: string;
  direction: string;
  outcome: string;
  run_status: string | null;
  run_duration_ms: number | null;
}

/** The rows of the newest invocation, in order. */
async function newestRun(url: string): Promise<RunRow[]> {
  return query<RunRow>(
    url,
    `select version, direction, outcome, run_status, run_duration_ms from schema_migrations_history
      where invocation_id = (select invocation_id from schema_migrations_history order by id desc limit 1) order by id`,
  );
}

describe('one outcome and one duration per run: outputs, history, report, HTML and summary agree', () => {
  it('a failed migration whose automatic rollback undid the run reads back as rolled-back, with the duration of its duration-ms, measured before the failure issue', async () => {
    const url = await server().createDatabase();
    const proj = await project({
      'db/migrations/1_a.sql': migration('create table a (id int);', 'drop table a;'),
      'db/migrations/2_b.sql': migration('select * from nope;', 'select 1;'),
    });
    try {
      const s = actionSettings(url, proj.dir, {
        createIssueOnFailure: true,
        githubToken: 'ghs_x',
        run: { actor: 'octocat', sha: 'abcdef1234567', runId: '9', runUrl: 'https://github.com/o/r/actions/runs/9', repository: 'o/r' },
      });
      // The failure issue takes a minute on this clock: reporting, not the run, so not in its duration.
      let skew = 0;
      const issues = fakeIssues();
      const createIssueClient: PipelineDeps['createIssueClient'] = (o) => {
        const client = issues.factory(o);
        return { ...client, createIssue: async (i) => ((skew += 60_000), client.createIssue(i)) };
      };
      const log = recordingLog();
      const run = await runPipeline(s, { migrator: realMigrator(s, log), log, createIssueClient, now: () => Date.now() + skew });
      expect(run.status).toBe('rolled-back');
      expect(issues.calls.map((c) => c.method)).toContain('create');
      const outputs = actionOutputs(run);
      expect(outputs.status).toBe('rolled-back');
      const ms = Number(outputs['duration-ms']);
      expect(ms).toBe(run.durationMs);
      expect(ms).toBeLessThan(60_000);

      // Every row of the run carries the status and the duration its outputs gave.
      expect(await newestRun(url)).toEqual([
        { version: '1', direction: 'up', outcome: 'applied', run_status: 'rolled-back', run_duration_ms: ms },
        { version: '2', direction: 'up', outcome: 'failed', run_status: 'rolled-back', run_duration_ms: ms },
        { version: '1', direction: 'down', outcome: 'rolled-back', run_status: 'rolled-back', run_duration_ms: ms },
      ]);
      // The summary's last runs (read after the write) say the same as its header.
      expect(run.recentRuns?.[0]).toMatchObject({ outcome: 'rolled-back', kind: 'up', durationMs: ms, applied: ['1'], rolledBack: ['1'], failedVersion: '2' });
      const summary = renderSummary(run);
      const last = summary.slice(summary.indexOf('### Last run in staging'));
      expect(last).toContain(`↩️ rolled back | ${duration(ms)} |`);
      expect(summary.slice(0, summary.indexOf('### Last run in staging'))).toContain(duration(ms));

      // So do the report and its HTML page.
      const report = await pipeline({ ...s, command: 'report' });
      expect(report.result.metrics?.runs.map((r) => [r.outcome, r.durationMs])).toEqual([['rolled-back', ms]]);
      expect(report.result.metrics?.environments[0]).toMatchObject({ runs: 1, succeeded: 0, rollbacks: { automatic: 1, manual: 0 } });
      expect(report.summary).toContain(`rolled back, `);
      const html = renderHtml(report.result.metrics!);
      expect(html).toContain(`data-outcome="rolled-back" data-kind="up"`);
      expect(html).toContain(`<td class="num">${duration(ms)}</td>`);
    } finally {
      await proj.cleanup();
    }
  });

  it('a health check that fails with rollback-on-failure false reads back as failed, as the status output said (its rows alone look applied)', async () => {
    const url = await server().createDatabase();
    const proj = await project({ 'db/migrations/1_a.sql': migration('create table a (id int);', 'drop table a;') });
    try {
      const s = actionSettings(url, proj.dir, { healthCheckSql: 'select false', rollbackOnFailure: false });
      const { result } = await pipeline(s);
      expect(result.status).toBe('failed');
      expect(await newestRun(url)).toEqual([{ version: '1', direction: 'up', outcome: 'applied', run_status: 'failed', run_duration_ms: result.durationMs }]);
      expect(result.recentRuns?.map((r) => [r.outcome, r.durationMs])).toEqual([['failed', result.durationMs]]);
    } finally {
      await proj.cleanup();
    }
  });

  it('a successful manual rollback is success of kind rollback; a rollback whose down fails is failed', async () => {
    const url = await server().createDatabase();
    const proj = await project({
      'db/migrations/1_a.sql': migration('create table a (id int);', 'drop table a;'),
      'db/migrations/2_b.sql': migration('create table b (id int);', 'select * from nope;'),
    });
    try {
      const s = actionSettings(url, proj.dir, { lintFailOn: 'none' });
      expect((await pipeline(s)).result.status).toBe('success');
      const broken = await pipeline({ ...s, command: 'rollback', steps: 1 });
      expect(broken.result.status).toBe('failed');
      expect((await newestRun(url)).map((r) => `${r.version} ${r.direction} ${r.outcome} ${r.run_status}`)).toEqual(['2 down failed failed']);
      await proj.write({ 'db/migrations/2_b.sql': migration('create table b (id int);', 'drop table b;') });
      const fixed = await pipeline({ ...s, command: 'rollback', steps: 1 });
      expect(fixed.result.status).toBe('success');
      expect((await newestRun(url)).map((r) => `${r.version} ${r.direction} ${r.outcome} ${r.run_status}`)).toEqual(['2 down rolled-back success']);
      const report = (await pipeline({ ...s, command: 'report' })).result.metrics!;
      expect(report.runs.map((r) => `${r.kind}:${r.outcome}`)).toEqual(['up:success', 'rollback:failed', 'rollback:success']);
      // Success-rate semantics as before: the deliberate rollback that worked is a success.
      expect(report.environments[0]).toMatchObject({ runs: 3, succeeded: 2, rollbacks: { automatic: 0, manual: 2 } });
      expect(renderHtml(report)).toContain('success (rollback)</span>');
    } finally {
      await proj.cleanup();
    }
  });

  it('a failed write of the outcome changes nothing of the run (debug only); readers fall back to the rows; dry runs write nothing', async () => {
    const url = await server().createDatabase();
    const proj = await project({ 'db/migrations/1_a.sql': migration('create table a (id int);', 'drop table a;') });
    try {
      const s = actionSettings(url, proj.dir);
      const log = debugLog();
      const run = await runPipeline(s, {
        log,
        migrator: realMigrator(s, log, {
          recordRunOutcome: async () => {
            throw new Error('canceling statement due to lock timeout');
          },
        }),
      });
      expect(run.status).toBe('success');
      expect(run.error).toBeUndefined();
      expect(run.warnings).toEqual([]);
      expect(log.lines).toContain("debug could not record the run's outcome in the history table: canceling statement due to lock timeout");
      expect(await newestRun(url)).toEqual([{ version: '1', direction: 'up', outcome: 'applied', run_status: null, run_duration_ms: null }]);
      // Without a recorded duration, the run's rows' span.
      const [row] = await query<{ ms: number }>(url, 'select extract(epoch from finished_at - started_at) * 1000 as ms from schema_migrations_history');
      expect(run.recentRuns?.map((r) => r.outcome)).toEqual(['success']);
      // Dates carry whole milliseconds, the database microseconds.
      expect(Math.abs(run.recentRuns![0].durationMs - Number(row.ms))).toBeLessThan(1);

      // A dry run never asks the engine to write (and the engine wrote no row for it to update).
      let asked = 0;
      const count: Partial<MigratorPort> = { recordRunOutcome: async () => (asked++, 0) };
      await proj.write({ 'db/migrations/2_b.sql': migration('create table b (id int);', 'drop table b;') });
      for (const over of [{ dryRun: true }, { command: 'rollback' as const, dryRun: true }, { command: 'plan' as const }, { command: 'status' as const }]) {
        const dry = { ...s, ...over };
        const r = await runPipeline(dry, { log: recordingLog(), migrator: realMigrator(dry, log, count) });
        expect([over, r.status === 'failed' ? r.error?.message : 'ok']).toEqual([over, 'ok']);
      }
      expect(asked).toBe(0);
      expect(await query(url, 'select 1 from schema_migrations_history where run_status is not null')).toEqual([]);
    } finally {
      await proj.cleanup();
    }
  });
});
