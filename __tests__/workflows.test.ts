import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { workflowFiles } from '../scripts/actionlint.mjs';
import { runProcess, ROOT } from './helpers/cli.js';
import { expressionsInRun, isOurAction, strings, unknownActionNames, type Workflow } from './helpers/workflow.js';

/**
 * The workflows teams copy (.github/workflows): valid YAML, clean under actionlint, no expression
 * interpolated into a shell script, and every input and output of our action they use exists in
 * action.yml. Then what docs/DATABASE_MIGRATIONS.md promises about each of them.
 */

const FILES = workflowFiles();
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');
const load = (f: string) => parse(read(f)) as Workflow;

describe('every workflow file', () => {
  it('exists: ci, db-migrate, db-migrate-fleet, db-migrate-report', () => {
    expect(FILES).toEqual(expect.arrayContaining(['.github/workflows/ci.yml', '.github/workflows/db-migrate.yml', '.github/workflows/db-migrate-fleet.yml', '.github/workflows/db-migrate-report.yml']));
  });

  it.each(FILES)('%s parses as YAML with no duplicate keys and has on/jobs', (f) => {
    const doc = parseDocument(read(f), { uniqueKeys: true });
    expect(doc.errors.map((e) => e.message)).toEqual([]);
    expect(doc.warnings.map((e) => e.message)).toEqual([]);
    const wf = doc.toJS() as Workflow;
    expect(Object.keys(wf.on ?? {}).length).toBeGreaterThan(0);
    expect(Object.keys(wf.jobs ?? {}).length).toBeGreaterThan(0);
  });

  it('passes actionlint (1.7.7, WebAssembly)', async () => {
    const r = await runProcess(process.execPath, ['scripts/actionlint.mjs', '--json', ...FILES], { cwd: ROOT });
    const findings = JSON.parse(r.stdout) as { file: string; line: number; message: string }[];
    expect(findings.map((f) => `${f.file}:${f.line}: ${f.message}`)).toEqual([]);
    expect(r.code).toBe(0);
  }, 60_000);

  it.each(FILES)('%s interpolates no ${{ }} expression into a run: script (values go through env:)', (f) => {
    expect(expressionsInRun(load(f))).toEqual([]);
  });

  it.each(FILES)('%s uses only inputs and outputs that action.yml declares', (f) => {
    expect(unknownActionNames(load(f))).toEqual([]);
  });
});

describe('the checks themselves', () => {
  const wf = parse(`
on: push
jobs:
  a:
    steps:
      - id: m
        uses: ./
        with: { command: up, no-such-input: x }
      - run: echo "\${{ steps.m.outputs.status }}"
        env: { X: "\${{ steps.m.outputs['no-such-output'] }}", Y: "\${{ steps.m.outputs.applied }}" }
`) as Workflow;
  it('find an expression in run:, an unknown input and an unknown output', () => {
    expect(expressionsInRun(wf)).toHaveLength(1);
    expect(unknownActionNames(wf)).toEqual(["jobs.a: input 'no-such-input'", "jobs.a: output 'no-such-output' of step 'm'"]);
  });

  it('catch what actionlint reports', async () => {
    const r = await runProcess(process.execPath, ['scripts/actionlint.mjs', '--json', '__tests__/fixtures/workflows/bad.yml'], { cwd: ROOT });
    expect(r.code).toBe(1);
    const kinds = (JSON.parse(r.stdout) as { kind: string }[]).map((f) => f.kind).sort();
    expect(kinds).toEqual(['action', 'expression', 'runner-label']);
  }, 60_000);
});

describe('.github/workflows/db-migrate.yml', () => {
  const wf = load('.github/workflows/db-migrate.yml');
  const dispatch = (wf.on.workflow_dispatch as { inputs: Record<string, { type: string; options?: string[] }> }).inputs;
  const jobs = wf.jobs;

  it('runs by hand with an environment, a command, steps and dry-run', () => {
    expect(dispatch.environment).toMatchObject({ type: 'choice', options: ['dev', 'staging', 'production'] });
    expect(dispatch.command).toMatchObject({ type: 'choice', options: ['up', 'status', 'rollback'] });
    expect(dispatch.steps).toMatchObject({ type: 'string' });
    expect(dispatch['dry-run']).toMatchObject({ type: 'boolean', default: false });
  });

  it('migrates staging on pushes to develop that touch db/migrations, and previews pull requests that do', () => {
    expect(wf.on.push).toEqual({ branches: ['develop'], paths: ['db/migrations/**'] });
    expect(wf.on.pull_request).toEqual({ paths: ['db/migrations/**'] });
    expect(jobs.migrate.environment).toBe("${{ github.event_name == 'push' && 'staging' || inputs.environment }}");
    const step = jobs.preview.steps!.find(isOurAction)!;
    expect(step.with).toMatchObject({ 'dry-run': 'true', command: 'up', environment: 'staging' });
    expect(jobs.preview.if).toContain("github.event_name == 'pull_request'");
    expect(jobs.preview.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  });

  it("gives the pull request's own code only the read-only URL, from an environment of its own, and says so when it is missing", () => {
    const preview = jobs.preview;
    expect(preview.environment).toBe('staging-preview');
    expect(preview.env).toEqual({ READONLY_DATABASE_URL: '${{ secrets.STAGING_READONLY_DATABASE_URL }}' });
    // No other secret anywhere in the job: not in a step, not as a fallback.
    const secrets = JSON.stringify(preview).match(/secrets\.[A-Z_]+/g);
    expect(secrets).toEqual(['secrets.STAGING_READONLY_DATABASE_URL']);
    const ours = preview.steps!.find(isOurAction)!;
    expect(ours.with!['database-url']).toBe('${{ env.READONLY_DATABASE_URL }}');
    // Every step that runs code of the pull request (checkout, the action) waits for the URL.
    const [notice, ...rest] = preview.steps!;
    expect(notice.if).toBe("env.READONLY_DATABASE_URL == ''");
    expect(notice.run).toMatch(/^echo "::notice title=db-migrate preview skipped::STAGING_READONLY_DATABASE_URL is not set/);
    for (const step of rest) expect(step.if).toBe("env.READONLY_DATABASE_URL != ''");
  });

  it('reaches production only through one job with `environment: production`', () => {
    const prod = Object.entries(jobs).filter(([, j]) => strings(j.environment).some((e) => e.includes('production')) || strings(j.steps).some((s) => s.includes('PRODUCTION_DATABASE_URL')));
    expect(prod.map(([name]) => name)).toEqual(['migrate-production']);
    expect(jobs['migrate-production'].environment).toBe('production');
    expect(jobs['migrate-production'].if).toContain("inputs.environment == 'production'");
    expect(jobs.migrate.if).toContain("inputs.environment != 'production'");
  });

  it('serialises runs per database without cancelling one, with least-privilege permissions', () => {
    expect(wf.permissions).toEqual({ contents: 'read' });
    for (const name of ['migrate', 'migrate-production']) {
      expect(jobs[name].concurrency).toMatchObject({ 'cancel-in-progress': false });
      expect(jobs[name].concurrency!.group).toMatch(/^db-migrate-/);
      expect(jobs[name].permissions).toEqual({ contents: 'read', issues: 'write' });
    }
    expect(jobs['migrate-production'].concurrency!.group).toBe('db-migrate-production');
  });

  it('reads the URLs from the environment secrets DEV_/STAGING_/PRODUCTION_DATABASE_URL', () => {
    const text = read('.github/workflows/db-migrate.yml');
    for (const s of ['DEV_DATABASE_URL', 'STAGING_DATABASE_URL', 'PRODUCTION_DATABASE_URL']) expect(text).toContain(`\${{ secrets.${s} }}`);
  });

  it('uploads the production backup from the backup-path output, even after a failure, for a few days', () => {
    const steps = jobs['migrate-production'].steps!;
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.if).toBe("always() && steps.migrate.outputs.backup-path != ''");
    expect(upload.with!.path).toBe('${{ steps.migrate.outputs.backup-path }}');
    expect(Number(upload.with!['retention-days'])).toBeLessThanOrEqual(7);
    expect(steps.findIndex((s) => s.id === 'migrate')).toBeLessThan(steps.indexOf(upload));
  });
});

describe('.github/workflows/db-migrate-fleet.yml', () => {
  const wf = load('.github/workflows/db-migrate-fleet.yml');

  it('runs one job per database, a few at a time, none cancelled by another failure, and sums them up', () => {
    const m = wf.jobs.migrate;
    expect(m.strategy).toMatchObject({ 'fail-fast': false, 'max-parallel': expect.any(Number) });
    const targets = (m.strategy!.matrix as { target: { name: string; environment: string; secret: string }[] }).target;
    expect(targets.length).toBeGreaterThan(1);
    expect(new Set(targets.map((t) => t.name)).size).toBe(targets.length);
    expect(m.steps!.find(isOurAction)!.with!['database-url']).toBe('${{ secrets[matrix.target.secret] }}');
    expect(wf.jobs.summary).toMatchObject({ needs: 'migrate', if: 'always()' });
    expect(strings(wf.jobs.summary.steps)).toContain('fleet-result-*');
  });
});

describe('.github/workflows/ci.yml', () => {
  const wf = load('.github/workflows/ci.yml');

  it('type-checks, checks dist/, lints workflows and runs the suite on embedded servers', () => {
    expect(Object.keys(wf.jobs).sort()).toEqual(['actionlint', 'check-dist', 'test', 'test-postgres', 'typecheck']);
    expect(strings(wf.jobs.typecheck.steps)).toContain('npm run typecheck');
    expect(strings(wf.jobs.actionlint.steps)).toContain('npm run lint:workflows');
    expect(strings(wf.jobs['check-dist'].steps)).toContain('npm run build');
    expect(strings(wf.jobs.test.steps)).toContain('npm test -- --testPathIgnorePatterns check-dist');
    expect(wf.jobs.test.env?.TEST_DATABASE_URL).toBeUndefined();
  });

  it('runs the suite on PostgreSQL 15 to 18 service containers through TEST_DATABASE_URL', () => {
    const t = wf.jobs['test-postgres'];
    expect(t.strategy).toMatchObject({ 'fail-fast': false, matrix: { postgres: [15, 16, 17, 18] } });
    expect(t.services).toMatchObject({ postgres: { image: 'postgres:${{ matrix.postgres }}' } });
    expect(String(t.env!.TEST_DATABASE_URL)).toMatch(/^postgres:\/\/postgres:postgres@localhost:5432\//);
    const run = strings(t.steps).find((s) => s.startsWith('npm test'))!;
    // The files this change adds run on every server.
    for (const f of ['example-db', 'docs', 'workflows']) expect(run).not.toContain(f);
  });
});

describe('.github/workflows/db-migrate-report.yml', () => {
  const wf = load('.github/workflows/db-migrate-report.yml');
  const job = wf.jobs.report;

  it('reports every database weekly and on demand, read-only, with no environment approval to wait for', () => {
    expect(Object.keys(wf.on)).toEqual(['schedule', 'workflow_dispatch']);
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(job.environment).toBeUndefined();
    const include = (job.strategy as { matrix: { include: { environment: string; secret: string }[] } }).matrix.include;
    expect(include.map((m) => m.environment)).toEqual(['development', 'staging', 'production']);
    for (const m of include) expect(m.secret).toMatch(/^[A-Z]+_REPORT_DATABASE_URL$/);
  });

  it('runs command: report with the HTML file and uploads that file', () => {
    const steps = job.steps!;
    const ours = steps.find(isOurAction)!;
    expect(ours.with).toMatchObject({ command: 'report', 'report-html': 'migration-report-${{ matrix.environment }}.html' });
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with!.path).toBe(ours.with!['report-html']);
    expect(steps.indexOf(ours)).toBeLessThan(steps.indexOf(upload));
  });
});
