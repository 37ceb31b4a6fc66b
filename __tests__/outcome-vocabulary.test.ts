/**
 * One vocabulary for outcomes (issue 16): every outcome word in the outputs, the history table,
 * the report (JSON and the `report` output), the HTML page and the job summary comes from the
 * one list of `src/engine/vocabulary.ts`, and every run reads back from the history with the
 * outcome its `status` output gave. Runs of every status on a real PostgreSQL, through the action
 * pipeline with the real engine.
 */
import { describe, it, expect } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { usePostgres, query, waitFor } from './helpers/pg.js';
import { project, migration, runCli } from './helpers/cli.js';
import { actionSettings, recordingLog } from './helpers/action.js';
import { runPipeline } from '../src/action/pipeline.js';
import { migratorConfig } from '../src/action/real-ports.js';
import { actionOutputs } from '../src/action/outputs.js';
import { renderSummary } from '../src/action/summary.js';
import type { ActionRun } from '../src/action/run-result.js';
import type { ActionSettings } from '../src/action/settings.js';
import { Migrator } from '../src/engine/migrator.js';
import { OUTCOME_ICONS } from '../src/metrics/markdown.js';
import {
  ROW_STATUSES,
  RUN_KINDS,
  RUN_OUTCOMES,
  RUN_OUTCOME_LABELS,
  RUN_STATUSES,
  STEP_OUTCOMES,
  runOutcomeLabel,
} from '../src/engine/vocabulary.js';

const server = usePostgres();

/** Every label a run outcome can have, for people: each outcome, of each kind. */
const LABELS: readonly string[] = RUN_OUTCOMES.flatMap((outcome) => RUN_KINDS.map((kind) => runOutcomeLabel({ outcome, kind })));

/** The values not in `list`: what a check of "from the one list" reports. */
function strays(values: readonly unknown[], list: readonly unknown[]): unknown[] {
  return [...new Set(values.filter((v) => !list.includes(v)))];
}

/** Every outcome word one run puts in its outputs (`status`, and the `report` output's fields). */
function outputWords(run: ActionRun): { statuses: string[]; rows: string[]; runOutcomes: string[]; kinds: string[] } {
  const outputs = actionOutputs(run);
  const report = JSON.parse(outputs.report) as ActionRun;
  const runs = [...(report.recentRuns ?? []), ...(report.metrics?.runs ?? []), ...(report.metrics?.environments ?? []).flatMap((e) => (e.lastRun ? [e.lastRun] : []))];
  return {
    statuses: [outputs.status, report.status],
    rows: report.rows.map((r) => r.status),
    runOutcomes: runs.map((r) => r.outcome),
    kinds: runs.map((r) => r.kind),
  };
}

/** The Outcome cells of the summary's "last runs" table (the column headed `Outcome`). */
function summaryOutcomeCells(summary: string): string[] {
  const start = summary.search(/^### (Last|Recent) /m);
  if (start < 0) return [];
  const lines = summary.slice(start).split('\n').filter((l) => l.startsWith('|'));
  const cells = (l: string) => l.split('|').slice(1, -1).map((c) => c.trim());
  if (lines.length < 2) return [];
  const column = cells(lines[0]).indexOf('Outcome');
  return lines.slice(2).map((l) => cells(l)[column]);
}

describe('outcome words', () => {
  it('the check finds words outside the list (the check itself works)', () => {
    expect(strays(['rolled-back', 'rolled_back', 'rollback', 'success'], RUN_STATUSES)).toEqual(['rolled_back', 'rollback']);
    expect(strays(['rolled_back'], STEP_OUTCOMES)).toEqual(['rolled_back']);
    expect(summaryOutcomeCells('### Last 2 runs in x\n\n| Started | Outcome | Duration |\n|---|---|---|\n| a | ✅ success | 1 ms |\n| b | ❌ failed | 2 ms |\n')).toEqual(['✅ success', '❌ failed']);
  });

  it('of outputs, history rows, report JSON, HTML and summary come from the one list, and each run reads back as its status output said', async () => {
    const url = await server().createDatabase();
    const proj = await project({ 'db/migrations/1_a.sql': migration('create table a (id int);', 'drop table a;') });
    try {
      const base = actionSettings(url, proj.dir, { lintFailOn: 'none', run: { actor: 'octocat', runUrl: 'https://github.com/o/r/actions/runs/1' } });
      const runs: { what: string; run: ActionRun; wroteRows: boolean }[] = [];
      const historyRows = async () => Number((await query<{ n: string }>(url, 'select count(*) as n from schema_migrations_history').catch(() => [{ n: '0' }]))[0].n);
      const pipeline = async (what: string, over: Partial<ActionSettings> = {}, signal?: AbortSignal) => {
        const s = { ...base, ...over };
        const log = recordingLog();
        const before = await historyRows();
        const run = await runPipeline(s, { migrator: new Migrator(migratorConfig(s, log, signal)), log, ...(signal ? { signal } : {}) });
        runs.push({ what, run, wroteRows: (await historyRows()) > before });
        return run;
      };
      const ok = (t: string) => migration(`create table ${t} (id int);`, `drop table ${t};`);

      expect((await pipeline('up')).status).toBe('success');
      expect((await pipeline('up, again')).status).toBe('nothing-to-do');
      await proj.write({ 'db/migrations/2_b.sql': ok('b'), 'db/migrations/3_c.sql': migration('select * from nope;', 'select 1;') });
      expect((await pipeline('dry run', { dryRun: true })).status).toBe('dry-run');
      expect((await pipeline('2 applied, 3 failed, 2 rolled back')).status).toBe('rolled-back');
      expect((await pipeline('2 applied', { steps: 1 })).status).toBe('success');
      expect((await pipeline('3 failed first: nothing to undo')).status).toBe('failed');
      await proj.write({ 'db/migrations/3_c.sql': ok('c') });
      expect((await pipeline('health check failed, rolled back', { healthCheckSql: 'select false' })).status).toBe('rolled-back');
      expect((await pipeline('health check failed, left applied', { healthCheckSql: 'select false', rollbackOnFailure: false })).status).toBe('failed');
      expect((await pipeline('rollback dry run', { command: 'rollback', dryRun: true })).status).toBe('dry-run');
      expect((await pipeline('rollback of 3', { command: 'rollback', steps: 1 })).status).toBe('success');
      await proj.write({ 'db/migrations/2_b.sql': migration('create table b (id int);', 'select * from nope;') });
      expect((await pipeline('rollback of 2, its down fails', { command: 'rollback', steps: 1 })).status).toBe('failed');
      // Cancelled while a migration runs: the job's SIGINT, sent once the migration is in pg_sleep.
      await proj.write({ 'db/migrations/4_d.sql': migration('select pg_sleep(30);', 'select 1;') });
      const cancel = new AbortController();
      const cancelled = pipeline('cancelled during 4', {}, cancel.signal);
      await waitFor(
        async () => (await query(url, `select 1 from pg_stat_activity where datname = current_database() and state = 'active' and query like '%pg_sleep(30)%' and pid <> pg_backend_pid()`)).length > 0,
        20_000,
        'migration 4 to run',
      );
      cancel.abort('SIGINT');
      expect((await cancelled).status).toBe('cancelled');
      expect((await pipeline('report', { command: 'report' })).status).toBe('success');

      // Every status of the output contract was produced.
      expect(new Set(runs.map((r) => r.run.status))).toEqual(new Set(RUN_STATUSES));

      // Outputs: `status` and the `report` output's outcome fields.
      const words = runs.map((r) => outputWords(r.run));
      const all = <K extends keyof ReturnType<typeof outputWords>>(k: K) => words.flatMap((w) => w[k]);
      expect(all('statuses').length).toBeGreaterThan(0);
      expect(all('rows').length).toBeGreaterThan(0);
      expect(all('runOutcomes').length).toBeGreaterThan(0);
      expect(strays(all('statuses'), RUN_STATUSES)).toEqual([]);
      expect(strays(all('rows'), ROW_STATUSES)).toEqual([]);
      expect(strays(all('runOutcomes'), RUN_OUTCOMES)).toEqual([]);
      expect(strays(all('kinds'), RUN_KINDS)).toEqual([]);

      // History rows, as stored: the current words only, and the run's own status on its rows.
      const rows = await query<{ outcome: string; run_status: string | null }>(url, 'select outcome, run_status from schema_migrations_history order by id');
      expect(strays(rows.map((r) => r.outcome), STEP_OUTCOMES)).toEqual([]);
      expect(strays(rows.map((r) => r.run_status).filter((v) => v !== null), RUN_OUTCOMES)).toEqual([]);
      expect(new Set(rows.map((r) => r.outcome))).toEqual(new Set(['applied', 'failed', 'rolled-back', 'cancelled']));

      // The report (JSON) reads every run back with the outcome its status output said, oldest first.
      const cli = await runCli(['--url', url, 'report', '--since', 'all', '--json', '--html', 'report.html'], { cwd: proj.dir });
      expect(cli.code).toBe(0);
      const report = JSON.parse(cli.stdout) as { runs: { outcome: string; kind: string }[]; environments: { lastRun: { outcome: string } | null }[] };
      const recorded = runs.filter((r) => r.wroteRows);
      expect(report.runs.map((r) => `${r.kind}:${r.outcome}`)).toEqual(recorded.map((r) => `${r.run.command}:${r.run.status}`));
      expect(recorded.map((r) => r.what)).toEqual([
        'up',
        '2 applied, 3 failed, 2 rolled back',
        '2 applied',
        '3 failed first: nothing to undo',
        'health check failed, rolled back',
        'health check failed, left applied',
        'rollback of 3',
        'rollback of 2, its down fails',
        'cancelled during 4',
      ]);
      expect(strays(report.environments.map((e) => e.lastRun?.outcome), RUN_OUTCOMES)).toEqual([]);
      const history = JSON.parse((await runCli(['--url', url, 'history', '--json', '--limit', '1000'], { cwd: proj.dir })).stdout) as { outcome: string }[];
      expect(history).toHaveLength(rows.length);
      expect(strays(history.map((r) => r.outcome), STEP_OUTCOMES)).toEqual([]);

      // The HTML page: outcome attributes, badges, the legend and the tooltips.
      const html = await readFile(join(proj.dir, 'report.html'), 'utf8');
      const attrs = [...html.matchAll(/data-outcome="([^"]*)"/g)].map((m) => m[1]);
      const kinds = [...html.matchAll(/data-kind="([^"]*)"/g)].map((m) => m[1]);
      const badges = [...html.matchAll(/<span class="badge"[^>]*>.*?<\/svg>(.*?)<\/span>/g)].map((m) => m[1]);
      const legend = [...html.matchAll(/<li data-outcome="[^"]*">.*?<\/svg>(.*?)<\/li>/g)].map((m) => m[1]);
      const tooltips = [...html.matchAll(/<g class="pt"[^>]*><title>[^\n]*\n(.*?) in [^\n<]*\n/g)].map((m) => m[1]);
      for (const found of [attrs, kinds, badges, legend, tooltips]) expect(found.length).toBeGreaterThan(0);
      expect(strays(attrs, RUN_OUTCOMES)).toEqual([]);
      expect(strays(kinds, RUN_KINDS)).toEqual([]);
      expect(strays(badges, LABELS)).toEqual([]);
      expect(strays(legend, Object.values(RUN_OUTCOME_LABELS))).toEqual([]);
      expect(strays(tooltips, LABELS)).toEqual([]);
      expect(badges).toContain('success (rollback)');
      expect(badges).toContain('failed (rollback)');

      // The job summaries' last-runs tables.
      const cells = runs.flatMap((r) => summaryOutcomeCells(renderSummary(r.run)));
      expect(cells.length).toBeGreaterThan(0);
      const marked = RUN_OUTCOMES.flatMap((outcome) => RUN_KINDS.map((kind) => `${OUTCOME_ICONS[outcome]} ${runOutcomeLabel({ outcome, kind })}`));
      expect(strays(cells, marked)).toEqual([]);
      // A later summary shows each earlier run as that run's own status said (newest first).
      const leftApplied = runs.find((r) => r.what === 'health check failed, left applied')!;
      expect(summaryOutcomeCells(renderSummary(leftApplied.run))).toEqual(['❌ failed', '↩️ rolled back', '❌ failed', '✅ success', '↩️ rolled back', '✅ success']);
    } finally {
      await proj.cleanup();
    }
  }, 120_000);
});
