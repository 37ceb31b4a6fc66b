import { describe, it, expect } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { usePostgres, query } from './helpers/pg.js';
import { project, migration } from './helpers/cli.js';
import { actionSettings, recordingLog } from './helpers/action.js';
import { runPipeline } from '../src/action/pipeline.js';
import { migratorConfig } from '../src/action/real-ports.js';
import { renderSummary } from '../src/action/summary.js';
import { actionOutputs } from '../src/action/outputs.js';
import type { ActionSettings } from '../src/action/settings.js';
import { Migrator } from '../src/engine/migrator.js';
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
