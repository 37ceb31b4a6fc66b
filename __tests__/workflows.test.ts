import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { workflowFiles } from '../scripts/actionlint.mjs';
import { runProcess, ROOT } from './helpers/cli.js';
import { expressionsInRun, isOurAction, strings, unknownActionNames, type Job, type Workflow } from './helpers/workflow.js';

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

  it('runs by hand with an environment, a command, steps, baseline-version and dry-run', () => {
    expect(dispatch.environment).toMatchObject({ type: 'choice', options: ['dev', 'staging', 'production'] });
    expect(dispatch.command).toMatchObject({ type: 'choice', options: ['up', 'status', 'rollback', 'baseline'] });
    expect(dispatch.steps).toMatchObject({ type: 'string' });
    expect(dispatch['baseline-version']).toMatchObject({ type: 'string', default: '' });
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
  const setupNode = (job: Job) => (job.steps ?? []).filter((s) => s.uses?.startsWith('actions/setup-node@'));

  it('type-checks, checks dist/, lints workflows, runs the suite on embedded servers and runs the action', () => {
    expect(Object.keys(wf.jobs).sort()).toEqual(['action', 'actionlint', 'check-dist', 'test', 'test-postgres', 'typecheck']);
    expect(strings(wf.jobs.typecheck.steps)).toContain('npm run typecheck');
    expect(strings(wf.jobs.actionlint.steps)).toContain('npm run lint:workflows');
    expect(strings(wf.jobs['check-dist'].steps)).toContain('npm run build');
    expect(strings(wf.jobs.test.steps)).toContain('npm test -- --testPathIgnorePatterns check-dist');
    expect(wf.jobs.test.env?.TEST_DATABASE_URL).toBeUndefined();
  });

  it("runs the suite on every Node LTS from the oldest package.json supports to the action's runtime (action.yml runs.using)", () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const oldest = Number(/^>=\s*(\d+)$/.exec(engines)![1]);
    const runtime = Number(/^node(\d+)$/.exec((parse(read('action.yml')) as { runs: { using: string } }).runs.using)![1]);
    const supported: number[] = [];
    for (let v = oldest; v <= runtime; v += 2) supported.push(v);
    expect(supported).toEqual([20, 22, 24]);
    const t = wf.jobs.test;
    expect(t.strategy).toMatchObject({ 'fail-fast': false, matrix: { node: supported } });
    expect(setupNode(t).map((s) => s.with?.['node-version'])).toEqual(['${{ matrix.node }}']);
    // The other jobs set up one supported Node each (the dist/ build and the linters do not depend on it).
    for (const [name, job] of Object.entries(wf.jobs)) {
      if (name === 'test') continue;
      for (const s of setupNode(job)) expect([name, supported.includes(s.with?.['node-version'] as number)]).toEqual([name, true]);
    }
  });

  it('runs the suite on PostgreSQL 15 to 18 service containers through TEST_DATABASE_URL', () => {
    const t = wf.jobs['test-postgres'];
    expect(t.strategy).toMatchObject({ 'fail-fast': false, matrix: { postgres: [15, 16, 17, 18] } });
    expect(t.services).toMatchObject({ postgres: { image: 'postgres:${{ matrix.postgres }}' } });
    expect(String(t.env!.TEST_DATABASE_URL)).toMatch(/^postgres:\/\/postgres:postgres@localhost:5432\//);
    const run = strings(t.steps).find((s) => s.startsWith('npm test'))!;
    // The files this change adds run on every server.
    for (const f of ['example-db', 'docs', 'workflows', 'action-node24']) expect(run).not.toContain(f);
  });


  describe('job action', () => {
    const job = wf.jobs.action;
    const steps = job.steps!;
    const ours = steps.filter(isOurAction);

    it('runs `uses: ./` (the committed dist/ on the runner\'s node24, no setup-node) after the checkout, with read-only permissions', () => {
      expect(ours.length).toBeGreaterThan(0);
      for (const s of ours) expect(s.uses).toBe('./');
      expect(steps[0].uses).toMatch(/^actions\/checkout@[0-9a-f]{40}$/);
      expect(setupNode(job)).toEqual([]);
      expect(job.permissions).toEqual({ contents: 'read' });
      // No issue to open with that token: a red CI run is not an incident.
      expect(ours.filter((s) => ['up', 'rollback'].includes(String(s.with?.command))).map((s) => s.with?.['create-issue-on-failure'])).toEqual(['false', 'false']);
    });

    it('against a health-checked postgres service container', () => {
      const pg = job.services!.postgres as { image: string; ports: string[]; options: string; env: Record<string, string> };
      expect(pg.image).toMatch(/^postgres:\d+$/);
      expect(pg.ports).toEqual(['5432:5432']);
      expect(pg.options).toMatch(/--health-cmd pg_isready/);
      const url = String(job.env!.DATABASE_URL);
      expect(url).toMatch(new RegExp(`^postgres://postgres:${pg.env.POSTGRES_PASSWORD}@localhost:5432/\\w+\\?sslmode=disable$`));
      for (const s of ours) expect(s.with!['database-url']).toBe('${{ env.DATABASE_URL }}');
    });

    it('runs up on db/migrations, then status, a dry-run rollback and status again', () => {
      expect(ours.map((s) => [s.id, s.with!.command, s.with!['dry-run'] ?? 'false', s.with!['migrations-dir'] ?? 'db/migrations'])).toEqual([
        ['up', 'up', 'false', 'db/migrations'],
        ['status', 'status', 'false', 'db/migrations'],
        ['rollback', 'rollback', 'true', 'db/migrations'],
        ['after', 'status', 'false', 'db/migrations'],
      ]);
    });

    it("checks every step's status, pending and current-version in a last shell step, through env:", () => {
      const check = steps.at(-1)!;
      expect(check.name).toBe('Check the outputs');
      expect(typeof check.run).toBe('string');
      const read = Object.values(check.env!).map(String);
      for (const s of ours) {
        for (const output of s.id === 'rollback' ? ['status', "['rolled-back']", "['current-version']", 'report'] : ['status', 'pending', "['current-version']"]) {
          const ref = output.startsWith('[') ? `steps.${s.id}.outputs${output}` : `steps.${s.id}.outputs.${output}`;
          expect([s.id, read.includes(`\${{ ${ref} }}`)]).toEqual([s.id, true]);
        }
      }
      expect(read).toContain('${{ steps.up.outputs.applied }}');
      // action-node24.test.ts runs this script on the outputs of the same steps on Node 24.
      expect(check.run).toMatch(/^set -euo pipefail\n/);
      expect(check.run).toContain('exit "$failed"');
    });
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

describe('supply chain: every workflow', () => {
  // A moving tag can be repointed by whoever controls the action's repository; a commit cannot.
  // The tag stays readable in a comment, as Dependabot writes it when it updates the pin.
  it.each(workflowFiles().map((f) => [f.replace(`${ROOT}/`, '')]))('%s pins each third-party action by commit SHA, its tag in a comment', (file) => {
    const lines = read(file).split('\n').filter((l) => /^\s*(?:-\s+)?uses:\s/.test(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      const uses = /uses:\s+(\S+)/.exec(l)![1];
      if (uses === './') continue;
      expect(l).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });

  it('dependabot updates npm (root and tools/node24) and the actions, weekly', () => {
    const d = parse(read('.github/dependabot.yml')) as { updates: { 'package-ecosystem': string; directory?: string; directories?: string[]; schedule: { interval: string } }[] };
    expect(d.updates.flatMap((u) => (u.directories ?? [u.directory]).map((dir) => `${u['package-ecosystem']} ${dir}`)).sort()).toEqual(['github-actions /', 'npm /', 'npm /tools/node24']);
    for (const u of d.updates) expect(u.schedule.interval).toBe('weekly');
  });
});

describe('.github/workflows/release.yml', () => {
  const wf = parse(read('.github/workflows/release.yml')) as Workflow & { on: { push: { tags: string[]; branches?: unknown } } };
  const all = (j: Job) => strings(j.steps);

  it('runs on version tags only', () => {
    expect(wf.on.push.tags).toEqual(['v*.*.*']);
    expect(wf.on.push.branches).toBeUndefined();
  });

  it('checks the tag, audits, rebuilds dist and tests before anything is published', () => {
    const verify = all(wf.jobs.verify!).join('\n');
    for (const step of ['node scripts/release.mjs check-tag', 'npm audit --audit-level=high', 'npm run build', 'node scripts/release.mjs check-dist', 'npm test']) {
      expect(verify).toContain(step);
    }
    expect(verify.indexOf('check-tag')).toBeLessThan(verify.indexOf('npm test'));
  });

  it('publishes with provenance, attests dist/, releases with the changelog notes, and moves the major tag last', () => {
    const job = wf.jobs.release!;
    expect(job.needs).toBe('verify');
    expect(job.permissions).toEqual(expect.objectContaining({ contents: 'write', 'id-token': 'write', attestations: 'write' }));
    const text = all(job).join('\n');
    expect(text).toContain('npm publish --provenance --access public');
    // The linux-x64 test binaries are stripped from the manifest before npm sees it.
    expect(text.indexOf('node scripts/release.mjs publish-manifest')).toBeGreaterThanOrEqual(0);
    expect(text.indexOf('node scripts/release.mjs publish-manifest')).toBeLessThan(text.indexOf('npm publish'));
    expect(text).toContain('node scripts/release.mjs notes');
    expect((job.steps ?? []).some((s) => typeof s.uses === 'string' && s.uses.startsWith('actions/attest-build-provenance@'))).toBe(true);
    const steps = (job.steps ?? []).map((s) => strings(s).join(' '));
    const moves = steps.findIndex((s) => /git push .*--force.*major|major.*git push/s.test(s) || /git tag -f/.test(s));
    expect(moves).toBe(steps.length - 1);
  });
});
